// What the lab page measures through advlab.js, from the experiment's plan and the metrics' C:
// lab.curveEps, lab.tutorialMeasurements, lab.countCorrect and lab.perturbationNorms, each
// against what the rest of the engine says; and the page's evaluation tasks (web/engine/
// evaluate.js) run on that plan, as the worker and its pool run them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { runTasks } from '../../web/engine/evaluate.js';
import { argmaxRows, assertAdvlabError, images, loadMnist, repoRoot } from './helpers.mjs';

const N = 300;

let lab;
let testSet;
let net;
before(async () => {
  lab = await createLab();
  testSet = loadMnist(lab, 'test');
  net = lab.netFromWeights(readFileSync(join(repoRoot, 'data/weights/standard.safetensors')),
    'standard', 64);
});
after(() => {
  net.free();
  testSet.free();
});

test('curveEps is the experiment\'s curve, written as in its source', () => {
  assert.deepEqual(lab.curveEps, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
});

test('tutorialMeasurements are the experiment\'s five rows at the config\'s eps', () => {
  assert.deepEqual(lab.tutorialMeasurements(), [
    { name: 'clean_standard', model: 'standard', craftedOn: null, attack: null, eps: 0 },
    { name: 'fgsm_standard', model: 'standard', craftedOn: 'standard', attack: 'fgsm', eps: 0.2 },
    { name: 'transfer_defended', model: 'defended', craftedOn: 'standard', attack: 'fgsm',
      eps: 0.2 },
    { name: 'clean_defended', model: 'defended', craftedOn: null, attack: null, eps: 0 },
    { name: 'fgsm_defended', model: 'defended', craftedOn: 'defended', attack: 'fgsm', eps: 0.2 },
  ]);
  const at = lab.tutorialMeasurements({ eps: 0.3 });
  assert.deepEqual(at.map((m) => m.eps), [0, 0.3, 0.3, 0, 0.3]);
  assert.throws(() => lab.tutorialMeasurements({ epz: 0.3 }), /experiment: unknown key "epz"; valid keys: seed/);
});

test('countCorrect agrees with evaluate and attackMetrics, in one call or in parts', () => {
  const { x, labels } = images(testSet, 0, N);
  const correct = lab.countCorrect(net, x, labels);
  assert.equal(correct, Math.round(net.evaluate(testSet, N).accuracy * N));
  assert.equal(correct, Math.round(lab.attackMetrics(net, x, x, labels).advAccuracy * N));
  assert.ok(correct > 0.9 * N, `${correct} of ${N} right`);
  const half = 123; // not a multiple of the net's batch
  assert.equal(lab.countCorrect(net, x.subarray(0, half * 784), labels.subarray(0, half)) +
    lab.countCorrect(net, x.subarray(half * 784), labels.subarray(half)), correct);
  const own = new Int32Array(64); // the net's own answers are all right
  net.input.set(x.subarray(0, 64 * 784));
  net.predict(64);
  for (let i = 0; i < 64; i++) own[i] = argmaxRows(net.probs.subarray(i * 10), 1, 10)[0];
  assert.equal(lab.countCorrect(net, x.subarray(0, 64 * 784), own), 64);
  assert.throws(() => lab.countCorrect(net, x, labels.subarray(1)), /299 labels for 300 images/);
  assertAdvlabError(() => lab.countCorrect(net, x, labels.map((k, i) => (i === 5 ? 10 : k))),
    'ADVLAB_E_ARG', /count correct: label of image 5 is 10, outside 0\.\.9/);
});

test('perturbationNorms of one image are what attackMetrics averages', () => {
  const { x, labels } = images(testSet, 7, 1);
  const a = lab.createAttack(net, { name: 'pgd', eps: 0.2, eps_step: 0.05, max_iter: 5 });
  const xAdv = a.run(x, { labels });
  a.free();
  const norms = lab.perturbationNorms(x, xAdv);
  const m = lab.attackMetrics(net, x, xAdv, labels);
  assert.deepEqual(norms, { l0: m.meanL0, l2: m.meanL2, linf: m.meanLinf });
  assert.ok(norms.l0 > 0 && norms.linf <= 0.2 + 1e-6, JSON.stringify(norms));
  assert.deepEqual(lab.perturbationNorms(x, x), { l0: 0, l2: 0, linf: 0 });
  assert.throws(() => lab.perturbationNorms(x, xAdv.subarray(1)), /xAdv has 783 values, x 784/);
});

test('the tutorial\'s rows as evaluation tasks: split by images, the counts add up', async () => {
  const defended = lab.netFromWeights(readFileSync(join(repoRoot, 'data/weights/fgsm.safetensors')),
    'fgsm', 64);
  try {
    const nets = { standard: net, defended };
    const plan = lab.tutorialMeasurements();
    const { x, labels } = images(testSet, 0, N);
    const whole = await runTasks(lab, nets, x, labels, plan);
    const cut = 171; // the pool's slices are uneven too
    const first = await runTasks(lab, nets, x.subarray(0, cut * 784), labels.subarray(0, cut),
      plan);
    const rest = await runTasks(lab, nets, x.subarray(cut * 784), labels.subarray(cut), plan);
    assert.deepEqual(first.map((c, i) => c + rest[i]), whole);
    const value = Object.fromEntries(plan.map((m, i) => [m.name, whole[i] / N]));
    assert.equal(whole[0], lab.countCorrect(net, x, labels), 'clean_standard');
    assert.ok(value.fgsm_standard < value.clean_standard, JSON.stringify(value));
    assert.ok(value.transfer_defended > value.fgsm_standard, JSON.stringify(value));
    // The standard model's row under FGSM is FGSM at the plan's eps against it, counted.
    const fgsm = lab.createAttack(net, { name: 'fgsm', eps: plan[1].eps });
    const xAdv = fgsm.run(x);
    fgsm.free();
    assert.equal(whole[1], lab.countCorrect(net, xAdv, labels), 'fgsm_standard');
  } finally {
    defended.free();
  }
});
