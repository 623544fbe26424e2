// The universal perturbation (issue 13) from Node: lab.universal gives the perturbation and the
// fooling rates `advlab universal --json` prints, bit for bit, for inf and 2; bad settings get
// clear errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { images, loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const model = join(repoRoot, 'data/weights/standard.safetensors');
const FIT = 30;
const HELD = 60;

function nativeRun(settings) {
  const flags = Object.entries(settings).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const out = execFileSync(native, [
    'universal', '--model', model, '--data', mnistDir, '--fit', String(FIT),
    '--limit', String(HELD), '--json', ...flags,
  ], { cwd: repoRoot, encoding: 'utf8' });
  return JSON.parse(out);
}

test('lab.universal equals advlab universal --json bit for bit (inf and 2)', async () => {
  assert.ok(existsSync(native), `native CLI not found at ${native}`);
  const lab = await createLab();
  const trainSet = loadMnist(lab, 'train');
  const testSet = loadMnist(lab, 'test');
  const net = lab.netFromWeights(readFileSync(model), 'standard.safetensors', 64);
  try {
    const { x } = images(trainSet, 0, FIT);
    const { x: heldOut } = images(testSet, 0, HELD);
    for (const [norm, eps] of [['inf', 0.3], [2, 3]]) {
      const settings = { eps, norm, maxIter: 2, attackerMaxIter: 20, seed: 5 };
      const r = lab.universal(net, x, { heldOut, ...settings });
      const want = nativeRun({ eps, norm, 'max-iter': 2, 'attacker-max-iter': 20, seed: 5 });
      // %.9g round-trips a float exactly, once rounded back to float.
      assert.deepEqual(r.perturbation, Float32Array.from(want.perturbation),
        `norm ${norm}: v differs`);
      const fit = { n: r.n, fooled: r.fooled, foolingRate: r.foolingRate, passes: r.passes,
        norm: r.norm };
      assert.deepEqual(fit, { n: want.fit.n, fooled: want.fit.fooled,
        foolingRate: want.fit.fooling_rate, passes: want.fit.passes, norm: want.fit.norm });
      assert.deepEqual([r.heldOutN, r.heldOutFooled, r.heldOutFoolingRate],
        [want.held_out.n, want.held_out.fooled, want.held_out.fooling_rate]);
      // Guard against comparing two zero perturbations.
      assert.ok(r.norm > 0 && r.heldOutFooled > 0, `norm ${norm}: v fooled nothing`);
    }
  } finally {
    net.free();
    trainSet.free();
    testSet.free();
  }
});

test('lab.universal rejects bad settings with clear messages', async () => {
  const lab = await createLab();
  const net = lab.netFromWeights(readFileSync(model), 'standard.safetensors', 16);
  try {
    const x = new Float32Array(2 * 784).fill(0.5);
    assert.throws(() => lab.universal(net, x, { eps: 0 }), /universal: eps 0 must be finite and > 0/);
    assert.throws(() => lab.universal(net, x, { eps: NaN }), /universal: eps/);
    assert.throws(() => lab.universal(net, x, { delta: 1 }), /delta 1 is out of range \[0, 1\)/);
    assert.throws(() => lab.universal(net, x, { maxIter: 0 }), /max_iter 0 must be >= 1/);
    assert.throws(() => lab.universal(net, x, { norm: 1 }), /norm 1 is not inf or 2/);
    assert.throws(() => lab.universal(net, new Float32Array(0)), /universal: 0 images/);
    assert.throws(() => lab.universal(net, x, { labels: [1, 10] }), /label of image 1 is 10/);
    const nan = x.slice();
    nan[800] = NaN;
    assert.throws(() => lab.universal(net, nan), /universal: input.*image 1/);
    assert.throws(() => lab.universal(net, x, { heldout: x }), /unknown option 'heldout'/);
  } finally {
    net.free();
  }
});
