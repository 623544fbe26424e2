// The lab page's training runs, through the one training loop (training.js): checkpointed when
// each model starts, after every epoch and on pause (store.js), paused, resumed after a reload or
// a crash, cancelled; one at a time per browser profile.
import { mnist } from './data.js';
import { adopt, modelList } from './models.js';
import { MAX_BATCH, SLOTS, state } from './state.js';
import { poisonedTrain } from './poisoning.js';
import { checkpointSummary, dropCheckpoint, loadCheckpoint, saveCheckpoint } from './store.js';
import { defaultPoolSize } from './pool.js';
import { ParallelTrainer, RUN_SHARDS } from './train_pool.js';
import { presetSettings, trainerFor } from './trainers.js';
import { batchPlan, evalSubset, trainLoop } from './training.js';


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

// The net a slot's run starts from. settings.arch (the tutorial's by default) may be any arch
// spec the engine takes.
function trainingNet(slot, settings) {
  const maxBatch = Math.max(MAX_BATCH, settings.batch);
  const arch = settings.arch ?? 'tutorial';
  // As in the tutorial (and `advlab experiment`), the defended model starts from the standard one;
  // a run of another arch starts afresh.
  if (slot === 'defended' && arch === 'tutorial') {
    return state.lab.netFromWeights(state.slots.standard.net.saveWeights(), 'standard model',
      maxBatch);
  }
  return state.lab.createNet({ arch, maxBatch, seed: settings.seed });
}

// The net and trainer for one slot of a run: new, or from the checkpoint `from` (same slot). A
// run with shards trains on every core (or on settings.workers), through replicas of the trainer
// in a pool of workers.
async function startSlot(id, slot, settings, train, from) {
  const net = trainingNet(slot, settings);
  let trainer;
  try {
    if (from) net.loadWeights(from.weights, 'checkpoint');
    trainer = trainerFor(net, slot, train, settings);
    if (from) trainer.restoreState(from.state);
    const workers = Math.min(settings.workers ?? defaultPoolSize(), trainer.shards);
    if (workers > 1) {
      // Without the pool (workers refused to start) the run goes on in this worker alone: the
      // same bits, only slower; the page says why.
      trainer = await ParallelTrainer.create(trainer, { net, train, slot, settings, workers })
        .catch((error) => {
          postMessage({ id, op: 'progress', kind: 'pool', error: error.message });
          return trainer;
        });
    }
    return { net, trainer };
  } catch (error) {
    trainer?.free();
    net.free();
    throw error;
  }
}

// Trains one slot's model through the one training loop, checkpointing when it starts, after
// every epoch but the last and on pause; returns the net, or null when cancelled. `from` is the
// checkpoint to go on from, if any.
async function trainSlot(id, run, slot, train, subset, plan, from) {
  const { settings } = run;
  const { net, trainer } = await startSlot(id, slot, settings, train, from);
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
function trainedName(slot, { epochs, attack, eps, ratio, poison, preset, about }) {
  const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (preset) {
    return { label: `${preset} preset, trained here ${time} (${about})`,
      about: { kind: 'trained', slot, epochs, attack, eps, ratio, preset } };
  }
  if (poison) {
    return { label: `poisoned (backdoor), trained here ${time} (${epochs} epochs)`,
      about: { kind: 'poisoned', slot, epochs, poison } };
  }
  const certified = { ibp: `IBP eps ${eps}`, noise: `noise sigma ${eps}` }[attack];
  const how = slot === 'standard' ? `${epochs} epochs`
    : `${certified ?? `${attack.toUpperCase()} eps ${eps} ratio ${ratio}`}, ${epochs} epochs`;
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

/** Whether runs are kept apart across tabs: false without Web Locks, which the page then says. */
export const tabsKeptApart = () => Boolean(navigator.locks);

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
  const run = from ? { which: from.which, settings: from.settings }
    : { which, settings: { shards: RUN_SHARDS, ...settings } };
  // A poisoned run (the Poison panel's) trains on the backdoored copy its settings make again.
  const { poison } = run.settings;
  const [train] = await Promise.all([
    poison ? poisonedTrain(poison, id).then((p) => p.dataset) : mnist('train', id),
    mnist('t10k', id)]);
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

/** A training preset's run settings (the "Train a robust model" button): {settings}. */
export async function trainPreset({ name }) {
  return { result: { settings: presetSettings(state.lab.trainPreset(name)) } };
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
