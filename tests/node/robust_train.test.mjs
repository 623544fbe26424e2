// The robust trainers through advlab.js (issue 20): native and wasm train bit-identical weights
// with fast AT, TRADES and PGD with an eps ramp; a wasm run paused into a checkpoint and resumed
// on a fresh net ends where the straight run does; bad settings throw the C message; the robust
// preset trains the CLI's bits.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { bitDiff, loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const TRAIN = { epochs: 2, batch: 32, seed: 5, limit: 256, lr: 0.005 };

// Small budgets; fast AT's check on the dataset's last 64 images, outside the 256 trained on.
const RUNS = [
  { trainer: 'fbf', eps: 0.1, check: 64, checkIter: 3 },
  { trainer: 'trades', eps: 0.1, epsStep: 0.04, maxIter: 3, beta: 2 },
  { trainer: 'pgd-ramp', eps: 0.1, epsStep: 0.04, maxIter: 3, ramp: 1 },
];

const flag = (key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function runNative(args) {
  assert.ok(existsSync(native), `native CLI not found at ${native}: build it or set ADVLAB_NATIVE`);
  return execFileSync(native, [...args, '--data', mnistDir],
    { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('native and wasm robust training give bit-identical weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'advlab-robust-'));
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  try {
    for (const robust of RUNS) {
      const out = join(dir, `${robust.trainer}.safetensors`);
      const flags = Object.entries({ ...TRAIN, ...robust })
        .flatMap(([k, v]) => [flag(k), String(v)]);
      runNative(['train', ...flags, '--out', out]);
      const wasmNet = lab.createNet({ arch: 'tutorial', maxBatch: 32, seed: 5 });
      const nativeNet = lab.netFromWeights(readFileSync(out), 'native.safetensors', 32);
      try {
        await wasmNet.trainRobust(train, TRAIN, robust);
        const diff = bitDiff(wasmNet.params(), nativeNet.params());
        assert.equal(diff.count, 0,
          `${robust.trainer}: ${diff.count} parameters differ, the first at ${diff.first}`);
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

test('a robust run resumed from its checkpoint ends as the straight run', async () => {
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  try {
    for (const robust of RUNS) {
      const straight = lab.createNet({ arch: 'tutorial', maxBatch: 32, seed: 5 });
      await straight.trainRobust(train, TRAIN, robust);
      const first = lab.createNet({ arch: 'tutorial', maxBatch: 32, seed: 5 });
      const t = first.robustTrainer(train, TRAIN, robust);
      t.run(11); // past epoch 1's eight batches, so fast AT's check and best weights are kept
      const state = t.saveState();
      const weights = first.saveWeights();
      t.free();
      const resumed = lab.createNet({ arch: 'tutorial', maxBatch: 32, seed: 6 });
      resumed.loadWeights(weights, 'checkpoint');
      const t2 = resumed.robustTrainer(train, TRAIN, robust);
      t2.restoreState(state);
      while (!t2.finished) t2.run(50);
      t2.free();
      const diff = bitDiff(resumed.params(), straight.params());
      assert.equal(diff.count, 0, `${robust.trainer}: resumed differs in ${diff.count} parameters`);
      [straight, first, resumed].forEach((n) => n.free());
    }
  } finally {
    train.free();
  }
});

test('bad robust settings throw the C message', async () => {
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  const net = lab.createNet({ arch: 'tutorial', maxBatch: 32, seed: 5 });
  try {
    assert.throws(() => net.robustTrainer(train, TRAIN, { trainer: 'free' }),
      { message: /"free" is unknown; known: fbf, trades, pgd-ramp/ });
    assert.throws(() => net.robustTrainer(train, TRAIN, { trainer: 'trades', beta: -1 }),
      { message: /beta -1 is out of range/ });
    assert.throws(() => net.robustTrainer(train, TRAIN, { trainer: 'pgd-ramp', ramp: 3 }),
      { message: /ramp 3 epochs is longer than the run's 2 epochs/ });
    assert.throws(() => net.robustTrainer(train, TRAIN, { trainer: 'fbf', eps: NaN }),
      { message: /eps/ });
  } finally {
    net.free();
    train.free();
  }
});

test('the robust preset trains in wasm the bits `advlab train --preset robust` trains', async () => {
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  const dir = mkdtempSync(join(tmpdir(), 'advlab-preset-'));
  const preset = lab.trainPreset('robust');
  assert.equal(preset.trainer, 'pgd-ramp');
  assert.equal(preset.train.shards, 8);
  assert.throws(() => lab.trainPreset('madry'), { message: /preset "madry" is unknown; known: robust/ });
  // Short: 256 images, one epoch, the ramp over that epoch (flags override the preset's).
  const short = { limit: 256, epochs: 1 };
  const net = lab.createNet({ arch: preset.arch, maxBatch: preset.train.batch,
    seed: preset.train.seed });
  try {
    const out = join(dir, 'preset.safetensors');
    runNative(['train', '--preset', 'robust', '--limit', '256', '--epochs', '1', '--ramp', '1',
      '--out', out]);
    await net.trainRobust(train, { ...preset.train, ...short },
      { trainer: preset.trainer, ...preset.robust, ramp: 1 });
    const nativeNet = lab.netFromWeights(readFileSync(out), 'preset.safetensors', 64);
    const diff = bitDiff(net.params(), nativeNet.params());
    assert.equal(nativeNet.arch, preset.arch);
    nativeNet.free();
    assert.equal(diff.count, 0, `${diff.count} parameters differ, the first at ${diff.first}`);
  } finally {
    net.free();
    train.free();
    rmSync(dir, { recursive: true, force: true });
  }
});
