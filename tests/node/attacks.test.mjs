// The attacks through advlab.js: their defining properties on a small trained
// net, and the C validation reaching JS unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import {
  argmaxRows, assertAdvlabError, bitDiff, images, loadMnist, trainSmallNet,
} from './helpers.mjs';

const SIZE = 784;

let lab;
let trainSet;
let testSet;
let net;
before(async () => {
  lab = await createLab();
  trainSet = loadMnist(lab, 'train');
  testSet = loadMnist(lab, 'test');
  net = await trainSmallNet(lab, trainSet);
});
after(() => {
  net.free();
  trainSet.free();
  testSet.free();
});

/** Runs an attack made from config once and frees it. */
function attack(config, x, opts) {
  const a = lab.createAttack(net, config);
  try {
    return a.run(x, opts);
  } finally {
    a.free();
  }
}

/** The largest per-image distance between x and xAdv in the L1, L2 or inf norm. */
function maxDistance(x, xAdv, norm) {
  let worst = 0;
  for (let b = 0; b < x.length / SIZE; b++) {
    let acc = 0;
    for (let i = b * SIZE; i < (b + 1) * SIZE; i++) {
      const d = Math.abs(xAdv[i] - x[i]);
      if (norm === 1) acc += d;
      else if (norm === 2) acc += d * d;
      else acc = Math.max(acc, d);
    }
    worst = Math.max(worst, norm === 2 ? Math.sqrt(acc) : acc);
  }
  return worst;
}

function assertInUnitBox(xAdv, what) {
  for (let i = 0; i < xAdv.length; i++) {
    assert.ok(xAdv[i] >= 0 && xAdv[i] <= 1, `${what}: pixel ${i} is ${xAdv[i]}`);
  }
}

describe('FGSM', () => {
  test('eps 0 is the identity', () => {
    const { x, labels } = images(testSet, 0, 32);
    const xAdv = attack({ name: 'fgsm', eps: 0 }, x, { labels });
    assert.equal(bitDiff(x, xAdv).count, 0);
  });

  test('inf norm is clip(x + eps*sign(g)), g the loss gradient at the predicted labels', () => {
    const n = 64;
    const eps = Math.fround(0.1);
    const { x } = images(testSet, 100, n);
    net.input.set(x);
    net.predict(n);
    net.labels.set(argmaxRows(net.probs, n, net.classes));
    net.inputGradient(n);
    const g = net.grad.slice(0, n * SIZE);
    const expected = new Float32Array(n * SIZE);
    for (let i = 0; i < expected.length; i++) {
      const step = Math.fround(eps * Math.sign(g[i]));
      expected[i] = Math.min(1, Math.max(0, Math.fround(x[i] + step)));
    }
    const xAdv = attack({ name: 'fgsm', eps: 0.1, norm: Infinity }, x);
    const d = bitDiff(xAdv, expected);
    assert.equal(d.count, 0, `${d.count} pixels differ, first at ${d.first}: ` +
      `${xAdv[d.first]} vs ${expected[d.first]}`);
    assert.ok(g.some((v) => v !== 0), 'the gradient is not all zero');
  });

  test('results do not depend on how a request is split', () => {
    const { x, labels } = images(testSet, 0, 100);
    const a = lab.createAttack(net, { name: 'fgsm', eps: 0.2 });
    try {
      const whole = a.run(x, { labels });
      const first = a.run(x.subarray(0, 30 * SIZE), { labels: labels.subarray(0, 30) });
      const rest = a.run(x.subarray(30 * SIZE), { labels: labels.subarray(30) });
      const joined = new Float32Array(whole.length);
      joined.set(first);
      joined.set(rest, first.length);
      assert.equal(bitDiff(whole, joined).count, 0);
    } finally {
      a.free();
    }
  });

  test('drops accuracy and stays in its ball; metrics agree', () => {
    const { x, labels } = images(testSet, 0, 128);
    const xAdv = attack({ name: 'fgsm', eps: 0.2 }, x, { labels });
    const m = lab.attackMetrics(net, x, xAdv, labels);
    assert.equal(m.n, 128);
    assert.ok(m.cleanAccuracy > 0.7, `clean ${m.cleanAccuracy}`);
    assert.ok(m.advAccuracy < m.cleanAccuracy / 2, `${m.cleanAccuracy} -> ${m.advAccuracy}`);
    assert.ok(Math.abs(m.meanLinf - 0.2) < 1e-6, `mean Linf ${m.meanLinf}`);
    assert.ok(m.meanL0 > 0 && m.meanL0 <= SIZE);
    assert.equal(m.confusion.length, 100);
    assert.equal(m.confusion.reduce((a, b) => a + b, 0), 128);
    let diagonal = 0;
    for (let c = 0; c < 10; c++) diagonal += m.confusion[c * 11];
    assert.equal(diagonal, Math.round(m.advAccuracy * 128));
  });
});

