// Training in the worker: the one training loop, which the lab page's runs (runs.js) and the
// widgets' short runs (widgets.js) both go through, and what it measures on the way.
import { firstImages, mnist } from './data.js';
import { state } from './state.js';
import { nextTurn } from './turns.js';

const CHUNK_MS = 30;
const PROGRESS_MS = 250;
const EVAL_MS = 2500;
// The largest share of a run's time the test check may take: it runs on replica 0 alone while a
// pool's other workers wait, and for Madry's net it takes about 0.8 s, a third of EVAL_MS. So it
// comes at most every EVAL_MS, and at least 1 / EVAL_SHARE times its own last duration apart.
const EVAL_SHARE = 0.05;
const EVAL_IMAGES = 500;

/** The first EVAL_IMAGES test images, on which training reports its test accuracy. */
export async function evalSubset() {
  const test = await mnist('t10k');
  return { ds: test, ...firstImages(test, EVAL_IMAGES) };
}

/** Clean and FGSM accuracy of net on an evalSubset(). */
export function evaluate(net, subset, eps) {
  const n = subset.labels.length;
  const clean = net.evaluate(subset.ds, n).accuracy;
  if (eps === 0) return { clean, adv: clean };
  const a = state.lab.createAttack(net, { name: 'fgsm', eps });
  try {
    const xAdv = a.run(subset.x, { labels: subset.labels });
    return { clean, adv: state.lab.countCorrect(net, xAdv, subset.labels) / n };
  } finally {
    a.free();
  }
}

/** Batches per epoch and per model for these settings on the training set. */
export function batchPlan(train, { limit, batch, epochs }) {
  const count = limit > 0 ? Math.min(limit, train.count) : train.count;
  const perEpoch = Math.ceil(count / batch);
  return { perEpoch, perModel: perEpoch * epochs };
}

/**
 * The one training loop, for the page's runs and the widgets': runs trainer to its end in chunks
 * of about CHUNK_MS, yielding between them, and reports to request `id` at most every
 * `progressMs` (after every chunk with 0) as {kind: 'train', slot, ...the trainer's progress,
 * test, fraction, eta, workers (the cores training), busyMs (the request's time in the trainer,
 * its checks left out)}. `test` ({clean, adv} on `subset`, FGSM at `eps`) is measured, when a
 * subset is given, at each epoch's end and every EVAL_MS or more (EVAL_SHARE). `plan` counts
 * batches over the whole request: {done, total, busyMs, epochBatch} (batches into the epoch at
 * the start).
 * `hooks.beforeChunk()` may wait (a pause) and answers false to stop (a cancel);
 * `hooks.afterChunk(p)` sees each chunk's progress first (checkpoints). Returns whether the
 * trainer finished.
 */
export async function trainLoop(trainer, { id, slot, net, subset = null, eps, plan,
  progressMs = PROGRESS_MS }, hooks = {}) {
  const { beforeChunk = async () => true, afterChunk = async () => {} } = hooks;
  let batches = 1;
  let lastPost = 0;
  let lastEval = performance.now();
  let evalMs = 0; // the last test check's duration
  while (!trainer.finished) {
    if (!(await beforeChunk())) return false;
    const start = performance.now();
    const p = await trainer.run(batches); // a Trainer's, or a ParallelTrainer's (train_pool.js)
    const ms = performance.now() - start;
    plan.done += p.batchInEpoch - plan.epochBatch;
    plan.epochBatch = p.epochDone ? 0 : p.batchInEpoch;
    plan.busyMs += ms;
    batches = Math.max(1, Math.min(64, Math.round((batches * CHUNK_MS) / Math.max(ms, 1))));
    await afterChunk(p);
    const now = performance.now();
    const evalDue = subset &&
      (p.epochDone || now - lastEval > Math.max(EVAL_MS, evalMs / EVAL_SHARE));
    const test = evalDue ? evaluate(net, subset, eps) : undefined;
    if (evalDue) {
      lastEval = performance.now();
      evalMs = lastEval - now;
    }
    if (evalDue || now - lastPost >= progressMs || trainer.finished) {
      lastPost = now;
      postMessage({ id, op: 'progress', kind: 'train', slot, ...p, test,
        workers: trainer.workers ?? 1,
        fraction: plan.done / plan.total,
        eta: ((plan.total - plan.done) * plan.busyMs) / Math.max(plan.done, 1) / 1000,
        busyMs: plan.busyMs });
    }
    await nextTurn();
  }
  return true;
}
