// Robustness evaluations as lists of tasks, so that one list can run in the lab's worker or be
// split by images across a pool of workers (pool.js) with the same counts.
//
// A task is {model, craftedOn, attack, eps}: the accuracy of `model` on the images that `attack`
// (with its defaults, at `eps`) made against `craftedOn`, or on the clean images when attack is
// null or eps 0. Accuracy against FGSM at each eps is one task per eps and model; the tutorial's
// rows are the experiment's plan (lab.tutorialMeasurements), whose transfer row is
// {model: 'defended', craftedOn: 'standard', attack: 'fgsm'}. A task {model, certify: 'ibp', eps}
// counts instead the images whose true label the certifier proves at eps (verified accuracy).
//
// FGSM is made per image, with the crafting model's own predictions as labels (ART's default),
// so the counts of correct predictions do not depend on how the images are split; each image's
// certificate is its own, so neither do the counts of proved images.

// Images per call into the engine; the caller may yield between steps.
const STEP_IMAGES = 250;

/**
 * Counts the correct predictions for each task on images x.
 * @param {import('../advlab.js').Lab} lab
 * @param {Object<string, import('../advlab.js').Net>} nets by model name
 * @param {Float32Array} x n*784 images in [0,1]
 * @param {Int32Array} labels n true classes
 * @param {{model: string, craftedOn?: string|null, attack?: string|null, eps: number,
 *   certify?: 'ibp'|'crown'}[]} tasks craftedOn defaults to model
 * @param {{afterStep?: () => Promise<void>, onTask?: (i: number, seconds: number) => void}} [hooks]
 *   afterStep runs after every step of STEP_IMAGES images (the lab's worker yields there);
 *   onTask after each task
 * @returns {Promise<number[]>} correct predictions (or proved images) per task
 */
export async function runTasks(lab, nets, x, labels, tasks, hooks = {}) {
  const { afterStep = async () => {}, onTask = () => {} } = hooks;
  const crafted = new Map(); // `${attack} ${craftedOn} ${eps}` -> images, shared by tasks
  const counts = [];
  for (const [i, { model, craftedOn, attack, eps, certify }] of tasks.entries()) {
    const start = performance.now();
    if (certify) {
      counts.push(await proved(lab, nets[model], x, labels, { method: certify, eps }, afterStep));
    } else {
      const clean = !attack || eps === 0;
      const key = clean ? 'clean' : `${attack} ${craftedOn ?? model} ${eps}`;
      if (!crafted.has(key)) {
        crafted.set(key, clean ? x
          : await attacked(lab, nets[craftedOn ?? model], x, { name: attack, eps }, afterStep));
      }
      counts.push(await correct(lab, nets[model], crafted.get(key), labels, afterStep));
    }
    onTask(i, (performance.now() - start) / 1000);
  }
  return counts;
}

async function attacked(lab, net, x, config, afterStep) {
  const out = new Float32Array(x.length);
  const attack = lab.createAttack(net, config);
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
    count += lab.countCorrect(net, x.subarray(i * 784, (i + STEP_IMAGES) * 784),
      labels.subarray(i, i + STEP_IMAGES));
    await afterStep();
  }
  return count;
}

// The images whose true label the certifier proves at eps, the count lab.verifiedAccuracy takes.
async function proved(lab, net, x, labels, { method, eps }, afterStep) {
  let count = 0;
  for (let i = 0; i < labels.length; i += STEP_IMAGES) {
    const certificates = lab.certifyBatch(net, x.subarray(i * 784, (i + STEP_IMAGES) * 784),
      { method, eps, radius: false, labels: labels.subarray(i, i + STEP_IMAGES) });
    count += certificates.filter((c) => c.certified).length;
    await afterStep();
  }
  return count;
}
