// The JS API over the real wasm module: nets, predictions, gradients, weights, errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { bitDiff, fillBatch, loadMnist, repoRoot } from './helpers.mjs';

const TUTORIAL_TENSORS = [
  ['conv1.weight', [4, 1, 5, 5]], ['conv1.bias', [4]],
  ['conv2.weight', [10, 4, 5, 5]], ['conv2.bias', [10]],
  ['fc1.weight', [100, 160]], ['fc1.bias', [100]],
  ['fc2.weight', [10, 100]], ['fc2.bias', [10]],
];

/** Asserts fn throws an advlab Error with this code whose message matches re. */
function assertAdvlabError(fn, code, re) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.equal(err.code, code, `code of "${err.message}"`);
    assert.match(err.message, re);
    return true;
  });
}

let lab;
let testSet;
before(async () => {
  lab = await createLab();
  testSet = loadMnist(lab, 'test');
});

test('version is the C ADVLAB_VERSION and the package version', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(lab.version, '0.1.0');
  assert.equal(lab.version, pkg.version);
});

test('createLab accepts the wasm bytes', async () => {
  const bytes = readFileSync(new URL('../../web/gen/advlab_core.wasm', import.meta.url));
  const other = await createLab({ wasmBinary: bytes });
  assert.equal(other.version, lab.version);
});

test('train config defaults come from advlab_train_config_default', () => {
  const d = lab.trainDefaults;
  assert.equal(d.optimizer, 'adam');
  assert.equal(d.lr, Math.fround(0.01));
  assert.equal(d.epochs, 20);
  assert.equal(d.batch, 64);
  assert.equal(d.seed, 1);
  assert.equal(d.beta1, Math.fround(0.9));
  assert.equal(d.beta2, Math.fround(0.999));
  assert.equal(d.epsilon, Math.fround(1e-7));
});

