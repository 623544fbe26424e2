// Live analysis: one input, clean and attacked, through the models on show (the lab page's two
// slots, or the widgets' models), optionally behind a pre-processor and watched by the detector.
import { firstImages, mnist } from './data.js';
import { certificate } from './certificates.js';
import { stripVerdict, withTrigger } from './poisoning.js';
import { state } from './state.js';

const DETECTOR_IMAGES = 1000;
const BOUNDED = ['fgsm', 'bim', 'pgd', 'apgd', 'apgd-t', 'fab'];
// The attacks that only query the model; live, each gets LIVE_QUERIES answers for one image.
const BLACK_BOX = ['square', 'hopskipjump', 'boundary'];
const LIVE_QUERIES = 1000;

let preprocessors = null; // made on first use, kept
let detector = null; // {net, d}: the squeeze detector on the defended slot's net

/** The pre-processor named `name` ('squeeze', 'median', 'jpeg'), or null for 'none'. */
export function preprocessor(name) {
  if (name === 'none') return null;
  preprocessors ??= {
    squeeze: state.lab.createPreprocessor({ name: 'squeeze' }),
    median: state.lab.createPreprocessor({ name: 'median' }),
    jpeg: state.lab.createPreprocessor({ name: 'jpeg' }),
  };
  if (!Object.hasOwn(preprocessors, name)) throw new Error(`unknown defence "${name}"`);
  return preprocessors[name];
}

// The feature-squeezing detector on the defended model, at 5% false positives. A new model in
// the slot gets a new one: freeing the old net freed its detector too (advlab.js frees a borrower
// with what it borrows).
async function squeezeDetector() {
  const { net } = state.slots.defended;
  if (detector?.net !== net) {
    const test = await mnist('t10k');
    const d = state.lab.squeezeDetector(net);
    d.calibrate(firstImages(test, DETECTOR_IMAGES).x, 0.05);
    detector = { net, d };
  }
  return detector.d;
}

// The attack's settings for one live image: iterative attacks take 20 steps of eps/8.
function attackSettings({ name, eps }, target) {
  const targeted = target >= 0 ? { targeted: true } : {};
  switch (name) {
    case 'fgsm': return { name, eps, ...targeted };
    case 'bim': return { name, eps, eps_step: eps / 8, max_iter: 20, ...targeted };
    case 'pgd':
      return { name, eps, eps_step: eps / 8, max_iter: 20, num_random_init: 1, ...targeted };
    case 'cw': return { name, ...targeted };
    // L-BFGS with its defaults (10 values of c, 100 iterations each); JSMA without a target aims
    // at one drawn from the seed, as ART's does.
    case 'lbfgs':
    case 'jsma': return { name, ...targeted };
    // AutoAttack's white-box members with their defaults (100 iterations; APGD-T and FAB-T try
    // the 9 runner-up classes as targets themselves); APGD's first step is 2 eps, the paper's.
    case 'apgd': return { name, eps, eps_step: 2 * eps, ...targeted };
    case 'apgd-t': return { name, eps, eps_step: 2 * eps };
    case 'fab': return { name, eps };
    // Square's budget is its iterations (one restart); it has no target in ART.
    case 'square': return { name, eps, max_iter: LIVE_QUERIES };
    case 'hopskipjump':
    case 'boundary': return { name, max_queries: LIVE_QUERIES, ...targeted };
    default: return { name };
  }
}

/**
 * The adversarial version of x against net, behind pre as `gradient` says: {xAdv, queries}, where
 * queries is {used, budget} for a black-box attack (the model's answers it asked for) and null
 * for the others.
 */
export function attackWithCost(net, x, attack, target, pre, gradient) {
  const boxed = BLACK_BOX.includes(attack.name);
  if ((BOUNDED.includes(attack.name) || attack.name === 'square') && attack.eps === 0) {
    return { xAdv: x.slice(), queries: boxed ? { used: 0, budget: LIVE_QUERIES } : null };
  }
  const a = state.lab.createAttack(net, attackSettings(attack, target));
  try {
    if (pre && gradient !== 'unaware') a.setDefence(pre, { gradient });
    const opts = target >= 0 ? { targets: [target] } : {};
    if (!boxed) return { xAdv: a.run(x, opts), queries: null };
    const { xAdv, queries } = a.runQueries(x, opts);
    return { xAdv, queries: { used: queries[0], budget: LIVE_QUERIES } };
  } finally {
    a.free();
  }
}

