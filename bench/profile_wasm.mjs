// A fixed WASM workload for profilers, as advlab_profile (profile_native.c) is
// for the native build: 20 warm-up training batches, then REPEATS units of one
// stage. On this shared machine clocks swing by 20% or more, so kernel changes
// are compared by the instructions V8's code executes, counted by callgrind:
//
//   valgrind --tool=callgrind --smc-check=all node --no-liftoff bench/profile_wasm.mjs train 4
//
// (--no-liftoff compiles every function with the optimising tier at once, so
// the count does not depend on when V8 tiers up.) The count of REPEATS 0 is
// the set-up; subtract it. Units: train 10 batches of 64, fgsm one call on 256
// test images (labels = predictions), infer one predict of 256. A third argument names the arch
// (tutorial; madry for the wide kernels), and a fourth the training's shards (1; the page trains
// in 8, each a node of the gradient tree). Never a test.
import { createLab } from '../web/advlab.js';
import { readMnist } from './lib.mjs';

const [stage = 'train', reps = '4', arch = 'tutorial', shardArg = '1'] = process.argv.slice(2);
const repeats = Number(reps);
const shards = Number(shardArg);
const lab = await createLab();
const trainSet = readMnist('train');
const test = readMnist('test');
const images = Float32Array.from(test.pixels.subarray(0, 256 * test.size), (v) => v / 255);
const data = lab.loadDataset(trainSet.images, trainSet.labels, trainSet.name);
const net = lab.createNet({ arch, maxBatch: 256, seed: 1 });
const trainer = net.trainer(data, { optimizer: 'adam', lr: 0.01, batch: 64, epochs: 100, shards });
trainer.run(20);
net.input.set(images);

const stages = {
  train: () => { trainer.run(10); return 640; },
  fgsm: (() => {
    let attack;
    return () => {
      attack ??= lab.createAttack(net, { name: 'fgsm', eps: 0.2 });
      attack.run(images);
      return 256;
    };
  })(),
  infer: () => { net.predict(256); return 256; },
};
if (!stages[stage]) throw new Error(`unknown stage ${stage} (train, fgsm, infer)`);
const t0 = performance.now();
let done = 0;
for (let i = 0; i < repeats; i++) done += stages[stage]();
const seconds = (performance.now() - t0) / 1000;
console.log(`${stage}: ${done} images in ${seconds.toFixed(2)} s`);
