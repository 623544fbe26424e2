// Training in the worker: the one training loop, the lab page's runs around it (checkpointed,
// paused, resumed, cancelled; one at a time per browser profile) and the widgets' short runs.
import { firstImages, mnist } from './data.js';
import { adopt, modelList } from './models.js';
import { MAX_BATCH, SLOTS, state } from './state.js';
import { checkpointSummary, dropCheckpoint, loadCheckpoint, saveCheckpoint } from './store.js';
import { nextTurn } from './turns.js';

const CHUNK_MS = 30;
const PROGRESS_MS = 250;
const EVAL_MS = 2500;
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

/**
 * A trainer on net: clean for the standard slot, ART's AdversarialTrainer (FGSM, or PGD with 7
 * steps) for the defended one.
 */
export function trainerFor(net, slot, train, settings) {
  const config = { epochs: settings.epochs, batch: settings.batch, lr: settings.lr,
    seed: settings.seed, limit: settings.limit };
  if (slot === 'standard') return net.trainer(train, config);
  const attack = settings.attack === 'pgd'
    ? { name: 'pgd', eps: settings.eps, eps_step: (2.5 * settings.eps) / 7, max_iter: 7,
      num_random_init: 1 }
    : { name: 'fgsm', eps: settings.eps };
  return net.adversarialTrainer(train, config, { ratio: settings.ratio, attack });
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
 * test, fraction, eta}. `test` ({clean, adv} on `subset`, FGSM at `eps`) is measured at each
 * epoch's end and every EVAL_MS when a subset is given. `plan` counts batches over the whole
 * request: {done, total, busyMs, epochBatch} (batches into the epoch at the start).
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
  while (!trainer.finished) {
    if (!(await beforeChunk())) return false;
    const start = performance.now();
    const p = trainer.run(batches);
    const ms = performance.now() - start;
    plan.done += p.batchInEpoch - plan.epochBatch;
    plan.epochBatch = p.epochDone ? 0 : p.batchInEpoch;
    plan.busyMs += ms;
    batches = Math.max(1, Math.min(64, Math.round((batches * CHUNK_MS) / Math.max(ms, 1))));
    await afterChunk(p);
    const now = performance.now();
    const evalDue = subset && (p.epochDone || now - lastEval > EVAL_MS);
    const test = evalDue ? evaluate(net, subset, eps) : undefined;
    if (evalDue) lastEval = performance.now();
    if (evalDue || now - lastPost >= progressMs || trainer.finished) {
      lastPost = now;
      postMessage({ id, op: 'progress', kind: 'train', slot, ...p, test,
        fraction: plan.done / plan.total,
        eta: ((plan.total - plan.done) * plan.busyMs) / Math.max(plan.done, 1) / 1000 });
    }
    await nextTurn();
  }
  return true;
}

// ------------------------------------------------------------ the lab page's runs

// The training run: {paused, cancelled, wake, parked, stoppedAt}; parked holds the pause requests
// waiting for the run to stop and checkpoint, and stoppedAt is where it stopped.
let job = null;

// Answers the pause requests waiting on the run with where it stopped, or with nothing when it
// has ended.
function unpark(at) {
  for (const resolve of job.parked.splice(0)) resolve(at);
}

// Waits while paused; each pause first checkpoints the run, then answers the pause request with
// `at`, the place it checkpointed.
async function waitWhilePaused(checkpoint, at) {
  if (!job.paused || job.cancelled) return;
  await checkpoint();
  job.stoppedAt = at;
  unpark(at);
  while (job.paused && !job.cancelled) await new Promise((resolve) => { job.wake = resolve; });
  job.stoppedAt = null;
}

// Where a trainer is after a run() that reported p: full epochs done, then batches into the next.
function placeAfter({ epoch, epochs, batchInEpoch, batchesPerEpoch, epochDone }) {
  return epochDone ? { epoch, batch: 0, batchesPerEpoch, epochs }
    : { epoch: epoch - 1, batch: batchInEpoch, batchesPerEpoch, epochs };
}

function trainingNet(slot, settings) {
  const maxBatch = Math.max(MAX_BATCH, settings.batch);
  if (slot === 'standard') {
    return state.lab.createNet({ arch: 'tutorial', maxBatch, seed: settings.seed });
  }
  // As in the tutorial (and `advlab experiment`), the defended model starts from the standard one.
  return state.lab.netFromWeights(state.slots.standard.net.saveWeights(), 'standard model',
    maxBatch);
}

// The net and trainer for one slot of a run: new, or from the checkpoint `from` (same slot).
function startSlot(slot, settings, train, from) {
  const net = trainingNet(slot, settings);
  try {
    if (from) net.loadWeights(from.weights, 'checkpoint');
    const trainer = trainerFor(net, slot, train, settings);
    if (from) trainer.restoreState(from.state);
    return { net, trainer };
  } catch (error) {
    net.free();
    throw error;
  }
}

