// One worker of the evaluation pool (pool.js): its own engine instance, made from the bytes
// the first job brings, then for each job the models built from their safetensors bytes and the
// tasks run on this worker's slice of the images (evaluate.js), or AutoAttack's evaluation of a
// part of the images (lab.evaluate), or a universal perturbation (lab.universal).

import { createLab } from '../advlab.js';
import { runTasks } from './evaluate.js';

let labReady;

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

onmessage = async ({ data: { job, wasmBinary, models = {}, x, labels, heldOut, tasks, evaluate,
  universal } }) => {
  const nets = {};
  try {
    labReady ??= createLab({ wasmBinary });
    const lab = await labReady;
    if (universal) {
      const result = universalFit(lab, universal, x, heldOut);
      postMessage({ job, ok: true, result }, [result.perturbation.buffer]);
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
