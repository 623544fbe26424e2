// Peer: ConvNetJS (npm "convnetjs") training the tutorial model on MNIST, run
// by run.mjs in its own Node process:  node peer_convnetjs.mjs [--quick]
// Same layers as advlab's "tutorial". The optimizer differs: the npm release
// (0.3.0) has no Adam (its Trainer knows sgd, adagrad, windowgrad, adadelta),
// so it uses SGD with momentum 0.9, lr 0.01, batch 64. ConvNetJS trains one
// image at a time (forward + backward per image, update every batch_size
// images) in Float64Array; that is how it is meant to be used.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import convnetjs from 'convnetjs';

import { benchDir, emit, errorText, gather, measure, readMnist, shuffled, stageOptions, TUTORIAL } from './lib.mjs';

const { quick } = stageOptions();
const plan = quick
  ? { warmup: 2, batches: 3, repeats: 3, inferImages: 256, inferSeconds: 0.3 }
  : { warmup: 5, batches: 10, repeats: 5, inferImages: 256, inferSeconds: 1.0 };
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

async function main() {
  const out = {
    engine: `ConvNetJS ${version} in Node ${process.versions.node}`, version,
    plan, optimizer: `sgd momentum 0.9 (npm convnetjs ${version} has no Adam)`, lr: TUTORIAL.lr,
  };
  const net = new convnetjs.Net();
  net.makeLayers(LAYERS.map((l) => ({ ...l })));
  const trainer = new convnetjs.Trainer(net, {
    method: 'sgd', learning_rate: TUTORIAL.lr, momentum: 0.9, batch_size: TUTORIAL.batch, l2_decay: 0,
  });
  const train = readMnist('train');
  const order = shuffled(train.count, 1);
  const { batch } = TUTORIAL;
  let next = 0;
  let loss = 0;
  const trainBatch = () => {
    const { vols, y } = volumes(train, order, next, batch);
    next += batch;
    loss = 0;
    for (let i = 0; i < batch; i++) loss += trainer.train(vols[i], y[i]).loss;
    loss /= batch;
    return batch;
  };
  try {
    for (let i = 0; i < plan.warmup; i++) trainBatch();
    const r = await measure({ repeats: plan.repeats, minSteps: plan.batches, step: trainBatch });
    out.train = { status: 'ok', ...r, batch, warmup_batches: plan.warmup, timed_batches: r.steps, last_loss: loss };
  } catch (e) {
    out.train = { status: 'failed', error: errorText(e) };
  }
  try {
    const test = readMnist('test');
    const ident = Int32Array.from({ length: test.count }, (_, i) => i);
    const { vols } = volumes(test, ident, 0, plan.inferImages);
    const predict = () => { for (const v of vols) net.forward(v, false); return vols.length; };
    for (let w = 0; w < 3; w++) predict();
    const r = await measure({ repeats: plan.repeats, seconds: plan.inferSeconds, step: predict });
    out.infer = { status: 'ok', ...r, images_per_call: vols.length, timed_calls: r.steps };
  } catch (e) {
    out.infer = { status: 'failed', error: errorText(e) };
  }
  emit(out);
}

main().catch((e) => {
  emit({ engine: 'ConvNetJS', error: errorText(e) });
  process.exitCode = 1;
});
