// The poisoning family through advlab.js (issue 15): lab.poison, lab.cleanse and lab.strip give
// the same reports as the native CLI's --json, bit for bit (every number is printed with 17
// digits), on a 3000-row subset of MNIST; and bad input gets a clear error.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { assertAdvlabError, images, readMnist, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const ROWS = 3000;

let lab;
let dir;
let train;
let test10k;

// The first n rows of an IDX file's bytes (its count rewritten).
function firstRows(bytes, n, rowBytes, header) {
  const out = Uint8Array.from(bytes.subarray(0, header + n * rowBytes));
  new DataView(out.buffer).setUint32(4, n);
  return out;
}

function run(...args) {
  return execFileSync(native, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString();
}

before(async () => {
  assert.ok(existsSync(native), `native CLI not found at ${native}: set ADVLAB_NATIVE`);
  lab = await createLab();
  dir = mkdtempSync(join(tmpdir(), 'advlab-poison-'));
  const subset = join(dir, 'subset');
  mkdirSync(subset);
  const t = readMnist('train');
  const images = firstRows(t.images, ROWS, 784, 16);
  const labels = firstRows(t.labels, ROWS, 1, 8);
  writeFileSync(join(subset, 'train-images-idx3-ubyte'), images);
  writeFileSync(join(subset, 'train-labels-idx1-ubyte'), labels);
  const t10k = readMnist('t10k');
  writeFileSync(join(subset, 't10k-images-idx3-ubyte'), t10k.images);
  writeFileSync(join(subset, 't10k-labels-idx1-ubyte'), t10k.labels);
  train = lab.loadDataset(images, labels, 'subset');
  test10k = lab.loadDataset(t10k.images, t10k.labels, 't10k');
});

after(() => {
  train?.free();
  test10k?.free();
  rmSync(dir, { recursive: true, force: true });
});

function rowsFile(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('rows '));
  return Int32Array.from(lines.slice(at + 1).filter((l) => l).map(Number));
}

test('lab.poison gives advlab poison --json, its rows and its images', () => {
  const out = join(dir, 'p');
  const report = JSON.parse(run('poison', '--data', join(dir, 'subset'), '--source', '0',
    '--fraction', '0.2', '--out', out, '--json'));
  const p = lab.poison(train, { source: 0, fraction: 0.2 });
  try {
    assert.deepEqual(p.report, report);
    assert.deepEqual(p.rows, rowsFile(join(out, 'poisoned-rows.txt')));
    assert.ok(p.rows.length > 0, 'nothing poisoned');
    const pixels = readFileSync(join(out, 'train-images-idx3-ubyte')).subarray(16);
    assert.ok(Buffer.from(p.dataset.pixels).equals(pixels), 'the poisoned images differ');
    const labels = readFileSync(join(out, 'train-labels-idx1-ubyte')).subarray(8);
    assert.ok(Buffer.from(p.dataset.labels).equals(labels), 'the poisoned labels differ');
    // ART's pattern, at (26,26), (25,25), (26,24), (24,26), on every poisoned row.
    for (const r of p.rows) {
      for (const px of [26 * 28 + 26, 25 * 28 + 25, 26 * 28 + 24, 24 * 28 + 26]) {
        assert.equal(p.dataset.pixels[r * 784 + px], 255);
      }
      assert.equal(p.dataset.labels[r], 1);
    }
  } finally {
    p.dataset.free();
  }
});

test('a clean-label poisoning matches the native one', () => {
  const model = join(dir, 'proxy.safetensors');
  run('train', '--data', join(dir, 'subset'), '--epochs', '1', '--out', model);
  const out = join(dir, 'cl');
  const report = JSON.parse(run('poison', '--data', join(dir, 'subset'), '--clean-label', '1',
    '--target', '4', '--fraction', '0.05', '--max-iter', '5', '--model', model, '--out', out,
    '--json'));
  const proxy = lab.netFromWeights(readFileSync(model), 'proxy.safetensors');
  const p = lab.poison(train, { cleanLabel: true, target: 4, fraction: 0.05, maxIter: 5 },
    { proxy });
  try {
    assert.deepEqual(p.report, report);
    const pixels = readFileSync(join(out, 'train-images-idx3-ubyte')).subarray(16);
    assert.ok(Buffer.from(p.dataset.pixels).equals(pixels), 'the PGD images differ');
    assert.ok(Buffer.from(p.dataset.labels).equals(train.labels), 'a label changed');
  } finally {
    p.dataset.free();
    proxy.free();
  }
});

