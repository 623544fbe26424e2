// The bench's module Web Worker: advlab's WASM build through web/advlab.js, as
// the lab's page runs it. MNIST arrives as the .gz copies, inflated by
// DecompressionStream, as in the page. One op per worker:
//   {op: 'figures', args: {mode}}  every WASM figure of figures.mjs, the SIMD128 peak, then
//                                  AutoAttack on the first test images in this one worker
//   {op: 'memory', args: {mode}}   full-MNIST training, as the page's training worker does
// Replies {ok: true, result} or {ok: false, error}; progress as {progress}.
import { MODES, measureEvaluate, measureWasm, ROBUST, TUTORIAL, trainForMemory } from '../figures.mjs';
import { createLab } from '../../web/advlab.js';

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function fetchIdx(name) {
  const response = await fetchOk(`../../data/mnist/${name}.gz`);
  const inflated = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

async function mnist(lab, prefix) {
  const [images, labels] = await Promise.all([
    fetchIdx(`${prefix}-images-idx3-ubyte`), fetchIdx(`${prefix}-labels-idx1-ubyte`),
  ]);
  return lab.loadDataset(images, labels, `${prefix}-images-idx3-ubyte.gz`);
}

async function loadPeak() {
  const { default: createPeak } = await import('../gen/advlab_peak.mjs');
  return createPeak();
}

const ops = {
  async figures({ mode }) {
    const lab = await createLab();
    const train = await mnist(lab, 'train');
    const test = await mnist(lab, 't10k');
    const robustWeights = new Uint8Array(
      await (await fetchOk(`../../data/weights/${ROBUST.file}`)).arrayBuffer());
    // Copied out at once: a view onto wasm memory detaches when memory grows.
    const d = test.height * test.width;
    const first = (n) => ({ x: Float32Array.from(test.pixels.subarray(0, n * d), (v) => v / 255),
      labels: Int32Array.from(test.labels.subarray(0, n)) });
    const images = first(TUTORIAL.inferBatch).x;
    const evaluated = first(MODES[mode].evaluateImages);
    test.free();
    const result = await measureWasm({ lab, train, images, loadPeak, mode, robustWeights });
    train.free();
    if (!result.error) result.evaluate = measureEvaluate({ lab, robustWeights, ...evaluated });
    return { engine: `advlab ${lab.version} WASM (simd128) in a Chromium module Web Worker`, threads: 1,
      user_agent: navigator.userAgent, ...result };
  },
  async memory({ mode }) {
    const lab = await createLab();
    const train = await mnist(lab, 'train');
    const test = await mnist(lab, 't10k');
    const result = await trainForMemory({ lab, train, test, batches: MODES[mode].memoryBatches,
      onProgress: (p) =>
        postMessage({ progress: { epoch: p.epoch, batchInEpoch: p.batchInEpoch } }) });
    train.free();
    test.free();
    return result;
  },
};

onmessage = async ({ data: { op, args } }) => {
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    postMessage({ ok: true, result: await ops[op](args) });
  } catch (error) {
    postMessage({ ok: false, error: String(error?.message ?? error) });
  }
};
