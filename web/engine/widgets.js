// The ops of the <advlab-demo> widgets (web/advlab-demo.js), which share this worker. Each
// request names its models by id, so widgets showing different models share one engine; their
// nets are cached here by id, apart from the lab page's slots, and nothing is kept in IndexedDB.
// Models trained in a widget live as long as the worker.
import { attackImage, inputOf, preprocessor, side } from './analyze.js';
import { withTrigger } from './poisoning.js';
import { mnist } from './data.js';
import { netFrom, pretrained, weightBytes } from './models.js';
import { curveTasks, evaluateTasks } from './robustness.js';
import { MAX_BATCH, state } from './state.js';
import { theft } from './stealing.js';
import { batchPlan, evalSubset, evaluate, trainLoop } from './training.js';
import { trainerFor } from './trainers.js';

const nets = new Map(); // model id -> Promise of {net, info}
let trained = 0;

function widgetModel(id) {
  if (!nets.has(id)) {
    nets.set(id, (async () => {
      const entry = await pretrained(id);
      if (!entry) throw new Error(`model "${id}" is not one of the pretrained models`);
      const net = netFrom(await weightBytes(entry.file), entry.file);
      return { net, info: { id, source: 'pretrained' } };
    })());
    nets.get(id).catch(() => nets.delete(id));
  }
  return nets.get(id);
}

/**
 * Each named model on one input, clean and attacked: {x, models: [side + {id}]}. With `pre`, the
 * models see the input through it and the attack follows `gradient`, as on the lab page; with
 * `trigger` (poisoning settings), the input carries that backdoor trigger.
 */
export async function widgetAnalyze(args) {
  const { models, attack, target = -1, pre: preName = 'none', gradient = 'unaware',
    trigger = null } = args;
  const x = trigger ? withTrigger(inputOf(args), trigger) : inputOf(args);
  const pre = preprocessor(preName);
  const results = [];
  for (const id of models) {
    const { net } = await widgetModel(id);
    const xAdv = attackImage(net, x, attack, target, pre, gradient);
    results.push({ id, ...side(net, x, xAdv, pre) });
  }
  const buffers = [x, ...results.flatMap((r) => [r.xAdv, r.seen])].map((a) => a.buffer);
  return { result: { x, models: results }, transfer: [...new Set(buffers)] };
}

/**
 * Accuracy against FGSM at each eps (by default the experiment's curve), for each named model, on
 * the first n test images: {eps, n, accuracy: {id: [...]}}.
 */
export async function widgetCurve({ models, eps = state.lab.curveEps, n }, id) {
  const byId = Object.fromEntries(await Promise.all(
    models.map(async (m) => [m, (await widgetModel(m)).net])));
  const { counts, n: count } = await evaluateTasks(byId, curveTasks(models, eps), n, undefined,
    id, 'curves');
  const accuracy = Object.fromEntries(models.map((m) => [m,
    counts.splice(0, eps.length).map((c) => c / count)]));
  return { result: { eps, n: count, accuracy } };
}

/**
 * Adversarially trains a copy of model `from` (or, with ratio 0, trains it further on clean
 * images) through the one training loop, and keeps the result as a new model for the widgets:
 * {id, source, test: {clean, adv}}.
 */
export async function widgetTrain({ from, settings }, id) {
  const [train] = await Promise.all([mnist('train', id), mnist('t10k', id)]);
  const base = (await widgetModel(from)).net;
  const net = state.lab.netFromWeights(base.saveWeights(), from,
    Math.max(MAX_BATCH, settings.batch));
  const slot = settings.ratio > 0 ? 'defended' : 'standard';
  const { perModel } = batchPlan(train, settings);
  try {
    const trainer = trainerFor(net, slot, train, settings);
    try {
      // Every chunk reported: a widget's run is short, and its events tell each step.
      await trainLoop(trainer, { id, slot, net, eps: settings.eps, progressMs: 0,
        plan: { done: 0, total: perModel, busyMs: 0, epochBatch: 0 } });
    } finally {
      trainer.free();
    }
  } catch (error) {
    net.free();
    throw error;
  }
  const info = { id: `widget:${++trained}`, source: 'trained',
    test: evaluate(net, await evalSubset(), settings.eps) };
  nets.set(info.id, Promise.resolve({ net, info }));
  return { result: info };
}

/**
 * Steals the widget model `victim` behind `postprocess` with `queries` answers of MNIST's
 * training digits (CopycatCNN, seed 1): the report of lab.extract.
 */
export async function widgetSteal({ victim, postprocess, queries }, id) {
  const { net } = await widgetModel(victim);
  const { report, thief } = await theft(net, { postprocess, thief: 'mnist', queries, seed: 1 },
    id);
  thief.free();
  return { result: report };
}
