// The black-box attacks (square, hopskipjump, boundary) through advlab.js:
// the range and ball, queries per image within the budget and equal in sum
// to the net's own count of images forward, no gradient calls (FGSM makes
// some), seeded results, and the C validation reaching JS unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import {
  argmaxRows, assertAdvlabError, images, loadMnist, trainSmallNet,
} from './helpers.mjs';

const SIZE = 784;
const N = 24;

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

/** Runs a fresh attack from config with queries; returns {xAdv, queries, counts}. */
function runQueries(config, x, opts) {
  const a = lab.createAttack(net, config);
  try {
    return { ...a.runQueries(x, opts), counts: a.counts() };
  } finally {
    a.free();
  }
}

/** The net's classes for n <= maxBatch images. */
function predict(x) {
  const n = x.length / SIZE;
  net.input.set(x);
  net.predict(n);
  return argmaxRows(net.probs, n, net.classes);
}

describe('black-box attacks', () => {
  const CASES = [
    [{ name: 'square', eps: 0.3, max_iter: 200 }, 200],
    [{ name: 'square', norm: 2, eps: 3, max_iter: 200, nb_restarts: 2 }, 400],
    [{ name: 'hopskipjump', max_queries: 300 }, 300],
    [{ name: 'boundary', max_queries: 300 }, 300],
  ];
  for (const [config, budget] of CASES) {
    test(`${config.name} ${JSON.stringify(config)}: range, budget, no gradients`, () => {
      const { x } = images(testSet, 0, N);
      const clean = predict(x);
      const { xAdv, queries, counts } = runQueries(config, x);
      const after = predict(xAdv);
      let fooled = 0;
      for (let b = 0; b < N; b++) {
        let norm = 0;
        for (let i = b * SIZE; i < (b + 1) * SIZE; i++) {
          assert.ok(xAdv[i] >= 0 && xAdv[i] <= 1, `pixel ${i} is ${xAdv[i]}`);
          const d = Math.abs(xAdv[i] - x[i]);
          norm = config.norm === 2 ? norm + d * d : Math.max(norm, d);
        }
        if (config.name === 'square') {
          const radius = config.norm === 2 ? Math.sqrt(norm) : norm;
          assert.ok(radius <= config.eps * (1 + 1e-5), `image ${b} is ${radius} from x`);
        }
        assert.ok(queries[b] >= 1 && queries[b] <= budget, `image ${b}: ${queries[b]} queries`);
        fooled += after[b] !== clean[b];
      }
      const total = queries.reduce((s, q) => s + q, 0);
      assert.equal(counts.forwardImages, total, 'the net counted other queries than the attack');
      assert.equal(counts.backwardImages, 0, 'a black-box attack took a gradient');
      assert.ok(fooled >= N / 2, `only ${fooled} of ${N} fooled`);
    });
  }

  test('the same seed gives the same bits; FGSM takes gradients', () => {
    const { x } = images(testSet, 0, N);
    const a = runQueries({ name: 'hopskipjump', max_queries: 200, seed: 4 }, x);
    const b = runQueries({ name: 'hopskipjump', max_queries: 200, seed: 4 }, x);
    assert.deepEqual(a.xAdv, b.xAdv);
    assert.deepEqual(a.queries, b.queries);
    const fgsm = lab.createAttack(net, { name: 'fgsm', eps: 0.1 });
    try {
      fgsm.run(x);
      assert.deepEqual(fgsm.counts(), { forwardImages: N, backwardImages: N });
      assertAdvlabError(() => fgsm.runQueries(x), 'ADVLAB_E_ARG',
        /attack fgsm: counts no queries per image/);
    } finally {
      fgsm.free();
    }
  });

  test('bad parameters get clear errors', () => {
    const BAD = [
      [{ name: 'hopskipjump', max_queries: 0 }, /attack hopskipjump: max_queries 0 must be >= 1/],
      [{ name: 'square', eps: -0.1 }, /attack square: eps -0.1 must be finite and >= 0/],
      [{ name: 'square', eps: NaN }, /attack square: eps nan/i],
      [{ name: 'square', targeted: true }, /attack square: key "targeted" does not apply/],
      [{ name: 'boundary', step_adapt: 1 }, /attack boundary: step_adapt 1 is out of range/],
      [{ name: 'square', max_queries: 10 }, /max_queries/],
    ];
    for (const [config, re] of BAD) {
      assertAdvlabError(() => lab.createAttack(net, config), 'ADVLAB_E_ARG', re);
    }
    const { x } = images(testSet, 0, 2);
    const targeted = lab.createAttack(net, { name: 'boundary', targeted: true, max_queries: 10 });
    try {
      assertAdvlabError(() => targeted.runQueries(x, { targets: [3, 12] }), 'ADVLAB_E_ARG',
        /label of image 1 is 12, outside 0..9/);
    } finally {
      targeted.free();
    }
  });
});
