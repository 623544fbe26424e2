// One worker of the evaluation pool (pool.js): its own engine instance, made from the bytes
// the first job brings, then for each job the models built from their safetensors bytes and the
// tasks run on this worker's slice of the images (evaluate.js), or AutoAttack's evaluation of a
// part of the images (lab.evaluate), one cell of a sweep (lab.sweepCell) on MNIST, or a universal
// perturbation (lab.universal).

import { createLab } from '../advlab.js';
import { onRequest, reply } from './child_port.js';
import { runTasks } from './evaluate.js';
import { MNIST, fetchGzip } from './fetch.js';

let labReady;
let sweepData = null; // Promise<{train, test}>: MNIST, read here once for a sweep's cells

// MNIST's split as a dataset, read by this worker itself (the browser's cache serves the files
// after the first read), so that the lab's worker, whose heartbeat the page watches, never
// copies the training set for each pool worker.
async function mnistSplit(lab, split) {
  const [pixels, labels] = await Promise.all(['images-idx3', 'labels-idx1'].map((kind) =>
    fetchGzip(`${MNIST}${split}-${kind}-ubyte.gz`, () => {})));
  return lab.loadDataset(pixels, labels, `mnist/${split}`);
}

// One cell of a sweep, its progress posted as it goes.
async function sweepCell(lab, job, { spec, cell }) {
  if (!sweepData) {
    sweepData = Promise.all([mnistSplit(lab, 'train'), mnistSplit(lab, 't10k')])
      .then(([train, test]) => ({ train, test }));
    sweepData.catch(() => { sweepData = null; }); // a failed read is tried again next time
  }
  const { train, test } = await sweepData;
  return lab.sweepCell(train, test, spec, cell, {
    onProgress: (progress) => reply({ job, op: 'task', progress }) });
}

// AutoAttack's report on this part, for one model behind its pre-processor (or none).
function evaluatePart(lab, { model, pre, settings }, x, labels) {
  const net = lab.netFromWeights(model, 'the evaluated model', 64);
  const defence = pre === 'none' ? null : lab.createPreprocessor({ name: pre });
  try {
    return lab.evaluate(net, x, labels, { ...settings, defence });
  } finally {
    defence?.free();
    net.free();
  }
}

// The universal perturbation of one model, fitted on x, measured on heldOut (lab.universal).
function universalFit(lab, { model, settings }, x, heldOut) {
  const net = lab.netFromWeights(model, 'the attacked model', 64);
  try {
    return lab.universal(net, x, { ...settings, heldOut });
  } finally {
    net.free();
  }
}

onRequest(async ({ data: { job, wasmBinary, models = {}, x, labels, heldOut, tasks, evaluate,
  universal, sweep } }) => {
  const nets = {};
  try {
    labReady ??= createLab({ wasmBinary });
    const lab = await labReady;
    if (universal) {
      const result = universalFit(lab, universal, x, heldOut);
      reply({ job, ok: true, result }, [result.perturbation.buffer]);
      return;
    }
    if (sweep) {
      reply({ job, ok: true, result: await sweepCell(lab, job, sweep) });
      return;
    }
    if (evaluate) {
      reply({ job, ok: true, result: evaluatePart(lab, evaluate, x, labels) });
      return;
    }
    for (const [name, bytes] of Object.entries(models)) {
      nets[name] = lab.netFromWeights(bytes, `${name} model`, 64);
    }
    const counts = await runTasks(lab, nets, x, labels, tasks, {
      onTask: (index, seconds) => reply({ job, op: 'task', index, seconds }),
    });
    reply({ job, ok: true, result: counts });
  } catch (error) {
    reply({ job, ok: false, error: error.message });
  } finally {
    for (const net of Object.values(nets)) net.free();
  }
});
