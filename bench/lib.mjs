// Shared pieces of the benchmark: paths, MNIST, timing, the FLOP model, and
// the way a stage hands its result to run.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistDir, readMnist as readMnistFiles } from '../data/mnist.mjs';
import { EVALUATE, median, quantile } from './figures.mjs';

export const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = join(benchDir, '..');
export { mnistDir };

// The settings, the FLOP model and the statistics are shared with the browser worker.
export {
  ATTACKS, CERTIFY, EVALUATE, flopModel, median, MODES, quantile, ROBUST, TUTORIAL,
} from './figures.mjs';

/** The nets of the training-pool stages (train_pool.mjs, exchange.mjs), by the names run.mjs
 * prints: the tutorial's and Madry et al.'s MNIST net. */
export const POOL_ARCHS = {
  tutorial: 'c4k5-p2-c10k5-p2-d100-d10', madry: 'c32k5-p2-c64k5-p2-d1024-d10',
};

// ------------------------------------------------------------- Chromium

const CHROMIUM = '/usr/bin/chromium';
// As tests/browser/chromium.mjs launches it, every background service off.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

/** Debian's headless Chromium through playwright-core, for the stages that run pages. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

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

/**
 * A seeded permutation of 0..n-1 (xorshift32 + Fisher-Yates), so every peer sees
 * the same batches.
 */
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

/**
 * The live view's latency: update() (one new image through both models, returning its ms) runs
 * three times to warm up, then `repeats` times for at least `seconds` and 5 calls each. Returns
 * the median of the repeats' medians, and the 90th percentile of every call.
 */
export function measureLatency({ repeats, seconds, update }) {
  for (let w = 0; w < 3; w++) update();
  const medians = [];
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const ms = [];
    const t0 = performance.now();
    while (performance.now() - t0 < 1000 * seconds || ms.length < 5) ms.push(update());
    medians.push(median(ms));
    samples.push(...ms);
  }
  return { status: 'ok', median_ms: median(medians), repeats_median_ms: medians,
    p90_ms: quantile(samples, 0.9), samples: samples.length, nets: 2 };
}

// ------------------------------------------------------------ reporting

/** Runs fn, recording {status: 'failed', error} instead of throwing: one peer figure failing
 * leaves the others. */
export async function figure(fn) {
  try {
    return await fn();
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  }
}

/** How a stage (a child process) hands its JSON to run.mjs: one marked line on stdout. */
export const RESULT_MARK = '@@advlab-bench-result ';

export function emit(result) {
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(result)}\n`);
}

/** Parses the stage arguments shared by every stage: --quick or --smoke, as a mode of MODES. */
export function stageOptions(argv = process.argv.slice(2)) {
  const mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
  return { mode, quick: mode !== 'full' };
}

export function errorText(e) {
  return String(e?.message ?? e).split('\n')[0];
}

// ------------------------------------------------------- the page's audit

/**
 * The page's "Is this defence real?" (web/engine/audit.js's audit op) in a page that opened the
 * lab's worker (tests/browser/lab_worker.html, after its init): the shipped model of `file` put in
 * the defended slot (or, with file null, the model the slot holds), EVALUATE's suite and eps on the
 * first n test images, in parts across the page's pool. Its wall time is the page's
 * (window.call's), the report the one the page shows.
 */
export async function pageAudit(page, file, n) {
  try {
    if (file) {
      const manifest = JSON.parse(readFileSync(join(repoRoot, 'data', 'weights', 'manifest.json'),
        'utf8'));
      const model = manifest.models.find((m) => m.file === file);
      if (!model) throw new Error(`data/weights/manifest.json lists no model of file ${file}`);
      await page.evaluate((id) => window.call('setModel', { slot: 'defended', id }), model.id);
    }
    const run = await page.evaluate(async (args) => {
      const start = performance.now();
      const result = await window.call('audit', args);
      return { ...result, wall: (performance.now() - start) / 1000 };
    }, { slot: 'defended', pre: 'none', suite: EVALUATE.suite, eps: EVALUATE.eps, n });
    return { status: 'ok', model: file ?? 'the defended slot\'s', images: run.report.n,
      workers: run.workers, seconds: run.wall, worker_seconds: run.seconds, report: run.report };
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  }
}