describe('a tutorial net', () => {
  test('has the tutorial arch, shapes and PyTorch tensor names', () => {
    const net = lab.createNet({ arch: 'tutorial', maxBatch: 8, seed: 1 });
    try {
      assert.equal(net.arch, 'c4k5-p2-c10k5-p2-d100-d10');
      assert.equal(net.classes, 10);
      assert.equal(net.inputSize, 784);
      assert.equal(net.maxBatch, 8);
      const tensors = net.tensors();
      assert.deepEqual(tensors.map((t) => [t.name, t.shape]), TUTORIAL_TENSORS);
      assert.equal(net.paramCount, 18224);
      // The tensors tile the flat parameter buffer in order.
      const params = net.params();
      let offset = params.byteOffset;
      for (const t of tensors) {
        assert.equal(t.data.byteOffset, offset, t.name);
        assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), t.name);
        offset += t.data.byteLength;
      }
      assert.equal(offset, params.byteOffset + params.byteLength);
      // Glorot weights, zero biases.
      for (const t of tensors) {
        const nonZero = t.data.some((v) => v !== 0);
        assert.equal(nonZero, t.name.endsWith('.weight'), t.name);
      }
    } finally {
      net.free();
    }
  });

  test('initialisation is determined by the seed', () => {
    const a = lab.createNet({ seed: 5 });
    const b = lab.createNet({ seed: 5 });
    const c = lab.createNet({ seed: 6n });
    try {
      assert.equal(bitDiff(a.params(), b.params()).count, 0);
      assert.ok(bitDiff(a.params(), c.params()).count > 0);
      c.init(5);
      assert.equal(bitDiff(a.params(), c.params()).count, 0);
      // Both 32-bit halves of the seed reach C.
      c.init(5n + (1n << 32n));
      assert.ok(bitDiff(a.params(), c.params()).count > 0);
    } finally {
      a.free();
      b.free();
      c.free();
    }
  });

  test('predict gives probabilities that sum to 1', () => {
    const net = lab.createNet({ maxBatch: 16, seed: 2 });
    try {
      fillBatch(net, testSet, 0, 16);
      net.predict(16);
      const probs = net.probs;
      for (let i = 0; i < 16; i++) {
        const row = probs.subarray(i * 10, i * 10 + 10);
        let sum = 0;
        for (const p of row) {
          assert.ok(p >= 0 && p <= 1, `p = ${p}`);
          sum += p;
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
      }
      // A batch of one gives the same answer as its place in a batch.
      const first = probs.slice(0, 10);
      net.predict(1);
      assert.equal(bitDiff(first, net.probs.subarray(0, 10)).count, 0);
    } finally {
      net.free();
    }
  });

  test('the input gradient is per image, non-zero, and raises the loss along its sign', () => {
    const n = 8;
    const net = lab.createNet({ maxBatch: 16, seed: 3 });
    try {
      fillBatch(net, testSet, 0, n);
      const loss = net.inputGradient(n);
      assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
      const grad = net.grad;
      assert.equal(grad.length, 16 * 784);
      for (let i = 0; i < n; i++) {
        const g = grad.subarray(i * 784, (i + 1) * 784);
        assert.ok(g.some((v) => v !== 0), `image ${i} has an all-zero gradient`);
        assert.ok(g.every(Number.isFinite), `image ${i} has a non-finite gradient`);
      }
      // Rows beyond n stay untouched.
      assert.ok(grad.subarray(n * 784).every((v) => v === 0));

      // The same mean loss as lossGrad, which also fills the parameter gradients.
      const lossP = net.lossGrad(n);
      assert.ok(Math.abs(lossP - loss) <= 1e-6 * Math.max(1, loss), `${lossP} vs ${loss}`);
      assert.ok(net.grads().some((v) => v !== 0), 'all-zero parameter gradients');

      // Per image: image 0 alone gives the gradient it had in the batch.
      const g0 = grad.slice(0, 784);
      net.inputGradient(1);
      assert.equal(bitDiff(g0, net.grad.subarray(0, 784)).count, 0);

      // FGSM: a step along sign(grad), clipped to [0,1], raises the loss.
      net.inputGradient(n);
      const x = net.input;
      const g = net.grad;
      for (let i = 0; i < n * 784; i++) {
        x[i] = Math.min(1, Math.max(0, x[i] + 0.1 * Math.sign(g[i])));
      }
      const after = net.inputGradient(n);
      assert.ok(after > loss, `loss after FGSM ${after} <= ${loss}`);
    } finally {
      net.free();
    }
  });

  test('views are re-acquired after wasm memory grows', () => {
    const net = lab.createNet({ maxBatch: 4, seed: 9 });
    try {
      const params = net.params().slice();
      const stale = net.input;
      stale[0] = 0.5;
      // 47 MB of training images cannot fit without growing memory.
      const train = loadMnist(lab, 'train');
      train.free();
      assert.equal(stale.length, 0, 'the old view is detached');
      assert.equal(net.input.length, 4 * 784);
      assert.equal(net.input[0], 0.5);
      assert.equal(bitDiff(params, net.params()).count, 0);
      net.predict(1);
    } finally {
      net.free();
    }
  });

  test('metadata is set, read and missing keys are null', () => {
    const net = lab.createNet();
    try {
      assertAdvlabError(() => net.setMeta('', 'x'), 'ADVLAB_E_ARG', /key/);
      assertAdvlabError(() => net.setMeta('k', 'x'.repeat(5000)), 'ADVLAB_E_ARG', /"k"/);
      assert.equal(net.meta('dataset'), null);
      net.setMeta('dataset', 'mnist');
      net.setMeta('note', 'ünïcødé ✓');
      assert.equal(net.meta('dataset'), 'mnist');
      assert.equal(net.meta('note'), 'ünïcødé ✓');
      net.setMeta('dataset', 'fashion-mnist');
      assert.equal(net.meta('dataset'), 'fashion-mnist');
    } finally {
      net.free();
    }
  });
});

