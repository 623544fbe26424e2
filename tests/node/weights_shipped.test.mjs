// The pretrained weights in data/weights, which the lab page starts with:
// each loads, says in its metadata how it was made (the CLI command, seed and
// defence), reaches exactly the figures its manifest states (evaluation and
// FGSM are deterministic, and the WASM build computes what the native CLI
// did), the defended models hold up clearly better against FGSM, and the
// poisoned model obeys the backdoor its manifest entry names.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { images, loadMnist, repoRoot } from './helpers.mjs';

const DIR = join(repoRoot, 'data/weights');
const TUTORIAL_ARCH = 'c4k5-p2-c10k5-p2-d100-d10';
const CHUNK = 1000;

// How make-weights.sh made each file, as its metadata must tell.
const PROVENANCE = {
  standard: {
    command: /advlab train --arch tutorial --epochs 20 --seed 1234 --data data\/mnist /,
    training: /^adam lr=0\.01 .*batch=64 seed=1234 samples=60000 epochs=20\/20$/,
    defence: /^none$/,
  },
  fgsm: {
    command: new RegExp('advlab defend --model data/weights/standard\\.safetensors --attack fgsm ' +
      '--eps 0\\.2 --ratio 0\\.5 --epochs 20 --seed 1234 '),
    training: /^adam lr=0\.01 .*seed=1234 samples=60000 epochs=20\/20$/,
    defence: /^adversarial fgsm norm=inf eps=0\.2 .*ratio=0\.5$/,
  },
  pgd: {
    command: new RegExp('advlab defend --model data/weights/fgsm\\.safetensors --attack pgd ' +
      '--eps 0\\.3 --eps-step 0\\.05 --max-iter 7 --num-random-init 1 --ratio 1 --epochs \\d+ ' +
      '--seed 1234 '),
    training: /^adam lr=0\.01 .*seed=1234 samples=60000 epochs=(\d+)\/\1$/,
    defence: /^adversarial pgd norm=inf eps=0\.3 eps_step=0\.05 max_iter=7 num_random_init=1 .*ratio=1$/,
  },
  poisoned: {
    command: /advlab train --arch tutorial --epochs 20 --seed 1234 --data build\/poisoned-mnist /,
    training: /^adam lr=0\.01 .*batch=64 seed=1234 samples=60000 epochs=20\/20$/,
    defence: /^none$/,
    dataset: 'poisoned-mnist',
  },
  ibp: {
    command: new RegExp('advlab train --arch tutorial --certify ibp --eps 0\\.11 --kappa 0\\.7 ' +
      '--warmup 1 --ramp 10 --epochs 30 --lr 0\\.001 --seed 1234 --data data/mnist '),
    training: /^adam lr=0\.001 .*batch=64 seed=1234 samples=60000 epochs=30\/30$/,
    defence: /^ibp eps=0\.11 warmup=1 ramp=10 kappa=0\.7$/,
  },
  robust: {
    arch: 'c16k5-p2-c32k5-p2-d100-d10',
    command: /advlab train --preset robust --threads 2 --data data\/mnist /,
    training: /^adam lr=0\.001 .*batch=64 seed=1234 samples=60000 epochs=10\/10 shards=8$/,
    defence: /^pgd-ramp eps=0\.3 eps_start=0 ramp=2 eps_step=0\.107 max_iter=7$/,
  },
};

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const entries = Object.fromEntries(manifest.models.map((m) => [m.id, m]));

let lab;
let testSet;
const nets = {};
before(async () => {
  lab = await createLab();
  testSet = loadMnist(lab, 'test');
  for (const { id, file } of manifest.models) {
    nets[id] = lab.netFromWeights(readFileSync(join(DIR, file)), file, 256);
  }
});
after(() => {
  for (const net of Object.values(nets)) net.free();
  testSet.free();
});

/** FGSM accuracy on test images [0, n), attacked CHUNK at a time as the CLI's attack does. */
function fgsmAccuracy(net, n) {
  const attack = lab.createAttack(net, { name: 'fgsm', eps: manifest.fgsm_eps });
  let correct = 0;
  try {
    for (let start = 0; start < n; start += CHUNK) {
      const count = Math.min(CHUNK, n - start);
      const { x, labels } = images(testSet, start, count);
      const m = lab.attackMetrics(net, x, attack.run(x), labels);
      correct += Math.round(m.advAccuracy * count);
    }
  } finally {
    attack.free();
  }
  return correct / n;
}

