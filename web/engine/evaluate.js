// Robustness evaluations as lists of tasks, so that one list can run in the lab's worker or be
// split by images across a pool of workers (web/pool.js) with the same counts.
//
// A task is {model, craftedOn, eps}: the accuracy of `model` on FGSM images made at `eps` against
// `craftedOn` (eps 0: the clean images). Accuracy against FGSM at each eps is one task per eps
// and model; the tutorial's transfer row is {model: 'defended', craftedOn: 'standard'}.
//
// FGSM is made per image, with the crafting model's own predictions as labels (ART's default),
// so the counts of correct predictions do not depend on how the images are split.

// Images per call into the engine; the caller may yield between steps.
const STEP_IMAGES = 250;

/**
 * Counts the correct predictions for each task on images x.
 * @param {import('../advlab.js').Lab} lab
 * @param {Object<string, import('../advlab.js').Net>} nets by model name
 * @param {Float32Array} x n*784 images in [0,1]
 * @param {Int32Array} labels n true classes
 * @param {{model: string, craftedOn?: string, eps: number}[]} tasks
 * @param {{afterStep?: () => Promise<void>, onTask?: (i: number, seconds: number) => void}} [hooks]
 *   afterStep runs after every step of STEP_IMAGES images (the lab's worker yields there);
 *   onTask after each task
 * @returns {Promise<number[]>} correct predictions per task
 */
export async function countCorrect(lab, nets, x, labels, tasks, hooks = {}) {
  const { afterStep = async () => {}, onTask = () => {} } = hooks;
  const crafted = new Map(); // `${craftedOn} ${eps}` -> adversarial images, shared by tasks
  const counts = [];
  for (const [i, { model, craftedOn = model, eps }] of tasks.entries()) {
    const start = performance.now();
    const key = `${craftedOn} ${eps}`;
    if (!crafted.has(key)) {
      crafted.set(key, eps === 0 ? x : await fgsm(lab, nets[craftedOn], x, eps, afterStep));
    }
    counts.push(await correct(lab, nets[model], crafted.get(key), labels, afterStep));
    onTask(i, (performance.now() - start) / 1000);
  }
  return counts;
}

async function fgsm(lab, net, x, eps, afterStep) {
  const out = new Float32Array(x.length);
  const attack = lab.createAttack(net, { name: 'fgsm', eps });
  try {
    for (let i = 0; i < x.length; i += STEP_IMAGES * 784) {
      out.set(attack.run(x.subarray(i, i + STEP_IMAGES * 784)), i);
      await afterStep();
    }
  } finally {
    attack.free();
  }
  return out;
}

async function correct(lab, net, x, labels, afterStep) {
  let count = 0;
  for (let i = 0; i < labels.length; i += STEP_IMAGES) {
    const images = x.subarray(i * 784, (i + STEP_IMAGES) * 784);
    const part = labels.subarray(i, i + STEP_IMAGES);
    count += Math.round(lab.attackMetrics(net, images, images, part).advAccuracy * part.length);
    await afterStep();
  }
  return count;
}