describe('weights', () => {
  test('save and load round-trip bit for bit, with metadata', () => {
    const a = lab.createNet({ seed: 11 });
    const b = lab.createNet({ seed: 12 });
    try {
      a.setMeta('dataset', 'mnist');
      const bytes = a.saveWeights();
      assert.ok(bytes instanceof Uint8Array);
      // safetensors: 8-byte LE header length, JSON header, 4 bytes per parameter.
      const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      assert.equal(bytes.length, 8 + headerLen + 4 * a.paramCount);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
      assert.deepEqual(header['conv1.weight'].shape, [4, 1, 5, 5]);
      assert.equal(header.__metadata__.arch, 'c4k5-p2-c10k5-p2-d100-d10');
      assert.equal(header.__metadata__.dataset, 'mnist');

      assert.ok(bitDiff(a.params(), b.params()).count > 0);
      b.loadWeights(bytes, 'a.safetensors');
      assert.equal(bitDiff(a.params(), b.params()).count, 0);
      assert.equal(b.meta('dataset'), 'mnist');

      const c = lab.netFromWeights(bytes, 'a.safetensors', 4);
      try {
        assert.equal(c.arch, a.arch);
        assert.equal(c.maxBatch, 4);
        assert.equal(bitDiff(a.params(), c.params()).count, 0);
        assert.deepEqual(c.saveWeights(), bytes);
      } finally {
        c.free();
      }
    } finally {
      a.free();
      b.free();
    }
  });

  test('truncated, garbage and mismatched files are rejected and change nothing', () => {
    const a = lab.createNet({ seed: 21 });
    const b = lab.createNet({ seed: 22 });
    const small = lab.createNet({ arch: 'c4k5-p2-d10', seed: 1 });
    try {
      const bytes = a.saveWeights();
      const before = b.params().slice();
      const unchanged = () => assert.equal(bitDiff(before, b.params()).count, 0, 'params changed');

      assertAdvlabError(() => b.loadWeights(bytes.subarray(0, bytes.length - 1), 'cut.safetensors'),
        'ADVLAB_E_FORMAT', /cut\.safetensors/);
      unchanged();
      assertAdvlabError(() => b.loadWeights(bytes.subarray(0, 5), 'tiny.safetensors'),
        'ADVLAB_E_FORMAT', /tiny\.safetensors.*too short/);
      unchanged();
      const garbage = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
      assertAdvlabError(() => b.loadWeights(garbage, 'garbage.safetensors'),
        'ADVLAB_E_FORMAT', /garbage\.safetensors/);
      unchanged();
      // A valid header length pointing at JSON that is not JSON.
      const notJson = new Uint8Array(8 + 16);
      notJson[0] = 16;
      notJson.set(new TextEncoder().encode('{"a": [1, 2, }  '), 8);
      assertAdvlabError(() => b.loadWeights(notJson, 'bad-json.safetensors'),
        'ADVLAB_E_FORMAT', /bad-json\.safetensors.*JSON/);
      unchanged();
      // A sound file of another arch.
      assertAdvlabError(() => b.loadWeights(small.saveWeights(), 'small.safetensors'),
        'ADVLAB_E_FORMAT', /small\.safetensors.*arch/);
      unchanged();

      assertAdvlabError(() => lab.netFromWeights(garbage, 'garbage.safetensors'),
        'ADVLAB_E_FORMAT', /garbage\.safetensors/);
      assertAdvlabError(() => lab.netFromWeights(new Uint8Array(0), 'empty.safetensors'),
        'ADVLAB_E_FORMAT', /empty\.safetensors/);
    } finally {
      a.free();
      b.free();
      small.free();
    }
  });
});