// Trains one slot's model through trainLoop, checkpointing when it starts, after every epoch but
// the last and on pause; returns the net, or null when cancelled. `from` is the checkpoint to go
// on from, if any.
async function trainSlot(id, run, slot, train, subset, plan, from) {
  const { settings } = run;
  const { net, trainer } = startSlot(slot, settings, train, from);
  const { epoch = 0, batch = 0, batchesPerEpoch = plan.perEpoch, epochs = settings.epochs } =
    from ?? {};
  let place = { epoch, batch, batchesPerEpoch, epochs };
  // A checkpoint that cannot be written (storage full or refused) does not stop the run: the page
  // is told, and the run goes on without it.
  const checkpoint = () => saveCheckpoint(run, slot, net, trainer, place).catch((error) => {
    postMessage({ id, op: 'progress', kind: 'checkpoint', error: error?.message ?? String(error) });
  });
  let finished;
  try {
    if (!from) await checkpoint();
    finished = await trainLoop(trainer, { id, slot, net, subset, eps: settings.eps, plan }, {
      async beforeChunk() {
        await waitWhilePaused(checkpoint, { slot, ...place });
        return !job.cancelled;
      },
      // The last epoch is not checkpointed: the finished model is kept as soon as it is done.
      async afterChunk(p) {
        place = placeAfter(p);
        if (p.epochDone && !trainer.finished) await checkpoint();
      },
    });
  } finally {
    trainer.free();
  }
  if (finished && !job.cancelled) return net;
  net.free();
  return null;
}

// A model trained here: its English label and what the page names it by (see modelList).
function trainedName(slot, { epochs, attack, eps, ratio }) {
  const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const how = slot === 'standard' ? `${epochs} epochs`
    : `${attack.toUpperCase()} eps ${eps} ratio ${ratio}, ${epochs} epochs`;
  return { label: `${slot}, trained here ${time} (${how})`,
    about: { kind: 'trained', slot, epochs, attack, eps, ratio } };
}

// One training run per browser profile, held as a Web Lock for the run's length: two tabs' runs
// would write the same checkpoint. A worker just terminated (a crash) may hold the lock a moment
// longer, so a request waits LOCK_WAIT_MS for it. Without Web Locks (not a secure context) runs
// are not kept apart.
const TRAINING_LOCK = 'advlab-training';
const LOCK_WAIT_MS = 3000;

async function withTrainingLock(run) {
  if (!navigator.locks) return run();
  try {
    return await navigator.locks.request(TRAINING_LOCK,
      { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, run);
  } catch (error) {
    if (error?.name !== 'TimeoutError') throw error;
    throw new Error('another tab of this lab is training: let it finish there, or cancel it');
  }
}

/**
 * Whether a run holds the lock now: at start, another tab's (its checkpoint is then not an
 * interrupted run); after a crash, perhaps still the dead worker's.
 */
export async function trainingLockHeld() {
  if (!navigator.locks) return false;
  const { held } = await navigator.locks.query();
  return held.some((lock) => lock.name === TRAINING_LOCK);
}

/** The interrupted run's checkpoint as the page shows it, or null. */
export async function interruptedRun() {
  return checkpointSummary(await loadCheckpoint());
}

// The training run behind the train op, within its job.
async function trainRun({ which, settings, resume }, id) {
  const from = resume ? await loadCheckpoint() : null;
  if (resume && !from) throw new Error('there is no interrupted training run to resume');
  const run = from ? { which: from.which, settings: from.settings } : { which, settings };
  const [train] = await Promise.all([mnist('train', id), mnist('t10k', id)]);
  const subset = await evalSubset();
  const order = run.which === 'both' ? SLOTS : [run.which];
  const { perEpoch, perModel } = batchPlan(train, run.settings);
  const first = from ? order.indexOf(from.slot) : 0;
  const plan = { done: first * perModel + (from ? from.epoch * perEpoch + from.batch : 0),
    total: perModel * order.length, perEpoch, busyMs: 0, epochBatch: from?.batch ?? 0 };
  const infos = [];
  for (const slot of order.slice(first)) {
    const net = await trainSlot(id, run, slot, train, subset, plan,
      slot === from?.slot && from.weights ? from : null);
    plan.epochBatch = 0;
    if (!net) {
      await dropCheckpoint();
      return { result: { cancelled: true, slots: infos, models: await modelList() } };
    }
    const bytes = net.saveWeights();
    net.free();
    infos.push(await adopt(slot, bytes, trainedName(slot, run.settings), 'trained'));
  }
  await dropCheckpoint();
  return { result: { cancelled: false, resumed: Boolean(from), slots: infos,
    models: await modelList() } };
}

// ------------------------------------------------------------ ops

/**
 * Trains the standard model, the defended one (adversarial training from the standard), or both;
 * {resume: true} goes on from the checkpoint of an interrupted run instead, and with
 * {paused: true} it waits for resume() first. One run at a time in the whole browser profile.
 */
export async function train({ which, settings, resume, paused = false }, id) {
  if (job) throw new Error('a training run is already going: cancel it first');
  job = { paused, cancelled: false, wake: null, parked: [], stoppedAt: null };
  try {
    return await withTrainingLock(() => trainRun({ which, settings, resume }, id));
  } finally {
    unpark();
    job = null;
  }
}

export async function discardCheckpoint() {
  await dropCheckpoint();
  return { result: { discarded: true } };
}

/**
 * Answers once the run has stopped and its checkpoint is saved, with where it stopped: {slot,
 * epoch, batch, epochs, batchesPerEpoch} as in the checkpoint. A run that ends first answers
 * {paused: false}.
 */
export async function pause() {
  if (!job) return { result: { paused: false } };
  if (job.stoppedAt) return { result: { paused: true, at: job.stoppedAt } };
  job.paused = true;
  const at = await new Promise((resolve) => job.parked.push(resolve));
  return { result: at ? { paused: true, at } : { paused: false } };
}

export async function resume() {
  if (job) {
    job.paused = false;
    job.wake?.();
  }
  return { result: { paused: false } };
}

export async function cancel() {
  if (job) {
    job.cancelled = true;
    unpark();
    job.wake?.();
  }
  return { result: { cancelled: Boolean(job) } };
}
