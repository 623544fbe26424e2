// MNIST in the worker: each split downloaded once and kept as a dataset, and single test digits
// read from the head of the files before the whole set is there.
import { FASHION, MNIST, fetchGzip, gzipHead } from './fetch.js';
import { state } from './state.js';

const PROGRESS_MS = 250;
const SIZE = 784;
const TEST_COUNT = 10000;

const datasets = {}; // 'mnist/train' | 'mnist/t10k' | 'fashion/train' -> Promise<Dataset>
const ROOTS = { mnist: MNIST, fashion: FASHION };

/**
 * MNIST's 'train' or 't10k' split as a dataset, downloaded once; the download's progress (in
 * compressed bytes of both files) goes to request `id` as {kind: 'mnist', split, loaded, total}.
 */
export function mnist(split, id) {
  return idxSet('mnist', split, id);
}

/** Fashion-MNIST's split, as mnist() gives MNIST's (progress kind: 'fashion'). */
export function fashion(split, id) {
  return idxSet('fashion', split, id);
}

function idxSet(kind, split, id) {
  datasets[`${kind}/${split}`] ??= (async () => {
    const files = [`${split}-images-idx3-ubyte.gz`, `${split}-labels-idx1-ubyte.gz`];
    const loaded = [0, 0];
    const totals = [0, 0];
    let last = 0;
    const onBytes = (i) => (bytes, total) => {
      loaded[i] = bytes;
      totals[i] = total;
      const [sum, size] = [loaded[0] + loaded[1], totals[0] + totals[1]];
      const now = performance.now();
      if (id === undefined || (now - last < PROGRESS_MS && sum < size)) return;
      last = now;
      postMessage({ id, op: 'progress', kind, split, loaded: sum, total: size });
    };
    const [pixels, labels] = await Promise.all(
      files.map((f, i) => fetchGzip(ROOTS[kind] + f, onBytes(i))));
    return state.lab.loadDataset(pixels, labels, `${kind}/${files[0]}`);
  })();
  return datasets[`${kind}/${split}`];
}

/** Images [start, end) of a dataset as floats in [0,1]. */
export function images(ds, start, end) {
  return Float32Array.from(ds.pixels.subarray(start * SIZE, end * SIZE), (v) => v / 255);
}

/** The first n images of a dataset, with their labels. */
export function firstImages(ds, n) {
  const count = Math.min(n, ds.count);
  return { x: images(ds, 0, count), labels: Int32Array.from(ds.labels.subarray(0, count)) };
}

/**
 * Test digit `index` (clamped to the test set): {x, label, index}. From the test set once its
 * download has begun; before that from the head of its files only (an IDX image file has a
 * 16-byte header, a label file 8 bytes), so the first digit need not wait for the whole set.
 */
export async function testDigit(index) {
  const i = Math.max(0, Math.min(TEST_COUNT - 1, Math.trunc(index)));
  if (datasets['mnist/t10k']) {
    const test = await datasets['mnist/t10k'];
    return { x: images(test, i, i + 1), label: test.labels[i], index: i };
  }
  const [pixels, labels] = await Promise.all([
    gzipHead(`${MNIST}t10k-images-idx3-ubyte.gz`, 16 + (i + 1) * SIZE),
    gzipHead(`${MNIST}t10k-labels-idx1-ubyte.gz`, 8 + i + 1),
  ]);
  return { x: Float32Array.from(pixels.subarray(16 + i * SIZE), (v) => v / 255),
    label: labels[8 + i], index: i };
}

/** The op (the lab page's digit, a widget's widgetDigit): one test digit, {x, label, index}. */
export async function digit({ index }) {
  const d = await testDigit(index);
  return { result: d, transfer: [d.x.buffer] };
}
