// A module Web Worker that owns the advlab module, speaking the design's
// protocol: {id, op, args} in, {id, ok, result | error} out. It loads MNIST
// the way the page will: the .gz copies, inflated by DecompressionStream.
import { createLab } from '../../web/advlab.js';

const labReady = createLab();
const datasets = new Map();

async function fetchIdx(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const inflated = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

async function mnist(lab, prefix) {
  if (!datasets.has(prefix)) {
    const base = '../../data/mnist/';
    const [images, labels] = await Promise.all([
      fetchIdx(`${base}${prefix}-images-idx3-ubyte.gz`),
      fetchIdx(`${base}${prefix}-labels-idx1-ubyte.gz`),
    ]);
    datasets.set(prefix, lab.loadDataset(images, labels, `${prefix}-images-idx3-ubyte.gz`));
  }
  return datasets.get(prefix);
}

const ops = {
  // Trains a fresh net and returns its parameters (as a transferred buffer).
  async train({ arch, seed, config }) {
    const lab = await labReady;
    const train = await mnist(lab, 'train');
    const net = lab.createNet({ arch, maxBatch: config.batch, seed });
    try {
      await net.train(train, { ...config, seed }, {
        onProgress: (p) => postMessage({ op: 'progress', ...p }),
      });
      const accuracy = net.evaluate(await mnist(lab, 't10k'), 1000).accuracy;
      const params = net.params().slice();
      return { result: { params: params.buffer, accuracy }, transfer: [params.buffer] };
    } finally {
      net.free();
    }
  },
  async createNet({ arch }) {
    const lab = await labReady;
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
