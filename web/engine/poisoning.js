// The Poison panel's work in the worker (issue 15): a backdoored copy of MNIST's training set,
// the trigger on the live input, STRIP's verdict on it, and the search for the poison
// (activation clustering or spectral signatures) with a retrain on what is left. advlab.js does
// the work (lab.poison, lab.addTrigger, lab.strip, lab.cleanse); this keeps the poisoned set and
// shapes the answers for the page.
import { firstImages, images, mnist } from './data.js';
import { adopt, modelList } from './models.js';
import { state } from './state.js';

const SAMPLES = 8; // poisoned digits shown
const FLAGGED_SHOWN = 12; // flagged digits shown
const SCATTER_POINTS = 1500; // of the class shown, at most
const STRIP_POOL = 100; // clean test images STRIP superimposes and calibrates on

// The poisoned training set: {key, settings, dataset, rows, report}, one at a time.
let poisoned = null;
let stripPool = null;

// The page's settings as advlab.js takes them: a drawn mask only for the 'mask' trigger.
function poisonSettings({ trigger, mask, source, target, fraction, seed }) {
  const settings = { trigger, source, target, fraction, seed };
  if (trigger === 'mask') settings.mask = mask;
  return settings;
}

/**
 * The training set poisoned as `settings` say, made once and kept: poisoning is a seeded
 * function of the settings and MNIST, so a run resumed after a reload gets the same rows.
 */
export async function poisonedTrain(settings, id) {
  const key = JSON.stringify(poisonSettings(settings));
  if (poisoned?.key !== key) {
    const train = await mnist('train', id);
    const made = state.lab.poison(train, poisonSettings(settings));
    poisoned?.dataset.free();
    poisoned = { key, settings, ...made };
  }
  return poisoned;
}

/** The poisoned set's images (pixels / 255) at the given rows, one after another. */
function rowsImages(dataset, rows) {
  const out = new Float32Array(rows.length * 784);
  rows.forEach((r, i) => out.set(images(dataset, r, r + 1), i * 784));
  return out;
}

/**
 * The op: poisons MNIST's training set and answers {report, samples}: the CLI's report and the
 * first SAMPLES poisoned rows, each {x (as poisoned), before (the clean digit), from, to}.
 */
export async function poison(settings, id) {
  const { dataset, rows, report } = await poisonedTrain(settings, id);
  const train = await mnist('train', id);
  const shown = Array.from(rows.subarray(0, SAMPLES));
  const after = rowsImages(dataset, shown);
  const before = rowsImages(train, shown);
  const samples = shown.map((r, i) => ({ row: r, from: train.labels[r], to: dataset.labels[r],
    x: after.slice(i * 784, (i + 1) * 784), before: before.slice(i * 784, (i + 1) * 784) }));
  return { result: { report, samples },
    transfer: samples.flatMap((s) => [s.x.buffer, s.before.buffer]) };
}

/** x with the trigger of `settings` written in (the live input, when the panel asks). */
export function withTrigger(x, settings) {
  return state.lab.addTrigger(x, poisonSettings(settings));
}

/** STRIP's verdict on x against the standard slot's model: {flagged, entropy, threshold}. */
export async function stripVerdict(x) {
  if (!stripPool) {
    const test = await mnist('t10k');
    stripPool = firstImages(test, STRIP_POOL).x;
  }
  const report = state.lab.strip(state.slots.standard.net, stripPool, x);
  const [verdict] = report.images;
  return { flagged: verdict.flagged, entropy: verdict.entropy, threshold: report.threshold };
}

// The class with the most poisoned rows, and up to SCATTER_POINTS of its rows' 2-D points:
// [x, y, cluster, poisoned] each.
function scatter(found, dataset, rows) {
  const counts = new Array(10).fill(0);
  const isPoisoned = new Uint8Array(dataset.count);
  for (const r of rows) {
    isPoisoned[r] = 1;
    counts[dataset.labels[r]]++;
  }
  const label = counts.indexOf(Math.max(...counts));
  const members = [];
  for (let r = 0; r < dataset.count; r++) if (dataset.labels[r] === label) members.push(r);
  const step = Math.max(1, Math.ceil(members.length / SCATTER_POINTS));
  const points = [];
  for (let i = 0; i < members.length; i += step) {
    const r = members[i];
    points.push([found.points[2 * r], found.points[2 * r + 1], found.clusters[r], isPoisoned[r]]);
  }
  return { label, points };
}

/**
 * The op: finds the poison in the poisoned set from the standard slot's model (the one trained
 * on it) with `defence` ('ac' | 'spectral'), measures, and with `retrain` trains a new model on
 * the rows left and puts it in the defended slot. Answers {report, flagged, scatter, slots,
 * models}; flagged is FLAGGED_SHOWN flagged digits, each {x, label, poisoned}.
 */
export async function cleanse({ poison: settings, defence, retrain }, id) {
  const { dataset, rows } = await poisonedTrain(settings, id);
  const test = await mnist('t10k', id);
  const net = state.slots.standard.net;
  const progress = (p) => postMessage({ id, op: 'progress', ...p });
  const found = await state.lab.cleanse(net, dataset, { defence }, {
    rows, test, poison: poisonSettings(settings), onProgress: progress,
    retrain: retrain ? { ...retrain, limit: retrain.limit ?? 0 } : undefined,
  });
  try {
    const truth = new Uint8Array(dataset.count);
    for (const r of rows) truth[r] = 1;
    const shown = [];
    for (let r = 0; r < dataset.count && shown.length < FLAGGED_SHOWN; r++) {
      if (found.flags[r]) shown.push(r);
    }
    const xs = rowsImages(dataset, shown);
    const flagged = shown.map((r, i) => ({ x: xs.slice(i * 784, (i + 1) * 784),
      label: dataset.labels[r], poisoned: truth[r] === 1 }));
    const slots = [];
    if (found.net) {
      const bytes = found.net.saveWeights();
      const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      slots.push(await adopt('defended', bytes, {
        label: `retrained after ${defence}, here ${time}`,
        about: { kind: 'cleansed', defence, epochs: retrain.epochs } }, 'trained'));
    }
    return {
      result: { report: found.report, flagged, scatter: scatter(found, dataset, rows), slots,
        models: await modelList() },
      transfer: flagged.map((f) => f.x.buffer),
    };
  } finally {
    found.net?.free();
    found.cleaned?.free();
  }
}
