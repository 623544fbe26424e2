// Shared bits of the Node tests: paths, MNIST, small comparisons.
import { fileURLToPath } from 'node:url';
import { mnistDir, readMnist } from '../../data/mnist.mjs';

/** The repository root (absolute path). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export { mnistDir, readMnist };

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
