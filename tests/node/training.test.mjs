// A short run of the tutorial's training on real MNIST, in wasm.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { bitDiff, fillBatch, loadMnist } from './helpers.mjs';

const CONFIG = { epochs: 1, batch: 64, lr: 0.01, seed: 7, limit: 2048 };

let lab;
let trainSet;
let testSet;
before(async () => {
  lab = await createLab();
  trainSet = loadMnist(lab, 'train');
  testSet = loadMnist(lab, 'test');
});
after(() => {
  trainSet.free();
  testSet.free();
});

test('one epoch on 2048 images lifts test accuracy far above chance', async () => {
  const net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 7 });
  try {
    const before = net.evaluate(testSet).accuracy;
    // The loss of a fixed held-out batch.
    fillBatch(net, testSet, 0, 64);
    const lossBefore = net.lossGrad(64);

    const epochs = [];
    const chunks = [];
    const last = await net.train(trainSet, CONFIG, {
      chunk: 10,
      onProgress: (p) => chunks.push(p),
      onEpoch: (p) => epochs.push(p),
    });
    assert.equal(epochs.length, 1);
    assert.deepEqual(chunks.map((p) => p.batchInEpoch), [10, 20, 30, 32]);
    assert.equal(last, epochs[0]);
    assert.equal(last.epoch, 1);
    assert.equal(last.epochs, 1);
    assert.equal(last.epochDone, true);
    assert.equal(last.batchesPerEpoch, 32);
    assert.equal(last.batchInEpoch, 32);
    assert.ok(Number.isFinite(last.loss) && last.loss < 2.3, `training loss ${last.loss}`);
    assert.ok(last.accuracy > 0.3, `training accuracy ${last.accuracy}`);
    assert.ok(last.imagesPerSec > 0);

    fillBatch(net, testSet, 0, 64);
    const lossAfter = net.lossGrad(64);
    const { accuracy, confusion } = net.evaluate(testSet);
    assert.ok(lossAfter < 0.6 * lossBefore, `held-out loss ${lossBefore} -> ${lossAfter}`);
    assert.ok(before < 0.25, `untrained accuracy ${before}`);
    assert.ok(accuracy > 0.7, `test accuracy after one short epoch: ${accuracy}`);
    assert.equal(confusion.reduce((a, b) => a + b, 0), 10000);
  } finally {
    net.free();
  }
});

test('training is deterministic and chunking does not change the result', async () => {
  const a = lab.createNet({ seed: 7 });
  const b = lab.createNet({ seed: 7 });
  try {
    await a.train(trainSet, CONFIG, { chunk: 50 });
    const t = b.trainer(trainSet, CONFIG);
    let runs = 0;
    while (!t.finished) {
      t.run(3);
      runs++;
    }
    t.free();
    assert.equal(runs, 11);
    const d = bitDiff(a.params(), b.params());
    assert.equal(d.count, 0, `${d.count} parameters differ, first at ${d.first}`);
  } finally {
    a.free();
    b.free();
  }
});

test('a trainer reports progress across epochs and stops at each epoch end', () => {
  const net = lab.createNet({ seed: 3 });
  const t = net.trainer(trainSet,
    { epochs: 2, batch: 32, limit: 320, optimizer: 'sgd', lr: 0.05, momentum: 0.9 });
  try {
    let p = t.run(4);
    assert.deepEqual([p.epoch, p.batchInEpoch, p.batchesPerEpoch, p.epochDone], [1, 4, 10, false]);
    p = t.run(100);
    assert.deepEqual([p.epoch, p.batchInEpoch, p.epochDone], [1, 10, true]);
    assert.equal(t.finished, false);
    p = t.run(100);
    assert.deepEqual([p.epoch, p.epochs, p.batchInEpoch, p.epochDone], [2, 2, 10, true]);
    assert.equal(t.finished, true);
    assert.ok(Number.isFinite(p.loss));
  } finally {
    t.free();
    net.free();
  }
});

test('training can be cancelled with an AbortSignal', async () => {
  const net = lab.createNet({ seed: 4 });
  try {
    const controller = new AbortController();
    let chunks = 0;
    await assert.rejects(net.train(trainSet, { epochs: 1, limit: 1024 }, {
      chunk: 2,
      signal: controller.signal,
      onProgress: () => {
        if (++chunks === 2) controller.abort(new Error('stop'));
      },
    }), /stop/);
    assert.equal(chunks, 2);
  } finally {
    net.free();
  }
});
