// Peer: TensorFlow.js training and attacking the tutorial model on MNIST, run
// by run.mjs in its own Node process:  node peer_tfjs.mjs cpu|wasm [--quick|--smoke]
//   cpu:  @tensorflow/tfjs's pure-JavaScript backend (tfjs-node needs a native
//         download that cannot happen here, so this is TF.js as a page runs it
//         without WebGL).
//   wasm: @tensorflow/tfjs-backend-wasm on one thread. It has no
//         Conv2DBackpropFilter kernel, so training (and adversarial training)
//         is expected to fail; the failure is recorded with its message, and
//         inference and the attacks are still timed. Its MaxPoolGrad differs
//         from the cpu backend's: on identical weights and images, the input
//         gradient is compared with the cpu backend's (sign agreement).
// Same model as advlab's "tutorial": conv 4@5x5 relu, maxpool 2, conv 10@5x5
// relu, maxpool 2, flatten, dense 100 relu, dense 10 softmax; Adam 0.01,
// batch 64, categorical cross-entropy (+ accuracy, as the Keras tutorial).
// The attacks (figures.mjs's settings) are written here with tf.grad: the
// gradient of the summed cross-entropy with respect to the input batch.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  ATTACKS, benchDir, emit, errorText, figure, gather, measure, measureLatency, MODES, readMnist,
  shuffled, stageOptions,
  TUTORIAL,
} from './lib.mjs';

const backend = process.argv[2];
const { mode } = stageOptions();
// Fixed batch counts: these peers are 100x slower than advlab, so a time
// budget would mean a handful of batches anyway. PGD-40 attacks 32 images per
// call (advlab 256): a call on 256 would take the cpu backend half a minute.
const plan = {
  full: { warmup: 2, batches: 3, repeats: 5, seconds: 1.0, pgdImages: 32 },
  quick: { warmup: 1, batches: 1, repeats: 3, seconds: 0.3, pgdImages: 32 },
  smoke: { warmup: 1, batches: 1, repeats: 1, seconds: 0.02, pgdImages: 4 },
}[mode];
const attackImages = MODES[mode].attackImages;

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

// ------------------------------------------------------------- attacks

// The summed categorical cross-entropy of model(x) against one-hot labels; its
// gradient with respect to x is each image's own loss gradient.
const lossOf = (tf, model, x, onehot) =>
  tf.metrics.categoricalCrossentropy(onehot, model.apply(x)).sum();

// The model's own predictions as one-hot labels (ART's default labels).
const predictedLabels = (tf, model, x) => tf.tidy(() => tf.oneHot(model.apply(x).argMax(-1), 10));

// x + step * sign(grad), clipped to [0,1]: one FGSM / PGD step.
function signStep(tf, model, x, onehot, step) {
  return tf.tidy(() => {
    const g = tf.grad((v) => lossOf(tf, model, v, onehot))(x);
    return x.add(g.sign().mul(step)).clipByValue(0, 1);
  });
}

// FGSM (one step of eps) or PGD (max_iter steps of eps_step, projected onto the eps-ball
// around x, no random start), labels = predictions unless given.
function attack(tf, model, x, config, onehot) {
  return tf.tidy(() => {
    const y = onehot ?? predictedLabels(tf, model, x);
    if (config.name === 'fgsm') return signStep(tf, model, x, y, config.eps);
    const lo = x.sub(config.eps);
    const hi = x.add(config.eps);
    let xa = x;
    for (let i = 0; i < config.max_iter; i++) {
      const next = signStep(tf, model, xa, y, config.eps_step);
      xa = tf.minimum(tf.maximum(next, lo), hi);
    }
    return xa;
  });
}

// Attacks `n` test images per call, repeated for plan.seconds (and at least once).
async function attackFigure(tf, model, images, n, config) {
  const x = tf.tensor4d(images.subarray(0, n * 784), [n, 28, 28, 1]);
  try {
    const call = () => { tf.tidy(() => attack(tf, model, x, config).dataSync()); return n; };
    call();
    const r = await measure({ repeats: plan.repeats, seconds: plan.seconds, step: call });
    return { status: 'ok', ...r, images: n, ...config, labels: 'predictions', timed_calls: r.steps };
  } finally {
    x.dispose();
  }
}

// ART's AdversarialTrainer: the first ratio*batch images of each batch replaced by FGSM
// crafted with the true labels against the current weights, then trainOnBatch.
function adversarialBatch(tf, model, x, y) {
  const { ratio, attack: fgsm } = ATTACKS.adv;
  const k = Math.ceil(ratio * y.length);
  const [xs, ys] = tf.tidy(() => {
    const clean = tf.tensor4d(x, [y.length, 28, 28, 1]);
    const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
    const adv = attack(tf, model, clean.slice(0, k), fgsm, onehot.slice(0, k));
    return [tf.concat([adv, clean.slice(k)]), onehot];
  });
  return [xs, ys];
}

// The live view: a new image, two models, each: predict, FGSM, PGD-10, predict both results.
function liveFigure(tf, models, images) {
  let next = 0;
  const count = images.length / 784;
  const update = () => {
    const x0 = images.subarray(next * 784, (next + 1) * 784);
    next = (next + 1) % count;
    const t0 = performance.now();
    for (const model of models) {
      tf.tidy(() => {
        const x = tf.tensor4d(x0, [1, 28, 28, 1]);
        const y = predictedLabels(tf, model, x);
        const pair = tf.concat([attack(tf, model, x, ATTACKS.live.fgsm, y),
          attack(tf, model, x, ATTACKS.live.pgd, y)]);
        model.apply(pair).argMax(-1).dataSync();
      });
    }
    return performance.now() - t0;
  };
  return measureLatency({ repeats: plan.repeats, seconds: plan.seconds, update });
}

