// Certification through advlab.js (issue 17): native and wasm give bit-identical certificates
// (ibp, crown, smoothing; the scalar module too) and bit-identical certified training (ibp,
// crown-ibp, noise); lab.certify's one image agrees with the batch and its bounds hold the
// net's own logits; bad input throws the C message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { bitDiff, images, loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const pgdModel = join(repoRoot, 'data/weights/pgd.safetensors');
const N = 12;

function runNative(args) {
  assert.ok(existsSync(native), `native CLI not found at ${native}: build it or set ADVLAB_NATIVE`);
  return execFileSync(native, [...args, '--data', mnistDir],
    { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const METHODS = [
  { method: 'ibp', flags: [], settings: {} },
  { method: 'crown', flags: [], settings: {} },
  { method: 'smoothing', flags: ['--n0', '20', '--n', '200', '--seed', '9'],
    settings: { n0: 20, n: 200, seed: 9 } },
];

test('native and wasm certificates are bit-identical', async () => {
  const lab = await createLab();
  const testSet = loadMnist(lab, 't10k');
  const net = lab.netFromWeights(readFileSync(pgdModel), 'pgd.safetensors', 64);
  try {
    const { x, labels } = images(testSet, 0, N);
    for (const { method, flags, settings } of METHODS) {
      const report = JSON.parse(runNative(['certify', '--model', pgdModel, '--method', method,
        '--limit', String(N), '--json', ...flags]));
      const batch = lab.certifyBatch(net, x, { method, labels, ...settings });
      const wasm = batch.map((c) => [c.predicted, c.label, c.certified ? 1 : 0, c.radius, c.bound]);
      assert.deepEqual(wasm, report.certificates, `${method}: wasm and native certificates differ`);
      const summary = lab.verifiedAccuracy(net, testSet, { method, limit: N, ...settings });
      assert.equal(summary.n, N);
      assert.equal(summary.verifiedAccuracy.toFixed(6), report.verified_accuracy.toFixed(6));
      assert.equal(summary.cleanAccuracy.toFixed(6), report.clean_accuracy.toFixed(6));
      assert.deepEqual(Array.from(summary.radii), report.certificates.map((c) => c[3]));
    }
  } finally {
    net.free();
    testSet.free();
  }
});

test('the scalar module certifies as the SIMD one does', async () => {
  const simd = await createLab({ variant: 'simd' });
  const scalar = await createLab({ variant: 'scalar' });
  const bytes = readFileSync(pgdModel);
  const nets = [simd, scalar].map((lab) => lab.netFromWeights(bytes, 'pgd.safetensors', 64));
  const testSet = loadMnist(simd, 't10k');
  try {
    const { x } = images(testSet, 0, 4);
    for (const method of ['ibp', 'crown']) {
      const [a, b] = [simd, scalar].map((lab, i) => lab.certifyBatch(nets[i], x, { method }));
      assert.deepEqual(a, b, `${method}: the scalar module differs`);
    }
  } finally {
    nets.forEach((n) => n.free());
    testSet.free();
  }
});

test('native and wasm certified training give bit-identical weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'advlab-certify-'));
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  try {
    // crown-ibp on a net with conv stride and padding, which the others do not have
    const runs = [
      ['tutorial', { certify: 'ibp', eps: 0.1, warmup: 0, ramp: 0.5 }],
      ['c6k4s2p1-p2-c8k3p1-d20-d10', { certify: 'crown-ibp', eps: 0.1, warmup: 0, ramp: 0.5 }],
      ['tutorial', { certify: 'noise', sigma: 0.5 }],
    ];
    for (const [arch, certified] of runs) {
      const out = join(dir, `${certified.certify}.safetensors`);
      const flags = Object.entries(certified).flatMap(([k, v]) => [`--${k}`, String(v)]);
      runNative(['train', '--arch', arch, '--epochs', '1', '--batch', '32', '--seed', '5',
        '--limit', '512', ...flags, '--out', out]);
      const wasmNet = lab.createNet({ arch, maxBatch: 32, seed: 5 });
      const nativeNet = lab.netFromWeights(readFileSync(out), 'native.safetensors', 32);
      try {
        await wasmNet.trainCertified(train, { epochs: 1, batch: 32, seed: 5, limit: 512 },
          certified);
        const diff = bitDiff(wasmNet.params(), nativeNet.params());
        assert.equal(diff.count, 0,
          `${certified.certify}: ${diff.count} parameters differ, the first at ${diff.first}`);
        assert.equal(wasmNet.meta('defence'), nativeNet.meta('defence'));
      } finally {
        wasmNet.free();
        nativeNet.free();
      }
    }
  } finally {
    train.free();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lab.certify: one image, its bounds and eps*', async () => {
  const lab = await createLab();
  const testSet = loadMnist(lab, 't10k');
  const net = lab.netFromWeights(readFileSync(pgdModel), 'pgd.safetensors', 64);
  try {
    const { x } = images(testSet, 0, 1);
    const cert = lab.certify(net, x, { eps: 0.1 });
    assert.equal(cert.method, 'ibp');
    assert.ok(Math.abs(cert.eps - 0.1) < 1e-7);
    const [batch] = lab.certifyBatch(net, x, { eps: 0.1 });
    assert.equal(cert.radius, batch.radius);
    assert.equal(cert.certified, batch.certified);
    assert.ok(cert.radius > 0 && cert.radius < 1, `eps* ${cert.radius}`);
    assert.equal(cert.certified, cert.radius >= 0.1);
    net.input.set(x);
    net.predict(1);
    const probs = net.probs.subarray(0, net.classes);
    assert.equal(cert.predicted, probs.indexOf(Math.max(...probs)));
    for (let k = 0; k < net.classes; k++) {
      assert.ok(cert.lower[k] <= cert.upper[k]);
      if (k !== cert.label) assert.ok(cert.margin[k] >= cert.bound - 1e-6);
    }
    assert.equal(cert.margin[cert.label], 0);
    // CROWN is never looser than IBP
    const crown = lab.certify(net, x, { method: 'crown', eps: 0.1, radius: false });
    assert.equal(crown.radius, -1);
    assert.ok(crown.bound >= cert.bound);
    const smooth = lab.certify(net, x, { method: 'smoothing', n: 100, n0: 10, eps: 0 });
    assert.equal(smooth.lower, null);
    assert.ok(smooth.radius >= 0 && smooth.bound >= 0 && smooth.bound <= 1);
  } finally {
    net.free();
    testSet.free();
  }
});

test('certification: bad input throws the C message', async () => {
  const lab = await createLab();
  const net = lab.createNet({ arch: 'tutorial', maxBatch: 8, seed: 1 });
  try {
    const x = new Float32Array(784);
    assert.throws(() => lab.certify(net, x, { method: 'zonotope' }),
      { message: /certify "zonotope" is unknown; known: ibp, crown, smoothing/ });
    assert.throws(() => lab.certify(net, x, { eps: -1 }),
      { message: /certify ibp: eps -1 is out of range/, code: 'ADVLAB_E_ARG' });
    assert.throws(() => lab.certify(net, x, { eps: NaN }), { message: /eps/ });
    assert.throws(() => lab.certify(net, x, { method: 'smoothing', sigma: 0 }),
      { message: /certify smoothing: sigma 0 is out of range/ });
    assert.throws(() => lab.certify(net, x, { method: 'smoothing', n0: 200, n: 100 }),
      { message: /n0 200 is larger than n 100/ });
    assert.throws(() => lab.certify(net, x, { sigma: 0.5 }), { message: /sigma/ });
    assert.throws(() => lab.certify(net, new Float32Array(10)), { message: /one image is 784/ });
    x[3] = NaN;
    assert.throws(() => lab.certify(net, x), { message: /NaN/ });
    assert.throws(() => net.certifiedTrainer(null, {}, { certify: 'zonotope' }), /certify/);
  } finally {
    net.free();
  }
});

test('the shipped IBP model: its provenance and its verified accuracy', async () => {
  const lab = await createLab();
  const file = join(repoRoot, 'data/weights/ibp.safetensors');
  const net = lab.netFromWeights(readFileSync(file), 'ibp.safetensors', 256);
  const testSet = loadMnist(lab, 't10k');
  try {
    assert.equal(net.arch, 'c4k5-p2-c10k5-p2-d100-d10');
    assert.match(net.meta('command'), new RegExp('advlab train --arch tutorial --certify ibp ' +
      '--eps 0\\.11 --kappa 0\\.7 --warmup 1 --ramp 10 --epochs 30 --lr 0\\.001 --seed 1234 '));
    assert.equal(net.meta('defence'), 'ibp eps=0.11 warmup=1 ramp=10 kappa=0.7');
    assert.match(net.meta('training'), /^adam lr=0\.001 .*seed=1234 samples=60000 epochs=30\/30$/);
    // data/weights/README.md's figures, which the native CLI measured
    const v = lab.verifiedAccuracy(net, testSet, { eps: 0.1, radius: false });
    assert.equal(Math.round(v.cleanAccuracy * 10000), 9726);
    assert.equal(Math.round(v.verifiedAccuracy * 10000), 9137);
  } finally {
    net.free();
    testSet.free();
  }
});
