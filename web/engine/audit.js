// "Is this defence real?" (issue 13): AutoAttack's evaluation of a slot's model, behind the
// pre-processor the page has in front of it, on the first n test images, across the pool of
// workers. The images go out in parts (the first holds the images the checks look at, the rest
// are small, so the progress moves and both cores stay busy); advlab_evaluate's `first` gives
// each part the random starts of its place in the whole, so the parts' counts add up to the
// report `advlab evaluate` gives for the same images.
import { firstImages, mnist } from './data.js';
import { EvalPool, defaultPoolSize } from './pool.js';
import { state, wasmBytes } from './state.js';

const CHECKED = 100; // advlab_evaluate's checks look at the first 100 images
const PART = 20; // images per later part

let pool = null;

/** The parts of n images: [{first, n, checks}]. */
export function auditParts(n) {
  const parts = [{ first: 0, n: Math.min(n, CHECKED), checks: true }];
  for (let first = CHECKED; first < n; first += PART) {
    parts.push({ first, n: Math.min(PART, n - first), checks: false });
  }
  return parts;
}

const correct = (accuracy, n) => Math.round(accuracy * n);

/**
 * One report of the parts' reports: counts added, the checks and their warnings from the first
 * part, the black-box warning from any (it says a member broke images there).
 */
export function mergeReports(reports) {
  const n = reports.reduce((sum, r) => sum + r.n, 0);
  const total = (f) => reports.reduce((sum, r) => sum + f(r), 0);
  const [head] = reports;
  const members = head.members.map((m, i) => ({ name: m.name,
    accuracy: total((r) => correct(r.members[i].accuracy, r.n)) / n,
    broke: total((r) => r.members[i].broke),
    gradient_calls: total((r) => r.members[i].gradient_calls),
    seconds: total((r) => r.members[i].seconds) }));
  const warnings = [...head.warnings];
  const blackBox = reports.find((r) => r.warnings.some((w) => w.id === 'black_box'));
  if (blackBox && !warnings.some((w) => w.id === 'black_box')) {
    warnings.push(blackBox.warnings.find((w) => w.id === 'black_box'));
  }
  return { settings: head.settings, n,
    clean_accuracy: total((r) => correct(r.clean_accuracy, r.n)) / n,
    robust_accuracy: total((r) => correct(r.robust_accuracy, r.n)) / n,
    members, checks: head.checks, warnings };
}

/**
 * The op: AutoAttack's `suite` at `eps` on the model in `slot` behind `pre` ('none' or a
 * pre-processor's name), on the first n test images. Progress goes to request id as {kind:
 * 'audit', fraction}. Answers {report, workers, seconds}.
 */
export async function audit({ slot, pre, suite, eps, n }, id) {
  const net = state.slots[slot]?.net;
  if (!net) throw new Error(`audit: no model in slot "${slot}"`);
  const test = await mnist('t10k', id);
  const { x, labels } = firstImages(test, n);
  const workers = defaultPoolSize();
  if (pool?.size !== workers) {
    pool?.terminate();
    pool = new EvalPool(workers, await wasmBytes);
  }
  const start = performance.now();
  try {
    const reports = await pool.evaluateParts({ model: net.saveWeights(), pre, x, labels,
      parts: auditParts(labels.length), settings: { suite, eps },
      onPart: (done, total) => postMessage({ id, op: 'progress', kind: 'audit',
        fraction: done / total }) });
    return { result: { report: mergeReports(reports), workers,
      seconds: (performance.now() - start) / 1000 } };
  } catch (error) {
    // A pool that failed is not reused: the next request starts a new one.
    pool.terminate();
    pool = null;
    throw error;
  }
}
