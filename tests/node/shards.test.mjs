// Data-parallel training through advlab.js (issue 20): replicas in separate engine instances,
// each making its share of a batch's 8 shards (Trainer#shardGradient) and all stepping with every
// part (Trainer#step), train the bits of one trainer alone, for 1, 2 and 3 replicas, for clean
// training and fast AT, whether each steps with every part or keeps its own in its engine and is
// given the others'; and the native CLI's `--shards 8 --threads 2` trains the same. Parts that
// miss a shard, repeat one, have the wrong size or hold NaN throw and change nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { bitDiff, loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const SHARDS = 8;
const TRAIN = { epochs: 2, batch: 32, seed: 5, limit: 200, lr: 0.005, shards: SHARDS };
const FBF = { trainer: 'fbf', eps: 0.1, check: 64, checkIter: 3 };

// A replica: its own engine instance, training set, net and trainer.
async function replica(robust) {
  const lab = await createLab();
  const train = loadMnist(lab, 'train');
  const net = lab.createNet({ arch: 'tutorial', maxBatch: TRAIN.batch, seed: 5 });
  const trainer = robust ? net.robustTrainer(train, TRAIN, robust) : net.trainer(train, TRAIN);
  return { net, trainer, free: () => { trainer.free(); net.free(); train.free(); } };
}

// Trains to the end over n replicas, replica i making shards [i*8/n, (i+1)*8/n); returns
// replica 0's weights, after checking that every replica holds the same. With `keep`, each
// replica keeps its own parts in its engine and steps with the others' only, as the page's pool
// does (engine/train_pool.js).
async function trainShared(n, robust, { keep = false } = {}) {
  const replicas = await Promise.all(Array.from({ length: n }, () => replica(robust)));
  try {
    while (!replicas[0].trainer.finished) {
      const made = replicas.map(({ trainer }, i) => {
        const first = Math.floor((i * SHARDS) / n);
        return trainer.shardGradient(first, Math.floor(((i + 1) * SHARDS) / n) - first, { keep });
      });
      for (const [i, { trainer }] of replicas.entries()) {
        trainer.step(made.flatMap((parts, j) => (keep && j === i ? [] : parts)));
      }
    }
    for (const [i, { net }] of replicas.entries()) {
      assert.equal(bitDiff(net.params(), replicas[0].net.params()).count, 0, `replica ${i}`);
    }
    return replicas[0].net.params().slice();
  } finally {
    for (const r of replicas) r.free();
  }
}

async function trainAlone(robust) {
  const r = await replica(robust);
  try {
    while (!r.trainer.finished) r.trainer.run(3);
    return r.net.params().slice();
  } finally {
    r.free();
  }
}

