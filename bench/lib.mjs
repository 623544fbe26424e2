// Shared pieces of the benchmark: paths, MNIST, timing, the FLOP model, and
// the way a stage hands its result to run.mjs.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistDir, readMnist as readMnistFiles } from '../data/mnist.mjs';

export const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = join(benchDir, '..');
export { mnistDir };

/** The settings every engine is measured with (ART's get-started tutorial). */
export const TUTORIAL = {
  arch: 'c4k5-p2-c10k5-p2-d100-d10',
  batch: 64,
  lr: 0.01,
  inferBatch: 256,
};

// ---------------------------------------------------------------- MNIST

/**
 * The raw IDX bytes of an MNIST split, and views of its pixels and labels.
 * @param {'train'|'test'} split
 */
export function readMnist(split) {
  const { images, labels, name } = readMnistFiles(split);
  const count = images.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  return {
    images, labels, count, size: rows * cols, name,
    pixels: images.subarray(16, 16 + count * rows * cols),
    classes: labels.subarray(8, 8 + count),
  };
}

/** A seeded permutation of 0..n-1 (xorshift32 + Fisher-Yates), so every peer sees the same batches. */
export function shuffled(n, seed = 1) {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const j = s % (i + 1);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

/** Gathers samples order[first..first+n) of a split into x (n*size floats in [0,1]) and y. */
export function gather(data, order, first, n, x, y) {
  const { pixels, classes, size } = data;
  for (let b = 0; b < n; b++) {
    const i = order[(first + b) % order.length];
    const src = i * size;
    const dst = b * size;
    for (let k = 0; k < size; k++) x[dst + k] = pixels[src + k] / 255;
    y[b] = classes[i];
  }
}

// --------------------------------------------------------------- timing

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `repeats` timed repeats. Each calls step() (which returns the images it
 * processed) until at least `seconds` have passed and at least `minSteps` steps
 * ran. Returns the median rate and every repeat's rate, in images/s.
 */
export async function measure({ repeats, seconds = 0, minSteps = 1, step }) {
  const rates = [];
  let steps = 0;
  for (let r = 0; r < repeats; r++) {
    let images = 0;
    let k = 0;
    const t0 = performance.now();
    let elapsed;
    do {
      images += await step();
      k++;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < seconds || k < minSteps);
    steps += k;
    rates.push(images / elapsed);
  }
  return { images_per_sec: median(rates), repeats: rates, steps };
}

// ----------------------------------------------------------- FLOP model

/**
 * FLOPs of one image through an arch spec on 1x28x28 inputs, from the layer
 * shapes alone (bias, ReLU, pooling, softmax and the optimizer are left out:
 * together they are under 1% for the tutorial net).
 *   MACs(conv cNkK on C x H x W) = N * (H-K+1) * (W-K+1) * C * K * K
 *   MACs(dense dN on I inputs)   = I * N
 *   forward            = 2 * sum MACs
 *   training per image = forward + weight gradients (2 * sum MACs)
 *                        + input gradients (2 * sum MACs of every layer but the first,
 *                          whose input gradient training never needs)
 *                      = 6 * sum MACs - 2 * MACs(first layer)
 */
export function flopModel(spec, input = [1, 28, 28]) {
  let [c, h, w] = input;
  const layers = [];
  for (const part of spec.split('-')) {
    let m;
    if ((m = /^c(\d+)k(\d+)$/.exec(part))) {
      const n = +m[1], k = +m[2];
      const oh = h - k + 1, ow = w - k + 1;
      layers.push({ layer: part, macs: n * oh * ow * c * k * k });
      [c, h, w] = [n, oh, ow];
    } else if (part === 'p2') {
      [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    } else if ((m = /^d(\d+)$/.exec(part))) {
      const n = +m[1];
      layers.push({ layer: part, macs: c * h * w * n });
      [c, h, w] = [n, 1, 1];
    } else {
      throw new Error(`flopModel: unknown layer '${part}' in '${spec}'`);
    }
  }
  const macs = layers.reduce((s, l) => s + l.macs, 0);
  const forward = 2 * macs;
  const train = 6 * macs - 2 * layers[0].macs;
  return {
    arch: spec, layers, macs_per_image: macs, forward_flops_per_image: forward,
    train_flops_per_image: train,
    formula: 'train = 2*MACs (forward) + 2*MACs (weight grads) + 2*(MACs - MACs of layer 1) (input grads) = 6*MACs - 2*MACs(layer 1)',
  };
}

// ------------------------------------------------------------ reporting

/** How a stage (a child process) hands its JSON to run.mjs: one marked line on stdout. */
export const RESULT_MARK = '@@advlab-bench-result ';

export function emit(result) {
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(result)}\n`);
}

/** Parses the stage arguments shared by every stage: --quick. */
export function stageOptions(argv = process.argv.slice(2)) {
  const quick = argv.includes('--quick');
  return { quick };
}

export function errorText(e) {
  return String(e?.message ?? e).split('\n')[0];
}
