// Certificates (issue 17): a proof that no perturbation of the input within eps moves the
// answer, by IBP or CROWN (an L∞ ball) or randomized smoothing (an L2 radius), from advlab.js's
// lab.certify and lab.verifiedAccuracy, which ask the C core's certifier.
import { state } from './state.js';
import { nextTurn } from './turns.js';

// Randomized smoothing on the live input: Cohen et al.'s CERTIFY with fewer samples than a
// report would take, so that it keeps up with the pen.
const LIVE_SMOOTHING = { sigma: 0.25, n0: 50, n: 500 };

/**
 * One input's certificate for the page's card: {method, eps, certified, radius, label, sigma?}.
 * radius is eps* for ibp and crown (the largest L∞ eps proved) and the certified L2 radius for
 * smoothing (0: it abstains).
 */
export function certificate(net, x, method, eps) {
  const settings = method === 'smoothing' ? { ...LIVE_SMOOTHING, eps } : { eps };
  const c = state.lab.certify(net, x, { method, ...settings });
  const out = { method, eps, certified: c.certified, radius: c.radius, label: c.label };
  return method === 'smoothing' ? { ...out, sigma: LIVE_SMOOTHING.sigma } : out;
}

// Images per call into the engine when proving a curve. The worker yields between calls, so its
// heartbeat goes on: a curve of 10,000 images is some 14 s of IBP (two models, seven eps), and
// in one call the page would take the worker for dead.
const STEP_IMAGES = 500;

/**
 * Verified accuracy (IBP) at each eps on images x with their true labels: one value per eps,
 * the share of images whose label is proved, as lab.verifiedAccuracy counts it (each image's
 * bounds are its own, so the steps change no number).
 */
export async function verifiedCurve(net, x, labels, eps) {
  const n = labels.length;
  const curve = [];
  for (const e of eps) {
    let verified = 0;
    for (let i = 0; i < n; i += STEP_IMAGES) {
      const certs = state.lab.certifyBatch(net, x.subarray(i * 784, (i + STEP_IMAGES) * 784),
        { method: 'ibp', eps: e, radius: false, labels: labels.subarray(i, i + STEP_IMAGES) });
      verified += certs.filter((c) => c.certified).length;
      await nextTurn();
    }
    curve.push(verified / n);
  }
  return curve;
}