// Runs fn (returning a Float32Array) on the wasm backend, then on the cpu backend.
async function onBothBackends(tf, fn) {
  const wasm = fn();
  await tf.setBackend('cpu');
  const cpu = fn();
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

// The gradient of sum(maxPool(x) * w) for the tutorial's first pool (24x24x4 -> 12x12x4),
// distinct inputs (no ties): the MaxPoolGrad kernel alone.
function maxPoolGradient(tf) {
  const shape = [2, 24, 24, 4];
  const n = shape.reduce((a, b) => a * b);
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.3));
  return tf.tidy(() => {
    const w = tf.range(1, n / 4 + 1).reshape([2, 12, 12, 4]);
    return tf.grad((v) => tf.maxPool(v, 2, 2, 'valid').mul(w).sum())(tf.tensor4d(x, shape)).dataSync();
  });
}

// The wasm backend's gradients against the cpu backend's: the model's input gradient on
// the same weights and images (TF.js moves the weights across backends), and MaxPoolGrad alone.
async function gradientAgreement(tf, model, images, n) {
  const inputGradient = () => tf.tidy(() => {
    const x = tf.tensor4d(images.subarray(0, n * 784), [n, 28, 28, 1]);
    const y = predictedLabels(tf, model, x);
    return tf.grad((v) => lossOf(tf, model, v, y))(x).dataSync();
  });
  const { wasm, cpu } = await onBothBackends(tf, inputGradient);
  let agree = 0;
  let nonzero = 0;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < cpu.length; i++) {
    if (cpu[i] !== 0 || wasm[i] !== 0) {
      nonzero++;
      if (Math.sign(cpu[i]) === Math.sign(wasm[i])) agree++;
    }
    diff += (wasm[i] - cpu[i]) ** 2;
    norm += cpu[i] ** 2;
  }
  const pool = await onBothBackends(tf, () => maxPoolGradient(tf));
  const poolDiffering = pool.cpu.reduce((k, v, i) => k + (v !== pool.wasm[i]), 0);
  return { images: n, sign_agreement: nonzero ? agree / nonzero : 1,
    relative_l2_difference: Math.sqrt(diff / norm),
    max_pool_grad_values_differing: poolDiffering, max_pool_grad_values: pool.cpu.length,
    note: 'the model\'s input gradient, wasm vs cpu backend on identical weights and images (sign agreement ' +
      'over pixels where either is non-zero); and MaxPoolGrad alone on 2x24x24x4 distinct values' };
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
  // One batch of training, adversarial (figures.mjs's ATTACKS.adv) when asked.
  const trainBatch = async (adversarial = false) => {
    gather(train, order, next, batch, x, y);
    next += batch;
    const [xs, ys] = adversarial ? adversarialBatch(tf, model, x, y)
      : tf.tidy(() => [tf.tensor4d(x, [batch, 28, 28, 1]), tf.oneHot(tf.tensor1d(y, 'int32'), 10)]);
    try {
      last = await model.trainOnBatch(xs, ys);
    } finally {
      tf.dispose([xs, ys]);
    }
    return batch;
  };

  out.train = await figure(async () => {
    for (let i = 0; i < plan.warmup; i++) await trainBatch();
    const r = await measure({ repeats: plan.repeats, minSteps: plan.batches,
      step: () => trainBatch() });
    return { status: 'ok', ...r, batch, warmup_batches: plan.warmup, timed_batches: r.steps, optimizer: 'adam',
      lr: TUTORIAL.lr, last_loss: last?.[0], last_accuracy: last?.[1] };
  });

  const test = readMnist('test');
  const images = new Float32Array(TUTORIAL.inferBatch * test.size);
  gather(test, Int32Array.from({ length: TUTORIAL.inferBatch }, (_, i) => i), 0,
    TUTORIAL.inferBatch, images, new Int32Array(TUTORIAL.inferBatch));

  out.infer = await figure(async () => {
    const n = TUTORIAL.inferBatch;
    const xs = tf.tensor4d(images, [n, 28, 28, 1]);
    const predict = () => { tf.tidy(() => model.predict(xs).dataSync()); return n; };
    // Warm up long enough for V8 to tier the wasm backend's code up from Liftoff.
    for (const t0 = performance.now(); performance.now() - t0 < 1000 * plan.seconds;) predict();
    const r = await measure({ repeats: plan.repeats, seconds: plan.seconds, step: predict });
    xs.dispose();
    return { status: 'ok', ...r, batch: n, timed_calls: r.steps };
  });

  out.fgsm = await figure(() => attackFigure(tf, model, images, attackImages, ATTACKS.fgsm));
  out.pgd = await figure(() => attackFigure(tf, model, images, plan.pgdImages, ATTACKS.pgd));
  out.adv_train = await figure(async () => {
    for (let i = 0; i < plan.warmup; i++) await trainBatch(true);
    const r = await measure({ repeats: plan.repeats, minSteps: plan.batches,
      step: () => trainBatch(true) });
    return { status: 'ok', ...r, batch, ratio: ATTACKS.adv.ratio, attack: 'fgsm eps 0.2', timed_batches: r.steps };
  });
  out.live = await figure(() => liveFigure(tf, [model, buildModel(tf)], images));
  if (backend === 'wasm') out.gradient_vs_cpu = await figure(() => gradientAgreement(tf, model, images, 64));
  emit(out);
}

main().catch((e) => {
  emit({ engine: `TF.js ${backend}`, backend, error: errorText(e) });
  process.exitCode = 1;
});