describe('errors carry the C message', () => {
  test('a bad arch string', () => {
    assertAdvlabError(() => lab.createNet({ arch: 'c4k5-q7-d10' }), 'ADVLAB_E_ARG', /q7/);
    assertAdvlabError(() => lab.createNet({ arch: 'not-an-arch' }), 'ADVLAB_E_ARG', /not-an-arch/);
    assertAdvlabError(() => lab.createNet({ arch: '' }), 'ADVLAB_E_ARG', /./);
  });

  test('a bad maxBatch', () => {
    assertAdvlabError(() => lab.createNet({ maxBatch: 0 }), 'ADVLAB_E_ARG', /batch/);
    assert.throws(() => lab.createNet({ maxBatch: 1.5 }), /maxBatch/);
  });

  test('a net too large for 32-bit wasm memory is refused, not wrapped around', () => {
    assertAdvlabError(() => lab.createNet({ arch: 'madry', maxBatch: 65536 }), 'ADVLAB_E_NOMEM',
      /madry|c32k5.*batch 65536 needs \d+ MB, more than this build can address/);
    const net = lab.createNet({ arch: 'tutorial', maxBatch: 2 });
    net.free();
  });

  test('n out of range', () => {
    const net = lab.createNet({ maxBatch: 4 });
    try {
      assertAdvlabError(() => net.predict(0), 'ADVLAB_E_ARG', /predict.*expected 1\.\.4/);
      assertAdvlabError(() => net.predict(5), 'ADVLAB_E_ARG', /predict.*n = 5/);
      assertAdvlabError(() => net.inputGradient(-1), 'ADVLAB_E_ARG', /input_grad/);
      assertAdvlabError(() => net.lossGrad(5), 'ADVLAB_E_ARG', /loss_grad/);
      assert.throws(() => net.predict(2.5), /predict: expected an integer/);
    } finally {
      net.free();
    }
  });

  test('labels out of range', () => {
    const net = lab.createNet({ maxBatch: 4 });
    try {
      net.labels.set([0, 1, 10, 3]);
      assertAdvlabError(() => net.lossGrad(4), 'ADVLAB_E_ARG', /label/);
      net.labels.set([0, -1, 2, 3]);
      assertAdvlabError(() => net.inputGradient(4), 'ADVLAB_E_ARG', /label/);
    } finally {
      net.free();
    }
  });

  test('NaN and infinite inputs', () => {
    const net = lab.createNet({ maxBatch: 4 });
    try {
      net.input[5] = NaN;
      assertAdvlabError(() => net.predict(1), 'ADVLAB_E_NUMERIC', /./);
      assertAdvlabError(() => net.inputGradient(1), 'ADVLAB_E_NUMERIC', /./);
      net.input[5] = 0;
      net.input[784 + 3] = Infinity;
      assertAdvlabError(() => net.predict(2), 'ADVLAB_E_NUMERIC', /./);
      net.predict(1); // the first image alone is fine
    } finally {
      net.free();
    }
  });

  test('bad train configs name the key', () => {
    const net = lab.createNet({ maxBatch: 64 });
    try {
      assert.throws(() => net.trainer(testSet, { learningRate: 0.1 }),
        /train config: unknown key "learning_rate"; valid keys: optimizer, lr/);
      assert.throws(() => net.trainer(testSet, { optimizer: 'rmsprop' }),
        /train config: optimizer "rmsprop" is not one of adam, sgd/);
      assert.throws(() => net.trainer(testSet, { optimizer: 2 }), /optimizer 2 is not one of 0 \(adam\), 1 \(sgd\)/);
      assert.throws(() => net.trainer(testSet, { epochs: 1.5 }), /epochs/);
      assert.throws(() => net.trainer(testSet, { lr: '0.1' }), /train config: lr must be a number, got "0.1"/);
      assert.throws(() => net.trainer(testSet, { seed: -1 }), /seed/);
      assertAdvlabError(() => net.trainer(testSet, { batch: 128 }), 'ADVLAB_E_ARG', /128/);
      assertAdvlabError(() => net.trainer(testSet, { batch: 0 }), 'ADVLAB_E_ARG', /batch/);
      assertAdvlabError(() => net.trainer(testSet, { epochs: 0 }), 'ADVLAB_E_ARG', /epoch/);
      assertAdvlabError(() => net.trainer(testSet, { lr: NaN }), 'ADVLAB_E_ARG', /lr/);
      assertAdvlabError(() => net.trainer(testSet, { lr: -1 }), 'ADVLAB_E_ARG', /lr/);
    } finally {
      net.free();
    }
  });

  test('a freed handle throws instead of touching C memory', () => {
    const net = lab.createNet();
    const trainer = net.trainer(testSet, { epochs: 1, limit: 128 });
    net.free();
    net.free(); // idempotent
    assert.equal(trainer.freed, true, 'freeing the net frees its trainers');
    assert.throws(() => net.predict(1), /Net has been freed/);
    assert.throws(() => trainer.run(1), /Trainer has been freed/);
  });
});
