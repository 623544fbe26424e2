// The universal perturbation (issue 13): lab.universal on a slot's model, fitted on the first
// training digits and measured on the first test digits. The fit is one long call into the
// engine, so it runs on a worker of the pool (pool.js), and this worker stays free to answer
// (and to beat its heartbeat) meanwhile. The pool worker builds the model from its weights with
// the CLI's batch size, so the numbers are those of `advlab universal --json` for the same images.
import { firstImages, images, mnist } from './data.js';
import { EvalPool } from './pool.js';
import { state, wasmBytes } from './state.js';

let pool = null; // one worker, made on first use and kept

function predicted(net, x) {
  net.input.set(x);
  net.predict(1);
  const p = net.probs.subarray(0, net.classes);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

/**
 * The op: v fitted on the first `fit` training digits with lab.universal's settings (eps, norm,
 * delta, maxIter), its fooling rate on the first n test digits, and the first of them it fools
 * (the first when none), with v added. Answers lab.universal's result and {digit, index, label,
 * cleanPredicted, predicted, seconds}.
 */
export async function universal({ slot, fit, n, ...settings }, id) {
  const net = state.slots[slot]?.net;
  if (!net) throw new Error(`universal: no model in slot "${slot}"`);
  const [train, test] = [await mnist('train', id), await mnist('t10k', id)];
  const { x } = firstImages(train, fit);
  const { x: heldOut } = firstImages(test, n);
  pool ??= new EvalPool(1, await wasmBytes);
  const start = performance.now();
  let r;
  try {
    r = await pool.universal({ model: net.saveWeights(), x, heldOut, settings });
  } catch (error) {
    pool.terminate(); // a pool that failed is not reused: the next request starts a new one
    pool = null;
    throw error;
  }
  const seconds = (performance.now() - start) / 1000;
  const shown = fooledDigit(net, test, r.perturbation, Math.min(n, test.count));
  return { result: { ...r, ...shown, seconds },
    transfer: [r.perturbation.buffer, shown.digit.buffer] };
}

// The first of the first n test digits whose prediction v changes (the first digit when none),
// with v added: {digit, index, label, cleanPredicted, predicted}.
function fooledDigit(net, test, v, n) {
  let shown;
  for (let i = 0; i < n; i++) {
    const x = images(test, i, i + 1);
    const digit = x.map((p, j) => Math.min(1, Math.max(0, p + v[j])));
    const [clean, moved] = [predicted(net, x), predicted(net, digit)];
    if (i === 0 || clean !== moved) {
      shown = { digit, index: i, label: test.labels[i], cleanPredicted: clean, predicted: moved };
    }
    if (clean !== moved) break;
  }
  return shown;
}
