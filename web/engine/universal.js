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
 * delta, maxIter), its fooling rate on the first n test digits, and the first test digit with v
 * added. Answers lab.universal's result and {digit, label, predicted, cleanPredicted, seconds}.
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
  const digit = images(test, 0, 1);
  const added = digit.map((p, i) => Math.min(1, Math.max(0, p + r.perturbation[i])));
  return {
    result: { ...r, digit: added, label: test.labels[0], cleanPredicted: predicted(net, digit),
      predicted: predicted(net, added), seconds },
    transfer: [r.perturbation.buffer, added.buffer],
  };
}
