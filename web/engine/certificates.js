// Certificates (issue 17): a proof that no perturbation of the input within eps moves the
// answer, by IBP or CROWN (an L∞ ball) or randomized smoothing (an L2 radius), from advlab.js's
// lab.certify, which asks the C core's certifier.
import { state } from './state.js';

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
