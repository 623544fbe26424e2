// Shared bits of the Node tests: paths, MNIST, small comparisons.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The repository root (absolute path). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where `sh data/get-mnist.sh` puts MNIST. */
export const mnistDir = join(repoRoot, 'data', 'mnist');

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

// One IDX file from data/mnist, uncompressed or as .gz.
function readIdx(name) {
  const path = join(mnistDir, name);
  if (existsSync(path)) return readFileSync(path);
  if (existsSync(`${path}.gz`)) return gunzipSync(readFileSync(`${path}.gz`));
  throw new Error(`${path} is missing: run 'sh data/get-mnist.sh' first`);
}

/**
 * The raw IDX bytes of an MNIST split.
 * @param {'train'|'test'} split
 * @returns {{images: Buffer, labels: Buffer, name: string}}
 */
export function readMnist(split) {
  const [images, labels] = FILES[split];
  return { images: readIdx(images), labels: readIdx(labels), name: images };
}

/** Loads an MNIST split into a lab Dataset. */
export function loadMnist(lab, split) {
  const { images, labels, name } = readMnist(split);
  return lab.loadDataset(images, labels, name);
}

/**
 * Copies samples [start, start+n) of a dataset into the net's io buffers (pixels / 255, labels).
 */
export function fillBatch(net, dataset, start, n) {
  const size = dataset.height * dataset.width;
  const pixels = dataset.pixels.subarray(start * size, (start + n) * size);
  const input = net.input;
  for (let i = 0; i < pixels.length; i++) input[i] = pixels[i] / 255;
  net.labels.set(dataset.labels.subarray(start, start + n));
}

/**
 * Compares two Float32Arrays bit for bit.
 * @returns {{count: number, first: number}} how many differ and the first differing index (-1)
 */
export function bitDiff(a, b) {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let count = 0;
  let first = -1;
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { count, first };
}
