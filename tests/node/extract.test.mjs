// Extraction and inference through advlab.js (issue 16): native and wasm give bit-identical
// reports for a theft (copycat behind a post-processor, knockoff adaptive, noise), membership
// inference (rule, blackbox, label-only) and MIFace; hand-made scores give hand-computed
// metrics; bad input throws the C message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const standard = join(repoRoot, 'data/weights/standard.safetensors');

function runNative(args) {
  assert.ok(existsSync(native), `native CLI not found at ${native}: build it or set ADVLAB_NATIVE`);
  return JSON.parse(execFileSync(native, [...args, '--data', mnistDir, '--json'],
    { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

const THEFTS = [
  { flags: ['--queries', '300', '--epochs', '2', '--postprocess', 'reverse_sigmoid'],
    thief: 'mnist', opts: { queries: 300, epochs: 2, postprocess: 'reverse_sigmoid' } },
  { flags: ['--method', 'knockoff', '--sampling', 'adaptive', '--reward', 'all', '--queries', '100',
    '--epochs', '1', '--postprocess', 'class_labels'],
  thief: 'mnist', opts: { method: 'knockoff', sampling: 'adaptive', reward: 'all', queries: 100,
    epochs: 1, postprocess: 'class_labels' } },
  { flags: ['--queries', '200', '--epochs', '2', '--use-probability', '1', '--postprocess',
    'reverse_sigmoid'], thief: 'mnist',
  opts: { queries: 200, epochs: 2, use_probability: 1, postprocess: 'reverse_sigmoid' } },
  { flags: ['--queries', '128', '--epochs', '1', '--seed', '4'], thief: 'noise',
    opts: { queries: 128, epochs: 1, seed: 4 } },
];

test('native and wasm thefts are bit-identical', async () => {
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  const testSet = loadMnist(lab, 't10k');
  const victim = lab.netFromWeights(readFileSync(standard), 'standard.safetensors', 256);
  const dir = mkdtempSync(join(tmpdir(), 'advlab-extract-'));
  try {
    for (const { flags, thief, opts } of THEFTS) {
      const out = join(dir, 'thief.safetensors');
      const cli = runNative(['extract', '--victim', standard, '--thief', thief, '--limit', '200',
        '--out', out, ...flags]);
      let queries = 0;
      const { report, thief: net } = await lab.extract(victim, thief === 'noise' ? null : train,
        { test: testSet, limit: 200, onProgress: (p) => { queries = p.queries; }, ...opts });
      try {
        assert.equal(queries, opts.queries, 'the progress counts the queries');
        assert.deepEqual(report, {
          queries: cli.queries, victimAccuracy: cli.victim_accuracy,
          thiefAccuracy: cli.thief_accuracy, fidelity: cli.fidelity,
          transferRate: cli.transfer_rate, whiteboxRate: cli.whitebox_rate,
        }, `${flags.join(' ')}: wasm and native reports differ`);
        const a = new Uint8Array(net.params.buffer, net.params.byteOffset, net.params.byteLength);
        const nativeNet = lab.netFromWeights(readFileSync(out), 'thief.safetensors', 64);
        try {
          const b = nativeNet.params;
          assert.deepEqual(a, new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
            'the thieves differ');
        } finally {
          nativeNet.free();
        }
      } finally {
        net.free();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    victim.free();
    train.free();
    testSet.free();
  }
});

test('native and wasm membership inference and inversion are bit-identical', async () => {
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  const testSet = loadMnist(lab, 't10k');
  const net = lab.netFromWeights(readFileSync(standard), 'standard.safetensors', 256);
  try {
    for (const [method, extra, settings] of [
      ['rule', [], {}],
      ['blackbox', ['--epochs', '5'], { epochs: 5 }],
      ['label-only', ['--starts', '4'], { starts: 4 }],
    ]) {
      const cli = runNative(['infer', '--model', standard, '--method', method, '--members', '40',
        ...extra]);
      const { report, scores } = await lab.inferMembership(net, train, testSet,
        { method, members: 40, ...settings });
      assert.deepEqual(report, {
        members: cli.members, nonmembers: cli.nonmembers, threshold: cli.threshold,
        tpr: cli.tpr, fpr: cli.fpr, advantage: cli.advantage, auc: cli.auc,
        balancedAccuracy: cli.balanced_accuracy,
      }, `${method}: wasm and native reports differ`);
      assert.equal(scores.length, 40);
    }
    const cli = runNative(['invert', '--model', standard, '--out',
      join(tmpdir(), `advlab-invert-${process.pid}.png`), '--max-iter', '30', '--threshold',
      '0.05']);
    rmSync(join(tmpdir(), `advlab-invert-${process.pid}.png`), { force: true });
    const pixels = train.pixels, size = 784, n = train.count;
    const sums = new Float64Array(size);
    for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) sums[j] += pixels[i * size + j];
    const start = Float32Array.from(sums, (s) => s / (255 * n));
    const { scores, steps } = await lab.invert(net, { start, max_iter: 30, threshold: 0.05 });
    assert.equal(steps, cli.steps);
    assert.deepEqual(Array.from(scores, (p) => Number(p.toPrecision(9))), cli.scores);
  } finally {
    net.free();
    train.free();
    testSet.free();
  }
});

test('membership metrics of hand-made scores, and bad input', async () => {
  const lab = await createLab();
  const r = lab.membershipMetrics([0.9, 0.8, 0.3, 0.6, 0.2, 0.7, 0.3, 0.1],
    [1, 1, 1, 1, 0, 0, 0, 0], 0.5);
  assert.equal(r.advantage, 0.5);
  assert.equal(r.auc, 13.5 / 16);
  assert.equal(r.balancedAccuracy, 0.75);
  // The ROC curve by hand (tests/test_infer.c has the same): the tie at 0.3 is one step.
  const roc = lab.membershipRoc([0.9, 0.8, 0.3, 0.6, 0.2, 0.7, 0.3, 0.1],
    [1, 1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(roc.fpr), [0, 0, 0, 0.25, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(Array.from(roc.tpr), [0, 0.25, 0.5, 0.5, 0.75, 1, 1, 1]);
  assert.throws(() => lab.membershipRoc([0.5, NaN], [1, 0]), /score 1 is nan/i);
  assert.throws(() => lab.membershipRoc([0.5, 0.2], [1]), /1 truths for 2 scores/);
  const testSet = loadMnist(lab, 't10k');
  // The mean image, against the sum over the rows in double.
  const mean = testSet.mean();
  const px = testSet.pixels;
  for (const j of [0, 300, 406, 783]) {
    let sum = 0;
    for (let i = 0; i < testSet.count; i++) sum += px[i * 784 + j];
    assert.equal(mean[j], Math.fround(sum / (255 * testSet.count)), `pixel ${j}`);
  }
  const net = lab.netFromWeights(readFileSync(standard), 'standard.safetensors', 64);
  try {
    await assert.rejects(lab.extract(net, testSet, { test: testSet, queries: 0 }),
      /queries 0 is out of range/);
    await assert.rejects(lab.extract(net, testSet, { test: testSet, queries: 20000 }),
      /more than the thief set's 10000 images/);
    await assert.rejects(lab.extract(net, testSet, { test: testSet, method: 'steal' }),
      /"steal" is unknown; known: copycat, knockoff/);
    await assert.rejects(lab.extract(net, null, { test: testSet, lr: NaN }), /lr/);
    await assert.rejects(lab.inferMembership(net, testSet, testSet, { method: 'shadow' }),
      /"shadow" is unknown/);
    await assert.rejects(lab.invert(net, { start: [0.5] }), /start has 1 values/);
  } finally {
    net.free();
    testSet.free();
  }
});
