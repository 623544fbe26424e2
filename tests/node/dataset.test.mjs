// MNIST through the wasm IDX parser, and its rejections of malformed files.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { loadMnist, readMnist } from './helpers.mjs';

let lab;
before(async () => {
  lab = await createLab();
});

/** An IDX ubyte file: magic 00 00 08 rank, big-endian dims, data. */
function idx(dims, data) {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x0800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

function assertFormatError(fn, re) {
  assert.throws(fn, (err) => {
    assert.equal(err.code, 'ADVLAB_E_FORMAT', err.message);
    assert.match(err.message, re);
    return true;
  });
}

test('MNIST train: 60000 images of 28x28 with the known first labels', () => {
  const ds = loadMnist(lab, 'train');
  try {
    assert.equal(ds.count, 60000);
    assert.equal(ds.height, 28);
    assert.equal(ds.width, 28);
    assert.equal(ds.labels.length, 60000);
    assert.deepEqual([...ds.labels.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    const hist = new Array(10).fill(0);
    for (const l of ds.labels) hist[l]++;
    assert.deepEqual(hist, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // The pixels are the file's bytes after its 16-byte header.
    const { images } = readMnist('train');
    const first = new Uint8Array(images.subarray(16, 16 + 784 * 3));
    assert.deepEqual(ds.pixels.subarray(0, 784 * 3), first);
  } finally {
    ds.free();
  }
});

test('MNIST test: 10000 images with the known first labels', () => {
  const ds = loadMnist(lab, 'test');
  try {
    assert.equal(ds.count, 10000);
    assert.equal(ds.height, 28);
    assert.equal(ds.width, 28);
    assert.deepEqual([...ds.labels.subarray(0, 10)], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  } finally {
    ds.free();
  }
});

test('a small hand-made IDX pair loads, from ArrayBuffers too', () => {
  const images = idx([3, 2, 2], [0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const labels = idx([3], [9, 0, 4]);
  const ds = lab.loadDataset(images.buffer, labels.buffer, 'tiny');
  try {
    assert.equal(ds.count, 3);
    assert.equal(ds.height, 2);
    assert.equal(ds.width, 2);
    assert.deepEqual([...ds.labels], [9, 0, 4]);
  } finally {
    ds.free();
  }
});

test('malformed IDX bytes throw the C message naming the file', () => {
  const images = idx([3, 2, 2], new Uint8Array(12));
  const labels = idx([3], [1, 2, 3]);

  const badMagic = images.slice();
  badMagic[2] = 0x0d; // float data, not ubyte
  assertFormatError(() => lab.loadDataset(badMagic, labels, 'magic-images'),
    /magic-images.*0x0d/);
  const cut = images.subarray(0, images.length - 1);
  assertFormatError(() => lab.loadDataset(cut, labels, 'cut-images'), /cut-images.*truncated/);
  assertFormatError(() => lab.loadDataset(images.subarray(0, 6), labels, 'header-images'),
    /header-images.*header/);
  assertFormatError(() => lab.loadDataset(new Uint8Array(0), labels, 'empty-images'),
    /empty-images.*0 bytes/);
  assertFormatError(() => lab.loadDataset(images, labels.subarray(0, 10), 'cut'),
    /cut.*labels.*truncated/);

  // Images must be rank 3 and labels rank 1.
  assertFormatError(() => lab.loadDataset(idx([12], new Uint8Array(12)), labels, 'rank-images'),
    /rank-images.*rank 1/);
  assertFormatError(() => lab.loadDataset(images, idx([3, 1], [1, 2, 3]), 'rank'),
    /labels.*rank 2/);

  // The label file must hold one label per image, each a class 0..9.
  assertFormatError(() => lab.loadDataset(images, idx([2], [1, 2]), 'count'), /3 images.*2 labels/);
  assertFormatError(() => lab.loadDataset(images, idx([3], [1, 2, 200]), 'labels'), /200/);
});

test('evaluate counts every sample in the confusion matrix', () => {
  const ds = loadMnist(lab, 'test');
  const net = lab.createNet({ seed: 1 });
  try {
    const { accuracy, confusion } = net.evaluate(ds, 1000);
    assert.ok(accuracy >= 0 && accuracy <= 1);
    assert.equal(confusion.length, 100);
    assert.equal(confusion.reduce((a, b) => a + b, 0), 1000);
    let diag = 0;
    for (let k = 0; k < 10; k++) {
      diag += confusion[k * 11];
      const row = confusion.subarray(k * 10, k * 10 + 10).reduce((a, b) => a + b, 0);
      const expected = ds.labels.subarray(0, 1000).filter((l) => l === k).length;
      assert.equal(row, expected, `row ${k}`);
    }
    assert.equal(diag / 1000, accuracy);
    const all = net.evaluate(ds);
    assert.equal(all.confusion.reduce((a, b) => a + b, 0), 10000);
  } finally {
    net.free();
    ds.free();
  }
});