test('lab.cleanse and lab.strip give advlab cleanse and strip --json', async () => {
  const data = join(dir, 'p');
  const model = join(dir, 'poisoned.safetensors');
  run('train', '--data', data, '--epochs', '2', '--out', model);
  const poisoned = lab.poison(train, { source: 0, fraction: 0.2 });
  const net = lab.netFromWeights(readFileSync(model), 'poisoned.safetensors');
  try {
    for (const defence of ['ac', 'spectral']) {
      const report = JSON.parse(run('cleanse', '--model', model, '--data', data, '--defence',
        defence, '--retrain', '--epochs', '1', '--json'));
      const stages = new Set();
      const found = await lab.cleanse(net, poisoned.dataset, { defence }, {
        rows: poisoned.rows, test: test10k, poison: { source: 0, fraction: 0.2 },
        retrain: { epochs: 1 }, onProgress: (pr) => stages.add(pr.stage),
      });
      try {
        assert.deepEqual(found.report, report, defence);
        assert.deepEqual([...stages], ['cleanse', 'retrain']);
        assert.equal(found.flags.reduce((a, b) => a + b, 0), report.flagged);
        assert.equal(found.points.length, 2 * ROWS);
        assert.equal(found.cleaned.count, ROWS - report.flagged);
      } finally {
        found.net.free();
        found.cleaned.free();
      }
    }
    const report = JSON.parse(run('strip', '--model', model, '--data', data, '--limit', '5',
      '--trigger', 'pattern', '--json'));
    const pool = images(test10k, 10000 - 1000, 1000).x;
    const x = lab.addTrigger(images(test10k, 0, 5).x, { trigger: 'pattern' });
    assert.deepEqual(lab.strip(net, pool, x), report);
  } finally {
    net.free();
    poisoned.dataset.free();
  }
});

test('bad poisoning input gets a clear error', () => {
  assertAdvlabError(() => lab.poison(train, { fraction: Number.NaN }), 'ADVLAB_E_ARG',
    /fraction/);
  assertAdvlabError(() => lab.poison(train, { fraction: 1.5 }), 'ADVLAB_E_ARG',
    /fraction 1.5 is out of range 0..1/);
  assertAdvlabError(() => lab.poison(train, { target: 10 }), 'ADVLAB_E_ARG',
    /target 10 is out of range/);
  assertAdvlabError(() => lab.poison(train, { trigger: 'checkers' }), 'ADVLAB_E_ARG',
    /pattern, pixel, mask/);
  assertAdvlabError(() => lab.poison(train, { trigger: 'mask', mask: new Uint8Array(784) }),
    'ADVLAB_E_ARG', /the mask sets no pixel/);
  assert.throws(() => lab.poison(train, { trigger: 'mask', mask: new Uint8Array(100) }),
    /poison mask: 100 values, a trigger is 28x28 = 784/);
  assertAdvlabError(() => lab.poison(train, { cleanLabel: true, target: 3 }), 'ADVLAB_E_ARG',
    /needs a proxy model/);
  // A drawn mask: exactly its pixels, at its value.
  const mask = new Uint8Array(784);
  mask[100] = 1;
  mask[783] = 1;
  const x = lab.addTrigger(new Float32Array(784), { trigger: 'mask', mask, value: 0.5 });
  assert.deepEqual([...x.keys()].filter((i) => x[i] !== 0), [100, 783]);
  assert.equal(x[100], 0.5);
});

test('cleanse rejects poisoned rows that do not match the data', async () => {
  const net = lab.createNet({ arch: 'tutorial' });
  try {
    await assert.rejects(lab.cleanse(net, train, {}, { rows: [5, 3] }),
      (err) => err.code === 'ADVLAB_E_FORMAT' && /rows must ascend, but 3 follows 5/.test(err.message));
    await assert.rejects(lab.cleanse(net, train, {}, { rows: [ROWS] }),
      (err) => err.code === 'ADVLAB_E_FORMAT' && /row 3000 is not a row of the data/.test(err.message));
    await assert.rejects(lab.cleanse(net, train, { defence: 'strip' }),
      /cleanse "strip" is unknown; known: ac, spectral/);
  } finally {
    net.free();
  }
});