/** The adversarial version of x against net, behind pre as `gradient` says. */
export function attackImage(net, x, attack, target, pre, gradient) {
  return attackWithCost(net, x, attack, target, pre, gradient).xAdv;
}

// The gap between what is proved and what is broken: the smallest eps (to EPS_MAX / 2^7) at
// which `attack`, made on the bare net, succeeds on x (changes the answer, or reaches the
// target), or null when it does not at EPS_MAX. The minimal attacks find their own eps: the L∞
// of the image they made, when it succeeded.
const EPS_MAX = 0.5;
const BISECTIONS = 7;
function breakingEps(net, x, attack, target, sideResult) {
  const clean = argmax(sideResult.clean);
  const succeeds = (probs) => (target >= 0 ? argmax(probs) === target : argmax(probs) !== clean);
  if (!BOUNDED.includes(attack.name)) {
    return succeeds(sideResult.adv) ? sideResult.norms.linf : null;
  }
  const at = (eps) => succeeds(probsOf(net, attackImage(net, x, { ...attack, eps }, target, null,
    'unaware')));
  if (!at(EPS_MAX)) return null;
  let [lo, hi] = [0, EPS_MAX];
  for (let i = 0; i < BISECTIONS; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function argmax(p) {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

// Predicted probabilities of one image (784 floats) as a copy.
function probsOf(net, x) {
  net.input.set(x);
  net.predict(1);
  return net.probs.slice(0, net.classes);
}

/** What one model makes of x and xAdv, each seen through pre: {clean, adv, xAdv, seen, norms}. */
export function side(net, x, xAdv, pre) {
  const seen = pre ? pre.apply(x) : x;
  const seenAdv = pre ? pre.apply(xAdv) : xAdv;
  return { clean: probsOf(net, seen), adv: probsOf(net, seenAdv), xAdv, seen,
    norms: state.lab.perturbationNorms(x, xAdv) };
}

/** The 28x28 input: given, or a drawing's ink put through MNIST's normalisation. */
export function inputOf({ x, alpha, width, height }) {
  return x ?? state.lab.preprocessDrawing(alpha, width, height);
}

/**
 * The op: both slots' models on one input, clean and attacked: {x, standard, defended}; a side
 * attacked by a black-box attack has `queries` ({used, budget}). With
 * `trigger` (the Poison panel's settings) the input carries that backdoor trigger; with `strip`,
 * `strip` is STRIP's verdict on it for the standard model. With `proof` ('ibp', 'crown' or
 * 'smoothing'), each side has the input's certificate at the attack's eps and, for the L∞ proofs,
 * `breaks`: the smallest eps at which the attack succeeded on the bare model.
 */
export async function analyze(args) {
  const { attack, target, mode, pre: preName, gradient, detect, trigger, strip,
    proof = 'none' } = args;
  const x = trigger ? withTrigger(inputOf(args), trigger) : inputOf(args);
  const pre = preprocessor(preName);
  const std = state.slots.standard.net;
  const def = state.slots.defended.net;
  const stdAttack = attackWithCost(std, x, attack, target, null, gradient);
  const defAttack = mode === 'transfer' ? { xAdv: stdAttack.xAdv.slice(), queries: null }
    : attackWithCost(def, x, attack, target, pre, gradient);
  const defAdv = defAttack.xAdv;
  const standard = { ...side(std, x, stdAttack.xAdv, null), queries: stdAttack.queries };
  const defended = { ...side(def, x, defAdv, pre), queries: defAttack.queries };
  if (proof !== 'none') {
    for (const [net, s] of [[std, standard], [def, defended]]) {
      s.proof = certificate(net, x, proof, attack.eps);
      if (proof !== 'smoothing') s.breaks = breakingEps(net, x, attack, target, side(net, x, s.xAdv, null));
    }
  }
  if (detect) {
    const both = new Float32Array(2 * 784);
    both.set(x);
    both.set(defAdv, 784);
    const [clean, adv] = (await squeezeDetector()).detect(both);
    defended.flagged = { clean: clean === 1, adv: adv === 1 };
  }
  const buffers = [x, standard.xAdv, defended.xAdv, defended.seen].map((a) => a.buffer);
  const stripped = strip ? await stripVerdict(x) : null;
  return { result: { x, standard, defended, strip: stripped }, transfer: [...new Set(buffers)] };
}