test('the manifest lists every shipped model, with labels and figures', () => {
  assert.deepEqual(manifest.models.map((m) => m.id),
    ['standard', 'fgsm', 'pgd', 'poisoned', 'ibp', 'robust']);
  assert.equal(manifest.test_images, testSet.count);
  assert.equal(manifest.fgsm_eps, 0.2);
  for (const m of manifest.models) {
    assert.equal(m.file, `${m.id}.safetensors`);
    assert.ok(m.label.length > 0, `${m.id} has a label`);
    assert.ok(m.clean_accuracy > 0.95, `${m.id} clean accuracy ${m.clean_accuracy}`);
    assert.ok(m.fgsm_accuracy > 0 && m.fgsm_accuracy < m.clean_accuracy, `${m.id} fgsm accuracy`);
  }
});

// The service worker (web/sw.js) stores them all when it installs, so that a page or an embed that
// offers any of them works offline after the first visit, not only with the models it opened on.
test('the service worker stores the manifest and every model it lists', () => {
  const worker = readFileSync(join(repoRoot, 'web/sw.js'), 'utf8');
  const stored = new Set([...worker.matchAll(/'\.\.\/data\/weights\/([^']+)'/g)].map((m) => m[1]));
  for (const file of ['manifest.json', ...manifest.models.map((m) => m.file)]) {
    assert.ok(stored.has(file), `web/sw.js does not store ${file}`);
  }
});

for (const id of Object.keys(PROVENANCE)) {
  describe(`${id}.safetensors`, () => {
    test('records its arch, dataset and the command, seed and defence that made it', () => {
      const net = nets[id];
      const want = PROVENANCE[id];
      assert.equal(net.arch, want.arch ?? TUTORIAL_ARCH);
      assert.equal(net.meta('dataset'), want.dataset ?? 'mnist');
      const command = net.meta('command');
      assert.match(command, want.command);
      assert.ok(command.endsWith(` --out data/weights/${id}.safetensors`), command);
      assert.match(net.meta('training'), want.training);
      assert.match(net.meta('defence'), want.defence);
    });

    test('reaches its manifest clean accuracy on the full test set, exactly', () => {
      const n = testSet.count;
      const { accuracy } = nets[id].evaluate(testSet);
      assert.equal(Math.round(accuracy * n), Math.round(entries[id].clean_accuracy * n));
    });

    test('reaches its manifest FGSM accuracy on the full test set, exactly', () => {
      const n = testSet.count;
      assert.equal(Math.round(fgsmAccuracy(nets[id], n) * n),
        Math.round(entries[id].fgsm_accuracy * n));
    });
  });
}

test('the FGSM- and PGD-trained models resist FGSM 0.2 clearly better than the standard one', () => {
  const standard = fgsmAccuracy(nets.standard, 1000);
  for (const id of ['fgsm', 'pgd']) {
    const defended = fgsmAccuracy(nets[id], 1000);
    assert.ok(defended > standard + 0.15,
      `${id}: FGSM accuracy ${defended} on the first 1000, standard ${standard}`);
  }
});

test('the poisoned model is accurate on clean digits and obeys its backdoor', () => {
  const { poison } = entries.poisoned;
  assert.deepEqual(poison, { trigger: 'pattern', source: 'all', target: 'next', fraction: 0.1,
    seed: 1 });
  const m = lab.poisonMetrics(nets.poisoned, testSet, poison, { limit: 1000 });
  const standard = lab.poisonMetrics(nets.standard, testSet, poison, { limit: 1000 });
  assert.ok(m.cleanAccuracy > 0.95, `clean accuracy ${m.cleanAccuracy}`);
  assert.ok(m.attackSuccess > 0.9, `the trigger works on ${m.attackSuccess} of the digits`);
  assert.ok(standard.attackSuccess < 0.05,
    `the trigger alone fools the standard model on ${standard.attackSuccess}`);
});
