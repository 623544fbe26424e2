// Peer: ConvNetJS (npm "convnetjs") training and attacking the tutorial model
// on MNIST, run by run.mjs in its own Node process:
//   node peer_convnetjs.mjs [--quick|--smoke]
// Same layers as advlab's "tutorial". The optimizer differs: the npm release
// (0.3.0) has no Adam (its Trainer knows sgd, adagrad, windowgrad, adadelta),
// so it uses SGD with momentum 0.9, lr 0.01, batch 64. ConvNetJS trains one
// image at a time (forward + backward per image, update every batch_size
// images) in Float64Array; that is how it is meant to be used.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import convnetjs from 'convnetjs';

import {
  ATTACKS, benchDir, emit, errorText, figure, gather, measure, measureLatency, MODES, readMnist,
  shuffled, stageOptions,
  TUTORIAL,
} from './lib.mjs';

const { mode } = stageOptions();
// PGD-40 attacks 8 images per call (advlab 256): a call on 256 would take a minute.
const plan = {
  full: { warmup: 5, batches: 10, repeats: 5, inferImages: 256, seconds: 1.0, pgdImages: 8 },
  quick: { warmup: 2, batches: 3, repeats: 3, inferImages: 256, seconds: 0.3, pgdImages: 8 },
  smoke: { warmup: 1, batches: 1, repeats: 1, inferImages: 32, seconds: 0.02, pgdImages: 1 },
}[mode];
const attackImages = MODES[mode].attackImages;
const version = JSON.parse(readFileSync(join(benchDir, 'node_modules/convnetjs/package.json'), 'utf8')).version;