test('replicas in separate engines train the bits of one trainer, and of native --threads 2',
  async () => {
    assert.ok(existsSync(native), `native CLI not found at ${native}: build it or set ADVLAB_NATIVE`);
    const dir = mkdtempSync(join(tmpdir(), 'advlab-shards-'));
    try {
      for (const robust of [null, FBF]) {
        const what = robust ? 'fast AT' : 'clean';
        const alone = await trainAlone(robust);
        for (const n of [1, 2, 3]) {
          for (const keep of [false, true]) {
            const diff = bitDiff(await trainShared(n, robust, { keep }), alone);
            assert.equal(diff.count, 0, `${what}, ${n} replicas${keep ? ', own parts kept' : ''}: ` +
              `${diff.count} parameters differ`);
          }
        }
        const out = join(dir, 'native.safetensors');
        const flags = Object.entries({ ...TRAIN, ...(robust ?? {}) })
          .flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, `${v}`]);
        execFileSync(native, ['train', ...flags, '--threads', '2', '--data', mnistDir,
          '--out', out], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
        const lab = await createLab();
        const nativeNet = lab.netFromWeights(readFileSync(out), 'native.safetensors', TRAIN.batch);
        const diff = bitDiff(nativeNet.params(), alone);
        nativeNet.free();
        assert.equal(diff.count, 0, `${what}: native --threads 2 differs in ${diff.count} parameters`);
      }
      // The shards change the sums' order, so the bits: a check that the comparisons can fail.
      const unsharded = await (async () => {
        const lab = await createLab();
        const train = loadMnist(lab, 'train');
        const net = lab.createNet({ arch: 'tutorial', maxBatch: TRAIN.batch, seed: 5 });
        await net.train(train, { ...TRAIN, shards: 1 });
        const params = net.params().slice();
        net.free();
        train.free();
        return params;
      })();
      assert.ok(bitDiff(unsharded, await trainAlone(null)).count > 0, '8 shards trained as 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

test('parts that do not tile the batch, or are malformed, throw and change nothing', async () => {
  const r = await replica(null);
  try {
    const before = r.net.params().slice();
    const halves = [r.trainer.shardGradient(0, 4), r.trainer.shardGradient(4, 4)];
    assert.deepEqual(halves.flat().map((p) => [p.level, p.index]), [[2, 0], [2, 1]]);
    assert.equal(halves.flat().reduce((sum, p) => sum + p.rows, 0), TRAIN.batch);
    // Copies go into spares of the parameter count, taken from the end; other buffers are passed
    // over, and a new one made.
    const spare = new Float32Array(halves[1][0].grad.length);
    const short = new Float32Array(3);
    const spares = [short, spare];
    const [again] = r.trainer.shardGradient(4, 4, { spares });
    assert.equal(again.grad, spare, 'the spare was not reused');
    assert.deepEqual(spares, [short]);
    assert.equal(bitDiff(again.grad, halves[1][0].grad).count, 0, 'a copy in a spare differs');
    const [fresh] = r.trainer.shardGradient(4, 4, { spares });
    assert.ok(fresh.grad !== short && fresh.grad.length === spare.length && spares.length === 0,
      'a spare of the wrong size was used');
    assert.throws(() => r.trainer.step(halves[0]), { message: /the parts miss shards of the 8/ });
    assert.throws(() => r.trainer.step([...halves[0], ...halves[0]]),
      { message: /part 1 covers a shard twice/ });
    assert.throws(() => r.trainer.step([halves[0][0], { ...halves[1][0], level: 9 }]),
      { message: /part 1 \(level 9, index 1\) is not a node of the tree of 8 shards/ });
    const shortPart = { ...halves[1][0], grad: new Float32Array(3) };
    assert.throws(() => r.trainer.step([halves[0][0], shortPart]),
      { message: /part 1's gradient is not a Float32Array of the net's \d+ parameters/ });
    const nan = halves[1][0].grad.slice();
    nan[5] = NaN;
    assert.throws(() => r.trainer.step([halves[0][0], { ...halves[1][0], grad: nan }]),
      { message: /step: part 1: gradient entry 5 is NaN/ });
    assert.throws(() => r.trainer.step([]), { message: /expected an array of gradient parts/ });
    assert.throws(() => r.trainer.shardGradient(6, 4),
      { message: /shards 6\.\.9 are not within this trainer's 0\.\.7/ });
    assert.equal(bitDiff(r.net.params(), before).count, 0, 'a refused step changed the weights');
    // Parts kept in the engine are summed with those given, and outlive a refused step.
    const kept = r.trainer.shardGradient(0, 4, { keep: true });
    assert.throws(() => r.trainer.step(kept), { message: /part 1 covers a shard twice/ });
    assert.throws(() => r.trainer.step([{ ...halves[1][0], grad: nan }]),
      { message: /step: part 0: gradient entry 5 is NaN/ });
    assert.equal(bitDiff(r.net.params(), before).count, 0, 'a refused step changed the weights');
    const p = r.trainer.step(halves[1]);
    assert.equal(p.batchInEpoch, 1);
    assert.ok(bitDiff(r.net.params(), before).count > 0, 'the step left the weights as they were');
    // A step takes the kept parts once: the next batch's step needs its own again.
    r.trainer.shardGradient(0, 4, { keep: true });
    r.trainer.step(r.trainer.shardGradient(4, 4));
    assert.throws(() => r.trainer.step(r.trainer.shardGradient(4, 4)),
      { message: /the parts miss shards of the 8/ });
  } finally {
    r.free();
  }
});
