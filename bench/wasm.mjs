// The WASM half of the benchmark in Node, run by run.mjs in its own process:
// advlab's real module through web/advlab.js, measured by figures.mjs (the
// same code the Chromium worker runs), plus the SIMD128 peak kernel of
// bench/peak.c from its own tiny module (bench/gen/advlab_peak.{mjs,wasm}), and the wall time
// of AutoAttack on the first test images (figures.mjs's measureEvaluate).
// --variant scalar measures the fallback module built without SIMD
// (web/gen/advlab_core_scalar.wasm), training and FGSM only, with no peak.
//   node wasm.mjs [--quick|--smoke] [--variant simd|scalar]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { measureEvaluate, measureWasm, MODES, ROBUST, WASM_FIGURES } from './figures.mjs';
import { benchDir, emit, errorText, readMnist, repoRoot, stageOptions, TUTORIAL } from './lib.mjs';
import { createLab } from '../web/advlab.js';

async function loadPeak() {
  const dir = join(benchDir, 'gen');
  const mjs = join(dir, 'advlab_peak.mjs');
  const wasm = join(dir, 'advlab_peak.wasm');
  if (!existsSync(mjs) || !existsSync(wasm)) {
    throw new Error(`${wasm} is missing: build it with emcmake cmake -S . -B build/wasm && cmake --build build/wasm`);
  }
  const { default: createPeak } = await import(pathToFileURL(mjs).href);
  return createPeak({ wasmBinary: readFileSync(wasm) });
}

// The first n test images as floats in [0,1], and their labels.
function testImages(n) {
  const { pixels, classes, size } = readMnist('test');
  return { x: Float32Array.from(pixels.subarray(0, n * size), (v) => v / 255),
    labels: Int32Array.from(classes.subarray(0, n)) };
}

async function main() {
  const { mode } = stageOptions();
  const argv = process.argv.slice(2);
  const variant = argv.includes('--variant') ? argv[argv.indexOf('--variant') + 1] : 'simd';
  const lab = await createLab({ variant });
  const data = readMnist('train');
  const train = lab.loadDataset(data.images, data.labels, data.name);
  const scalar = variant === 'scalar';
  const robustWeights = readFileSync(join(repoRoot, 'data', 'weights', ROBUST.file));
  const out = {
    engine: `advlab ${lab.version} WASM (${scalar ? 'scalar, no SIMD' : 'simd128'}) in Node ` +
      `${process.versions.node}`, threads: 1,
    ...(await measureWasm({ lab, train, images: testImages(TUTORIAL.inferBatch).x, mode,
      robustWeights, loadPeak: scalar ? null : loadPeak,
      figures: scalar ? ['train', 'fgsm'] : WASM_FIGURES })),
  };
  train.free();
  if (!scalar && !out.error) {
    out.evaluate = measureEvaluate({ lab, robustWeights,
      ...testImages(MODES[mode].evaluateImages) });
  }
  // The process's peak: the MNIST bytes read by Node, wasm memory and V8's heap.
  const usage = process.memoryUsage();
  out.memory = { ...out.memory, max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    heap_used_bytes: usage.heapUsed, array_buffers_bytes: usage.arrayBuffers };
  emit(out);
}

main().catch((e) => {
  emit({ error: errorText(e) });
  process.exitCode = 1;
});
