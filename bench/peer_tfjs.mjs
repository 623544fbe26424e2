// Peer: TensorFlow.js training the tutorial model on MNIST, run by run.mjs in
// its own Node process:  node peer_tfjs.mjs cpu|wasm [--quick]
//   cpu:  @tensorflow/tfjs's pure-JavaScript backend (tfjs-node needs a native
//         download that cannot happen here, so this is TF.js as a page runs it
//         without WebGL).
//   wasm: @tensorflow/tfjs-backend-wasm on one thread. It has no
//         Conv2DBackpropFilter kernel, so training is expected to fail; the
//         failure is recorded with its message, and inference is still timed.
// Same model as advlab's "tutorial": conv 4@5x5 relu, maxpool 2, conv 10@5x5
// relu, maxpool 2, flatten, dense 100 relu, dense 10 softmax; Adam 0.01,
// batch 64, categorical cross-entropy (+ accuracy, as the Keras tutorial).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { benchDir, emit, errorText, gather, measure, readMnist, shuffled, stageOptions, TUTORIAL } from './lib.mjs';

const backend = process.argv[2];
const { quick } = stageOptions();
// Fixed batch counts: these peers are 100x slower than advlab, so a time
// budget would mean a handful of batches anyway.
const plan = quick
  ? { warmup: 1, batches: 1, repeats: 3, inferSeconds: 0.3 }
  : { warmup: 2, batches: 3, repeats: 5, inferSeconds: 1.0 };

function buildModel(tf) {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 10, kernelSize: 5, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 100, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(TUTORIAL.lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function main() {
  const out = { engine: `TF.js ${backend}`, backend, plan };
  // TF.js greets Node users on stdout; keep stdout for the result line.
  const log = console.log;
  console.log = (...args) => console.error(...args);
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(pathToFileURL(join(benchDir, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/')).href);
    wasm.setThreadsCount(1);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  out.engine = `TF.js ${tf.version.tfjs} ${backend} backend in Node ${process.versions.node}`;
  if (backend === 'wasm') {
    out.wasm_simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    out.wasm_threads = (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
  }
  console.log = log;

  const train = readMnist('train');
  const order = shuffled(train.count, 1);
  const { batch } = TUTORIAL;
  const model = buildModel(tf);
  const x = new Float32Array(batch * train.size);
  const y = new Int32Array(batch);
  let next = 0;
  let last = null;
  const trainBatch = async () => {
    gather(train, order, next, batch, x, y);
    next += batch;
    const [xs, ys] = tf.tidy(() => [tf.tensor4d(x, [batch, 28, 28, 1]), tf.oneHot(tf.tensor1d(y, 'int32'), 10)]);
    try {
      last = await model.trainOnBatch(xs, ys);
    } finally {
      tf.dispose([xs, ys]);
    }
    return batch;
  };

  try {
    for (let i = 0; i < plan.warmup; i++) await trainBatch();
    const r = await measure({ repeats: plan.repeats, minSteps: plan.batches, step: trainBatch });
    out.train = { status: 'ok', ...r, batch, warmup_batches: plan.warmup, timed_batches: r.steps, optimizer: 'adam',
      lr: TUTORIAL.lr, last_loss: last?.[0], last_accuracy: last?.[1] };
  } catch (e) {
    out.train = { status: 'failed', error: errorText(e) };
  }

  try {
    const test = readMnist('test');
    const n = TUTORIAL.inferBatch;
    const xt = new Float32Array(n * test.size);
    gather(test, Int32Array.from({ length: n }, (_, i) => i), 0, n, xt, new Int32Array(n));
    const xs = tf.tensor4d(xt, [n, 28, 28, 1]);
    const predict = () => { tf.tidy(() => model.predict(xs).dataSync()); return n; };
    // Warm up long enough for V8 to tier the wasm backend's code up from Liftoff.
    for (const t0 = performance.now(); performance.now() - t0 < 1000 * plan.inferSeconds;) predict();
    const r = await measure({ repeats: plan.repeats, seconds: plan.inferSeconds, step: predict });
    out.infer = { status: 'ok', ...r, batch: n, timed_calls: r.steps };
    xs.dispose();
  } catch (e) {
    out.infer = { status: 'failed', error: errorText(e) };
  }
  emit(out);
}

main().catch((e) => {
  emit({ engine: `TF.js ${backend}`, backend, error: errorText(e) });
  process.exitCode = 1;
});
