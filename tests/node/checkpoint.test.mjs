// Checkpoints through the wasm wrapper, as the page's worker takes them: a run
// stopped at an epoch boundary (and mid-epoch, as on pause), saved as weights
// plus Trainer#saveState, freed and resumed in a fresh net finishes with
// bit-identical weights; bad states throw and leave the trainer usable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { bitDiff, loadMnist } from './helpers.mjs';

const CONFIG = { epochs: 3, batch: 64, seed: 11, limit: 640 }; // 10 batches an epoch
const FGSM = { ratio: 0.5, attack: { name: 'fgsm', eps: 0.2 } };

let lab;
let trainSet;
before(async () => {
  lab = await createLab();
  trainSet = loadMnist(lab, 'train');
});
after(() => trainSet.free());

function trainerOf(net, adversarial) {
  return adversarial ? net.adversarialTrainer(trainSet, CONFIG, FGSM)
    : net.trainer(trainSet, CONFIG);
}

function runBatches(trainer, n) {
  for (let i = 0; i < n && !trainer.finished; i++) trainer.run(1);
}

function uninterrupted(adversarial) {
  const net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 1 });
  const trainer = trainerOf(net, adversarial);
  runBatches(trainer, Infinity);
  trainer.free();
  return net;
}

// Stops after `stop` batches, keeps only the checkpoint's bytes, resumes in a net of another seed.
function resumed(adversarial, stop) {
  let net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 1 });
  let trainer = trainerOf(net, adversarial);
  runBatches(trainer, stop);
  const weights = net.saveWeights();
  const state = trainer.saveState();
  net.free(); // frees the trainer too
  assert.ok(trainer.freed);

  net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 2 });
  net.loadWeights(weights, 'checkpoint.safetensors');
  trainer = trainerOf(net, adversarial);
  trainer.restoreState(state);
  const first = trainer.run(1);
  assert.equal(first.epoch, Math.floor(stop / 10) + 1, 'the epoch the resumed run reports');
  assert.equal(first.batchInEpoch, (stop % 10) + 1, 'the batch the resumed run reports');
  runBatches(trainer, Infinity);
  trainer.free();
  return net;
}

for (const adversarial of [false, true]) {
  const what = adversarial ? 'adversarial training (FGSM, ratio 0.5)' : 'clean training';
  test(`${what}: resumed from a checkpoint, the weights are bit-identical`, () => {
    const whole = uninterrupted(adversarial);
    for (const stop of [10, 14, 20]) {
      const net = resumed(adversarial, stop);
      assert.deepEqual(bitDiff(net.params(), whole.params()), { count: 0, first: -1 },
        `resumed after ${stop} batches`);
      net.free();
    }
    whole.free();
  });
}

test('a bad state throws a clear Error and the trainer carries on as before', () => {
  const whole = uninterrupted(false);
  const net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 1 });
  const trainer = trainerOf(net, false);
  runBatches(trainer, 14);
  const state = trainer.saveState();
  const withNaN = state.slice();
  new Float32Array(withNaN.buffer, withNaN.length - 4, 1)[0] = NaN; // the last v
  const small = lab.createNet({ arch: 'c4k5-p2-d10', maxBatch: 64, seed: 1 });
  const other = small.trainer(trainSet, CONFIG);
  const cases = [
    [state.subarray(0, state.length - 8), 'ADVLAB_E_FORMAT', /trainer state: \d+ bytes, expected/],
    [new Uint8Array(16), 'ADVLAB_E_FORMAT', /too short for its \d+-byte header/],
    [withNaN, 'ADVLAB_E_NUMERIC', /optimizer moment v\[\d+\] is nan/],
    [other.saveState(), 'ADVLAB_E_ARG',
      /saved for arch "c4k5-p2-d10", this trainer trains "c4k5-p2-c10k5-p2-d100-d10"/],
  ];
  small.free();
  for (const [bytes, code, message] of cases) {
    assert.throws(() => trainer.restoreState(bytes), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    });
  }
  runBatches(trainer, Infinity);
  assert.equal(bitDiff(net.params(), whole.params()).count, 0,
    'after the refused states the run no longer matches the uninterrupted one');
  net.free();
  whole.free();
});