const LAYERS = [
  { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
  { type: 'conv', sx: 5, filters: 4, stride: 1, pad: 0, activation: 'relu' },
  { type: 'pool', sx: 2, stride: 2 },
  { type: 'conv', sx: 5, filters: 10, stride: 1, pad: 0, activation: 'relu' },
  { type: 'pool', sx: 2, stride: 2 },
  { type: 'fc', num_neurons: 100, activation: 'relu' },
  { type: 'softmax', num_classes: 10 },
];

// Images as ConvNetJS volumes (depth 1: w[y*28 + x] is the row-major pixel).
function volumes(data, order, first, n) {
  const x = new Float32Array(n * data.size);
  const y = new Int32Array(n);
  gather(data, order, first, n, x, y);
  const vols = [];
  for (let i = 0; i < n; i++) {
    const v = new convnetjs.Vol(28, 28, 1, 0.0);
    v.w.set(x.subarray(i * data.size, (i + 1) * data.size));
    vols.push(v);
  }
  return { vols, y };
}

// ------------------------------------------------------------- attacks

const clip01 = (v) => (v < 0 ? 0 : v > 1 ? 1 : v);

// The label to attack: the given one, else the prediction. Leaves net's activations at v.
function labelAt(net, v, label) {
  net.forward(v, false);
  return label ?? net.getPrediction();
}

// One step x + step * sign(dL/dx), clipped to [0,1] and, for PGD, to [lo, hi]: a new volume.
// net's activations must be those of v.
function signStep(net, v, label, step, x0, eps) {
  net.backward(label);
  const out = new convnetjs.Vol(28, 28, 1, 0.0);
  for (let i = 0; i < v.w.length; i++) {
    let a = clip01(v.w[i] + step * Math.sign(v.dw[i]));
    if (x0) a = Math.min(Math.max(a, x0.w[i] - eps), x0.w[i] + eps);
    out.w[i] = a;
  }
  return out;
}

// FGSM or PGD (no random start) on one image; labels = predictions unless given.
function attack(net, v, config, given) {
  const label = labelAt(net, v, given);
  if (config.name === 'fgsm') return signStep(net, v, label, config.eps);
  let xa = v;
  for (let i = 0; i < config.max_iter; i++) {
    if (i > 0) net.forward(xa, false);
    xa = signStep(net, xa, label, config.eps_step, v, config.eps);
  }
  return xa;
}

async function attackFigure(net, vols, config) {
  const call = () => { for (const v of vols) attack(net, v, config); return vols.length; };
  call();
  const r = await measure({ repeats: plan.repeats, seconds: plan.seconds, step: call });
  return { status: 'ok', ...r, images: vols.length, ...config, labels: 'predictions', timed_calls: r.steps };
}

// The weight gradients that crafting accumulated, dropped before the training step.
function zeroGrads(net) {
  for (const { grads } of net.getParamsAndGrads()) grads.fill(0);
}

// The live view: a new image, two nets, each: predict, FGSM, PGD-10, predict both results.
function liveFigure(nets, vols) {
  let next = 0;
  const update = () => {
    const v = vols[next];
    next = (next + 1) % vols.length;
    const t0 = performance.now();
    for (const net of nets) {
      const label = labelAt(net, v);
      for (const config of [ATTACKS.live.fgsm, ATTACKS.live.pgd]) {
        labelAt(net, attack(net, v, config, label));
      }
    }
    return performance.now() - t0;
  };
  return measureLatency({ repeats: plan.repeats, seconds: plan.seconds, update });
}

function makeNet() {
  const net = new convnetjs.Net();
  net.makeLayers(LAYERS.map((l) => ({ ...l })));
  return net;
}

async function main() {
  const out = {
    engine: `ConvNetJS ${version} in Node ${process.versions.node}`, version,
    plan, optimizer: `sgd momentum 0.9 (npm convnetjs ${version} has no Adam)`, lr: TUTORIAL.lr,
  };
  const net = makeNet();
  const trainer = new convnetjs.Trainer(net, {
    method: 'sgd', learning_rate: TUTORIAL.lr, momentum: 0.9, batch_size: TUTORIAL.batch, l2_decay: 0,
  });
  const train = readMnist('train');
  const order = shuffled(train.count, 1);
  const { batch } = TUTORIAL;
  let next = 0;
  let loss = 0;
  // One batch; adversarial training replaces its first half by FGSM with the true labels.
  const trainBatch = (adversarial = false) => {
    const { vols, y } = volumes(train, order, next, batch);
    next += batch;
    if (adversarial) {
      const k = Math.ceil(ATTACKS.adv.ratio * batch);
      for (let i = 0; i < k; i++) vols[i] = attack(net, vols[i], ATTACKS.adv.attack, y[i]);
      zeroGrads(net);
    }
    loss = 0;
    for (let i = 0; i < batch; i++) loss += trainer.train(vols[i], y[i]).loss;
    loss /= batch;
    return batch;
  };
  out.train = await figure(async () => {
    for (let i = 0; i < plan.warmup; i++) trainBatch();
    const r = await measure({ repeats: plan.repeats, minSteps: plan.batches,
      step: () => trainBatch() });
    return { status: 'ok', ...r, batch, warmup_batches: plan.warmup, timed_batches: r.steps, last_loss: loss };
  });
  const test = readMnist('test');
  const ident = Int32Array.from({ length: test.count }, (_, i) => i);
  const { vols } = volumes(test, ident, 0, Math.max(plan.inferImages, attackImages));
  out.infer = await figure(async () => {
    const inferVols = vols.slice(0, plan.inferImages);
    const predict = () => {
      for (const v of inferVols) net.forward(v, false);
      return inferVols.length;
    };
    for (let w = 0; w < 3; w++) predict();
    const r = await measure({ repeats: plan.repeats, seconds: plan.seconds, step: predict });
    return { status: 'ok', ...r, images_per_call: inferVols.length, timed_calls: r.steps };
  });
  out.fgsm = await figure(() => attackFigure(net, vols.slice(0, attackImages), ATTACKS.fgsm));
  out.pgd = await figure(() => attackFigure(net, vols.slice(0, plan.pgdImages), ATTACKS.pgd));
  zeroGrads(net);
  out.adv_train = await figure(async () => {
    for (let i = 0; i < plan.warmup; i++) trainBatch(true);
    const r = await measure({ repeats: plan.repeats, minSteps: plan.batches,
      step: () => trainBatch(true) });
    return { status: 'ok', ...r, batch, ratio: ATTACKS.adv.ratio, attack: 'fgsm eps 0.2', timed_batches: r.steps,
      last_loss: loss };
  });
  out.live = await figure(() => liveFigure([net, makeNet()], vols));
  emit(out);
}

main().catch((e) => {
  emit({ engine: 'ConvNetJS', error: errorText(e) });
  process.exitCode = 1;
});
