// A module Web Worker that owns the advlab module, speaking the design's
// protocol: {id, op, args} in, {id, ok, result | error} out. It loads MNIST
// the way the page will: the .gz copies, inflated by DecompressionStream.
import { createLab } from '../../web/advlab.js';

// One engine per build asked for: 'auto' is createLab()'s choice, 'simd' and 'scalar' force one.
const labs = new Map();
function labFor(variant = 'auto') {
  if (!labs.has(variant)) labs.set(variant, createLab(variant === 'auto' ? {} : { variant }));
  return labs.get(variant);
}
const datasets = new Map();

async function fetchIdx(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const inflated = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

async function mnist(lab, prefix) {
  const key = `${lab.variant}/${prefix}`;
  if (!datasets.has(key)) {
    const base = '../../data/mnist/';
    const [images, labels] = await Promise.all([
      fetchIdx(`${base}${prefix}-images-idx3-ubyte.gz`),
      fetchIdx(`${base}${prefix}-labels-idx1-ubyte.gz`),
    ]);
    datasets.set(key, lab.loadDataset(images, labels, `${prefix}-images-idx3-ubyte.gz`));
  }
  return datasets.get(key);
}

const ops = {
  // Trains a fresh net and returns its parameters (as a transferred buffer) and the build that
  // trained it.
  async train({ arch, seed, config, variant }) {
    const lab = await labFor(variant);
    const train = await mnist(lab, 'train');
    const net = lab.createNet({ arch, maxBatch: config.batch, seed });
    try {
      await net.train(train, { ...config, seed }, {
        onProgress: (p) => postMessage({ op: 'progress', ...p }),
      });
      const accuracy = net.evaluate(await mnist(lab, 't10k'), 1000).accuracy;
      const params = net.params().slice();
      return { result: { params: params.buffer, accuracy, variant: lab.variant },
        transfer: [params.buffer] };
    } finally {
      net.free();
    }
  },
  async createNet({ arch }) {
    const lab = await labFor();
    lab.createNet({ arch }).free();
    return { result: true };
  },
};

onmessage = async ({ data: { id, op, args } }) => {
  try {
    if (!ops[op]) throw new Error(`unknown op ${op}`);
    const { result, transfer = [] } = await ops[op](args);
    postMessage({ id, ok: true, result }, transfer);
  } catch (error) {
    postMessage({ id, ok: false, error: error.message });
  }
};