describe('every attack', () => {
  const BALLS = [
    [{ name: 'fgsm', eps: 0.2, norm: Infinity }, Infinity, 0.2],
    [{ name: 'fgsm', eps: 2, norm: 2 }, 2, 2],
    [{ name: 'fgsm', eps: 5, norm: 1 }, 1, 5],
    [{ name: 'fgsm', eps: 0.2, numRandomInit: 2 }, Infinity, 0.2],
    [{ name: 'bim', eps: 0.2, eps_step: 0.05, max_iter: 5 }, Infinity, 0.2],
    [{ name: 'pgd', eps: 0.2, epsStep: 0.05, maxIter: 5 }, Infinity, 0.2],
    [{ name: 'pgd', eps: 1.5, eps_step: 0.5, max_iter: 5, norm: 2 }, 2, 1.5],
  ];
  for (const [config, norm, eps] of BALLS) {
    const title = Object.entries(config).map(([k, v]) => `${k}=${v}`).join(' ');
    test(`${title} stays in [0,1] and in its eps-ball`, () => {
      const { x, labels } = images(testSet, 0, 32);
      const xAdv = attack(config, x, { labels });
      assert.equal(xAdv.length, x.length);
      assertInUnitBox(xAdv, config.name);
      const d = maxDistance(x, xAdv, norm);
      assert.ok(d <= eps * (1 + 1e-5), `largest L${norm} distance ${d} > eps ${eps}`);
      assert.ok(d > eps / 2, `largest L${norm} distance ${d}: the attack barely moved`);
    });
  }

  for (const name of ['deepfool', 'newtonfool', 'cw', 'lbfgs', 'jsma']) {
    test(`${name} runs, stays in [0,1] and fools the net`, () => {
      const { x, labels } = images(testSet, 0, 16);
      const xAdv = attack({ name }, x, { labels });
      assertInUnitBox(xAdv, name);
      const m = lab.attackMetrics(net, x, xAdv, labels);
      assert.ok(m.advAccuracy < m.cleanAccuracy, `${name}: ${m.cleanAccuracy} -> ${m.advAccuracy}`);
      assert.ok(m.meanL2 > 0, `${name} left the images unchanged`);
    });
  }

  test('targeted PGD reaches its targets', () => {
    const { x, labels } = images(testSet, 0, 64);
    const targets = labels.map((y) => (y + 1) % 10);
    const xAdv = attack({ name: 'pgd', eps: 0.3, eps_step: 0.01, max_iter: 40, targeted: true },
      x, { targets });
    const m = lab.attackMetrics(net, x, xAdv, labels, { targets });
    assert.ok(m.successRate > 0.9, `targeted success ${m.successRate}`);
    assert.ok(maxDistance(x, xAdv, Infinity) <= 0.3 * (1 + 1e-5));
  });

  test('random starts follow the seed, and the stream continues across runs', () => {
    const { x, labels } = images(testSet, 0, 8);
    const config = { name: 'pgd', eps: 0.2, eps_step: 0.05, max_iter: 3, num_random_init: 1 };
    const a = lab.createAttack(net, { ...config, seed: 3 });
    const b = lab.createAttack(net, { ...config, seed: 3n });
    const c = lab.createAttack(net, { ...config, seed: 4 });
    try {
      const first = a.run(x, { labels });
      assert.equal(bitDiff(first, b.run(x, { labels })).count, 0);
      assert.ok(bitDiff(first, c.run(x, { labels })).count > 0, 'another seed, other starts');
      assert.ok(bitDiff(first, a.run(x, { labels })).count > 0, 'a second run, new starts');
    } finally {
      a.free();
      b.free();
      c.free();
    }
  });
});

