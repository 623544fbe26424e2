// One worker of the evaluation pool (pool.js): its own engine instance, made from the bytes
// the first job brings, then for each job the models built from their safetensors bytes and the
// tasks run on this worker's slice of the images (evaluate.js), or AutoAttack's evaluation of a
// part of the images (lab.evaluate), or one cell of a sweep (lab.sweepCell) on the datasets the
// worker's first cell brought.

import { createLab } from '../advlab.js';
import { runTasks } from './evaluate.js';

let labReady;
let sweepData = null; // {train, test}: the datasets a sweep's first cell here brought

// One cell of a sweep, its progress posted as it goes.
async function sweepCell(lab, job, { spec, cell }, datasets) {
  if (datasets) {
    sweepData = { train: lab.loadDataset(datasets.train.pixels, datasets.train.labels, 'train'),
      test: lab.loadDataset(datasets.test.pixels, datasets.test.labels, 'test') };
  }
  return lab.sweepCell(sweepData.train, sweepData.test, spec, cell, {
    onProgress: (progress) => postMessage({ job, op: 'task', progress }) });
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

onmessage = async ({ data: { job, wasmBinary, models = {}, x, labels, tasks, evaluate, sweep,
  datasets } }) => {
  const nets = {};
  try {
    labReady ??= createLab({ wasmBinary });
    const lab = await labReady;
    if (sweep) {
      postMessage({ job, ok: true, result: await sweepCell(lab, job, sweep, datasets) });
      return;
    }
    if (evaluate) {
      postMessage({ job, ok: true, result: evaluatePart(lab, evaluate, x, labels) });
      return;
    }
    for (const [name, bytes] of Object.entries(models)) {
      nets[name] = lab.netFromWeights(bytes, `${name} model`, 64);
    }
    const counts = await runTasks(lab, nets, x, labels, tasks, {
      onTask: (index, seconds) => postMessage({ job, op: 'task', index, seconds }),
    });
    postMessage({ job, ok: true, result: counts });
  } catch (error) {
    postMessage({ job, ok: false, error: error.message });
  } finally {
    for (const net of Object.values(nets)) net.free();
  }
};
