// Robustness over many test images: accuracy against FGSM at each eps and what IBP proves there
// (curves), and the tutorial's measurements, as evaluation tasks (evaluate.js) run across the
// pool (pool.js) when there are several cores, else here between yields.
import { firstImages, mnist } from './data.js';
import { runTasks } from './evaluate.js';
import { slotNets } from './models.js';
import { EvalPool, defaultPoolSize } from './pool.js';
import { SLOTS, state, wasmBytes } from './state.js';
import { nextTurn } from './turns.js';

let pool = null; // the evaluation pool, made on first use and kept
// Pool failures in a row. A failure falls back to this worker and the next request tries a new
// pool; after MAX_POOL_FAILURES in a row (the page cannot start its workers: a sandboxed
// iframe's opaque origin) the pool is given up until a reload.
let poolFailures = 0;
const MAX_POOL_FAILURES = 2;

/** FGSM at each eps against each model itself: the tasks of an accuracy curve, model by model. */
export function curveTasks(models, eps) {
  return models.flatMap((model) => eps.map((e) => ({ model, attack: 'fgsm', eps: e })));
}

/** What IBP proves at each eps for each model: the tasks of a verified-accuracy curve. */
function verifiedTasks(models, eps) {
  return models.flatMap((model) => eps.map((e) => ({ model, certify: 'ibp', eps: e })));
}

/**
 * Runs evaluation tasks on `nets` (model name -> Net) over the first n test images: across the
 * pool when `workers` (by default one per core) is more than 1, else here between yields.
 * Progress goes to request id as {kind, fraction}.
 * @returns {Promise<{counts: number[], seconds: number[], n: number, pool: number}>}
 */
export async function evaluateTasks(nets, tasks, n, workers = defaultPoolSize(), id, kind) {
  const test = await mnist('t10k', id);
  const { x, labels } = firstImages(test, n);
  const onTask = (done, total) =>
    postMessage({ id, op: 'progress', kind, fraction: done / total });
  if (workers > 1 && poolFailures < MAX_POOL_FAILURES) {
    try {
      const result = await inPool(nets, tasks, x, labels, workers, onTask);
      poolFailures = 0;
      return { ...result, n: labels.length, pool: workers };
    } catch {
      poolFailures += 1;
      pool?.terminate();
      pool = null;
    }
  }
  const seconds = [];
  const counts = await runTasks(state.lab, nets, x, labels, tasks, {
    afterStep: nextTurn,
    onTask: (i, s) => {
      seconds.push(s);
      onTask(i + 1, tasks.length);
    },
  });
  return { counts, seconds, n: labels.length, pool: 1 };
}

async function inPool(nets, tasks, x, labels, workers, onTask) {
  if (pool?.size !== workers) {
    pool?.terminate();
    pool = new EvalPool(workers, await wasmBytes);
  }
  const models = Object.fromEntries(Object.entries(nets).map(([m, net]) => [m, net.saveWeights()]));
  return pool.run({ models, x, labels, tasks, onTask });
}

// ------------------------------------------------------------ ops

/**
 * Accuracy against FGSM at each eps (by default the experiment's curve), for both slots' models,
 * on the first n test images, and beside it what IBP proves there (verified accuracy): {eps, n,
 * workers, standard: [...], defended: [...], verified: {standard: [...], defended: [...]}}.
 */
export async function curves({ n, eps = state.lab.curveEps, workers }, id) {
  const tasks = [...curveTasks(SLOTS, eps), ...verifiedTasks(SLOTS, eps)];
  const { counts, n: count, pool: size } = await evaluateTasks(slotNets(), tasks, n, workers, id,
    'curves');
  const share = () => counts.splice(0, eps.length).map((c) => c / count);
  const result = { eps, n: count, workers: size, verified: {} };
  for (const slot of SLOTS) result[slot] = share();
  for (const slot of SLOTS) result.verified[slot] = share();
  return { result };
}

/**
 * The tutorial's measurements, the rows `advlab experiment` reports (the experiment's own plan,
 * at its eps unless `eps` is given): {rows: [{name, eps, value, n, seconds}]}; the page words
 * each row by its name.
 */
export async function measure({ n, eps, workers }, id) {
  const plan = state.lab.tutorialMeasurements({ eps });
  const { counts, seconds, n: count } = await evaluateTasks(slotNets(), plan, n, workers, id,
    'measure');
  return {
    result: {
      rows: plan.map(({ name, eps: e }, i) => ({ name, eps: e, value: counts[i] / count, n: count,
        seconds: seconds[i] })),
    },
  };
}