describe('bad parameters', () => {
  const { x, labels } = { x: new Float32Array(2 * SIZE).fill(0.5), labels: [1, 2] };

  test('throw the C message with ADVLAB_E_ARG', () => {
    const bad = [
      [{ name: 'fgsm', eps: -0.1 }, /attack fgsm: eps -0\.1 must be finite and >= 0/],
      [{ name: 'pgd', eps: 0.1, eps_step: 0.5 },
        /attack pgd: eps_step 0\.5 is larger than eps 0\.1/],
      [{ name: 'bim', max_iter: 0 }, /attack bim: max_iter 0 must be >= 1/],
      [{ name: 'fsgm' }, /attack "fsgm" is unknown; known: fgsm, bim, pgd/],
      [{ name: 'pgd', epz: 0.1 }, /attack pgd: unknown key "epz"; valid keys: norm, eps/],
      [{ name: 'deepfool', eps: 0.1 }, /attack deepfool: key "eps" does not apply/],
      [{ name: 'pgd', norm: 1 }, /attack pgd: norm 1 is not inf or 2/],
      [{ name: 'fgsm', norm: 3 }, /norm 3/],
      [{ name: 'cw', max_iter: 1.5 }, /max_iter 1\.5 is not an integer/],
      [{ name: 'lbfgs', c_init: 0 }, /attack lbfgs: c_init 0 must be finite and > 0/],
      [{ name: 'lbfgs', binarySearchSteps: 0 }, /attack lbfgs: binary_search_steps 0 must be >= 1/],
      [{ name: 'jsma', theta: 1.5 }, /attack jsma: theta 1\.5 is out of range \(0, 1\]/],
      [{ name: 'jsma', gamma: 0 }, /attack jsma: gamma 0 is out of range \(0, 1\]/],
      [{ name: 'jsma', eps: 0.1 }, /attack jsma: key "eps" does not apply/],
    ];
    for (const [config, re] of bad) {
      assertAdvlabError(() => lab.createAttack(net, config), 'ADVLAB_E_ARG', re);
    }
    const targeted = lab.createAttack(net, { name: 'pgd', targeted: true });
    try {
      assertAdvlabError(() => targeted.run(x), 'ADVLAB_E_ARG', /targeted needs target labels/);
    } finally {
      targeted.free();
    }
    assertAdvlabError(() => attack({ name: 'fgsm' }, x, { labels: [0, 10] }), 'ADVLAB_E_ARG',
      /attack fgsm: label of image 1 is 10, outside 0\.\.9/);
    assertAdvlabError(() => attack({ name: 'fgsm' }, new Float32Array(0)), 'ADVLAB_E_ARG',
      /0 images/);
  });

  test('NaN input throws ADVLAB_E_NUMERIC', () => {
    const poisoned = x.slice();
    poisoned[SIZE + 5] = NaN;
    assertAdvlabError(() => attack({ name: 'fgsm' }, poisoned, { labels }), 'ADVLAB_E_NUMERIC',
      /attack fgsm: input image 1, pixel 5 is NaN/);
  });

  test('JS-side misuse is named', () => {
    assert.throws(() => lab.createAttack(net, { name: 'fgsm', eps: '0.3' }),
      /attack fgsm: eps must be a number/);
    assert.throws(() => attack({ name: 'fgsm' }, x, { targets: labels }), /untargeted/);
    assert.throws(() => attack({ name: 'fgsm' }, x, { labels: [1] }), /1 labels for 2 images/);
    assert.throws(() => attack({ name: 'fgsm' }, x.subarray(1)), /not a whole number of images/);
    assert.throws(() => attack({ name: 'fgsm' }, x, { label: labels }), /unknown option 'label'/);
  });

  test('an attack is freed with its net', () => {
    const other = lab.createNet({ seed: 1 });
    const a = lab.createAttack(other, { name: 'fgsm' });
    other.free();
    assert.equal(a.freed, true);
    assert.throws(() => a.run(x), /Attack has been freed/);
  });
});

test('empirical robustness is a small positive relative perturbation', () => {
  const { x } = images(testSet, 0, 32);
  const rho = lab.empiricalRobustness(net, x, { eps: 1, eps_step: 0.01 });
  assert.ok(rho > 0.01 && rho < 1, `empirical robustness ${rho}`);
  assertAdvlabError(() => lab.empiricalRobustness(net, x, { eps: 0.1, eps_step: 0.2 }),
    'ADVLAB_E_ARG', /eps_step 0\.2 is larger than eps 0\.1/);
});
