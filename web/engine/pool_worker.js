// One worker of the evaluation pool (pool.js): its own engine instance, made from the bytes
// the first job brings, then for each job the models built from their safetensors bytes and the
// tasks run on this worker's slice of the images (evaluate.js).

import { createLab } from '../advlab.js';
import { runTasks } from './evaluate.js';

let labReady;

onmessage = async ({ data: { job, wasmBinary, models, x, labels, tasks } }) => {
  const nets = {};
  try {
    labReady ??= createLab({ wasmBinary });
    const lab = await labReady;
    for (const [name, bytes] of Object.entries(models)) {
      nets[name] = lab.netFromWeights(bytes, `${name} model`, 64);
    }
    const counts = await runTasks(lab, nets, x, labels, tasks, {
      onTask: (index, seconds) => postMessage({ job, op: 'task', index, seconds }),
    });
    postMessage({ job, ok: true, counts });
  } catch (error) {
    postMessage({ job, ok: false, error: error.message });
  } finally {
    for (const net of Object.values(nets)) net.free();
  }
};
