// The defences through advlab.js: pre-processors, post-processors, detectors,
// adversarial training, and the adaptive (BPDA) attack on a pre-processor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import {
  argmaxRows, assertAdvlabError, bitDiff, images, loadMnist, trainSmallNet,
} from './helpers.mjs';

const SIZE = 784;

let lab;
let trainSet;
let testSet;
let net;
before(async () => {
  lab = await createLab();
  trainSet = loadMnist(lab, 'train');
  testSet = loadMnist(lab, 'test');
  net = await trainSmallNet(lab, trainSet);
});
after(() => {
  net.free();
  trainSet.free();
  testSet.free();
});

/** Applies a pre-processor made from config once and frees it. */
function preprocess(config, x) {
  const pre = lab.createPreprocessor(config);
  try {
    return pre.apply(x);
  } finally {
    pre.free();
  }
}

function meanAbsDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe('pre-processors', () => {
  test('squeezing to 1 bit gives a binary image, thresholded at 0.5', () => {
    const { x } = images(testSet, 0, 8);
    const out = preprocess({ name: 'squeeze', bit_depth: 1 }, x);
    assert.equal(out.length, x.length);
    for (let i = 0; i < x.length; i++) {
      assert.ok(out[i] === 0 || out[i] === 1, `pixel ${i} is ${out[i]}`);
      if (x[i] < 0.49) assert.equal(out[i], 0, `pixel ${i}: ${x[i]}`);
      if (x[i] > 0.51) assert.equal(out[i], 1, `pixel ${i}: ${x[i]}`);
    }
    assert.ok(out.some((v) => v === 1) && out.some((v) => v === 0));
  });

  test('median, jpeg and noise run, keep the shape and stay in [0,1]', () => {
    const { x } = images(testSet, 0, 4);
    for (const config of [{ name: 'median', window: 3 }, { name: 'jpeg', quality: 50 },
      { name: 'noise', sigma: 0.1, seed: 5 }]) {
      const out = preprocess(config, x);
      assert.equal(out.length, x.length, config.name);
      assert.ok(out.every((v) => v >= 0 && v <= 1), `${config.name} leaves [0,1]`);
      const d = meanAbsDiff(out, x);
      assert.ok(d > 0 && d < 0.15, `${config.name}: mean change ${d}`);
    }
  });

  test('median of a constant image is that image; noise follows its seed; sigma 0 is identity',
    () => {
      const flat = new Float32Array(2 * SIZE).fill(0.25);
      assert.equal(bitDiff(preprocess({ name: 'median', window: 3 }, flat), flat).count, 0);
      const { x } = images(testSet, 0, 2);
      const a = preprocess({ name: 'noise', sigma: 0.2, seed: 9 }, x);
      const b = preprocess({ name: 'noise', sigma: 0.2, seed: 9 }, x);
      const c = preprocess({ name: 'noise', sigma: 0.2, seed: 10 }, x);
      assert.equal(bitDiff(a, b).count, 0);
      assert.ok(bitDiff(a, c).count > 0);
      assert.equal(bitDiff(preprocess({ name: 'noise', sigma: 0 }, x), x).count, 0);
    });

  test('bad settings throw the C message', () => {
    assertAdvlabError(() => lab.createPreprocessor({ name: 'median', window: 0 }), 'ADVLAB_E_ARG',
      /pre-processor median: window 0 is out of range 1\.\.28/);
    assertAdvlabError(() => lab.createPreprocessor({ name: 'jpeg', quality: 101 }),
      'ADVLAB_E_ARG', /pre-processor jpeg: quality 101 is out of range 1\.\.100/);
    assertAdvlabError(() => lab.createPreprocessor({ name: 'squeeze', bitDepth: 9 }),
      'ADVLAB_E_ARG', /bit_depth 9/);
    assertAdvlabError(() => lab.createPreprocessor({ name: 'blur' }), 'ADVLAB_E_ARG',
      /pre-processor "blur" is unknown/);
    assertAdvlabError(() => lab.createPreprocessor({ name: 'median', quality: 5 }),
      'ADVLAB_E_ARG', /pre-processor median: .*"quality"/);
    const pre = lab.createPreprocessor({ name: 'median', window: 3 });
    try {
      const x = new Float32Array(SIZE).fill(0.5);
      x[3] = Infinity;
      assertAdvlabError(() => pre.apply(x), 'ADVLAB_E_NUMERIC', /pixel 3 is infinite/);
      assert.throws(() => pre.apply(x.subarray(1)), /not a whole number of images/);
    } finally {
      pre.free();
    }
  });
});

describe('post-processors', () => {
  const probs = Float32Array.of(
    0.12, 0.71, 0.17,
    0.52, 0.21, 0.27,
    0.04, 0.14, 0.82,
  );

  test('class_labels is the one-hot of each row\'s argmax', () => {
    const out = lab.postprocess({ name: 'class_labels' }, probs, 3);
    assert.deepEqual(Array.from(out), [0, 1, 0, 1, 0, 0, 0, 0, 1]);
  });

  test('rounded and high_confidence act on each value', () => {
    const rounded = lab.postprocess({ name: 'rounded', decimals: 1 }, probs, 3);
    const expected = [0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0, 0.1, 0.8];
    rounded.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${i}: ${v}`));
    const high = lab.postprocess({ name: 'high_confidence', cutoff: 0.25 }, probs, 3);
    assert.deepEqual(Array.from(high).map((v, i) => (v === 0 ? 0 : probs[i])),
      Array.from(probs).map((v) => (v < 0.25 ? 0 : v)));
    const rs = lab.postprocess({ name: 'reverse_sigmoid' }, probs, 3);
    assert.equal(rs.length, 9);
    assert.ok(rs.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
  });

  test('bad settings and shapes throw', () => {
    assertAdvlabError(() => lab.postprocess({ name: 'rounded', decimals: 12 }, probs, 3),
      'ADVLAB_E_ARG', /decimals 12/);
    assertAdvlabError(() => lab.postprocess({ name: 'class_labels', beta: 1 }, probs, 3),
      'ADVLAB_E_ARG', /post-processor class_labels: .*"beta"/);
    assert.throws(() => lab.postprocess({ name: 'class_labels' }, probs, 4),
      /not a whole number/);
  });
});

describe('detectors', () => {
  test('the squeeze detector calibrates to its FPR and flags FGSM images more often', () => {
    const clean = images(testSet, 0, 256);
    const fgsm = lab.createAttack(net, { name: 'fgsm', eps: 0.2 });
    const det = lab.squeezeDetector(net, { bitDepth: 1, window: 2 });
    try {
      const adv = fgsm.run(clean.x, { labels: clean.labels });
      const threshold = det.calibrate(clean.x, 0.05);
      assert.equal(det.threshold, threshold);
      const cleanFlags = det.detect(clean.x);
      assert.equal(cleanFlags.length, 256);
      const cleanRate = cleanFlags.reduce((a, b) => a + b, 0) / 256;
      const advRate = det.detect(adv).reduce((a, b) => a + b, 0) / 256;
      assert.ok(cleanRate <= 0.05, `clean flagged ${cleanRate}`);
      assert.ok(advRate > cleanRate + 0.2, `adversarial flagged ${advRate}, clean ${cleanRate}`);
      const scores = det.score(adv);
      const flags = det.detect(adv);
      for (let i = 0; i < 256; i++) assert.equal(flags[i], scores[i] > threshold ? 1 : 0);
      det.threshold = 1e9;
      assert.equal(det.detect(adv).reduce((a, b) => a + b, 0), 0);
      assertAdvlabError(() => { det.threshold = NaN; }, 'ADVLAB_E_ARG', /threshold is NaN/);
      assertAdvlabError(() => det.calibrate(clean.x, 1.5), 'ADVLAB_E_ARG', /fpr 1\.5/);
      assertAdvlabError(() => det.train(clean.x, adv, { epochs: 1 }), 'ADVLAB_E_ARG',
        /only the binary detector trains/);
    } finally {
      fgsm.free();
      det.free();
    }
    assertAdvlabError(() => lab.squeezeDetector(net, { bitDepth: 0, window: 0 }), 'ADVLAB_E_ARG',
      /both 0/);
  });

  test('a trained binary detector scores adversarial images above clean ones', () => {
    const clean = images(testSet, 0, 256);
    const fgsm = lab.createAttack(net, { name: 'fgsm', eps: 0.3 });
    const detNet = lab.createNet({ arch: 'c4k5-p2-c10k5-p2-d100-d2', maxBatch: 64, seed: 3 });
    const det = lab.binaryDetector(detNet);
    try {
      const adv = fgsm.run(clean.x, { labels: clean.labels });
      assert.equal(det.threshold, 0.5);
      det.train(clean.x, adv, { epochs: 3, batch: 32, seed: 3 });
      const held = images(testSet, 1000, 128);
      const heldAdv = fgsm.run(held.x, { labels: held.labels });
      const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
      const sClean = mean(det.score(held.x));
      const sAdv = mean(det.score(heldAdv));
      assert.ok(sAdv > sClean + 0.3, `mean score adversarial ${sAdv}, clean ${sClean}`);
      assert.throws(() => det.train(clean.x, adv.subarray(SIZE), {}), /adversarial images/);
      detNet.free();
      assert.equal(det.freed, true, 'freeing the detector net frees the detector');
    } finally {
      fgsm.free();
      det.free();
      detNet.free();
    }
  });
});

describe('adversarial training', () => {
  const CONFIG = { epochs: 1, batch: 64, lr: 0.01, seed: 5, limit: 512 };

  test('ratio 0 is plain training bit for bit; ratio 0.5 is not', async () => {
    const plain = lab.createNet({ seed: 5 });
    const zero = lab.createNet({ seed: 5 });
    const half = lab.createNet({ seed: 5 });
    try {
      await plain.train(trainSet, CONFIG);
      const last = await zero.trainAdversarial(trainSet, CONFIG,
        { ratio: 0, attack: { name: 'fgsm', eps: 0.2 } }, { chunk: 3 });
      assert.equal(last.epochDone, true);
      const d = bitDiff(plain.params(), zero.params());
      assert.equal(d.count, 0, `${d.count} parameters differ, first at ${d.first}`);
      await half.trainAdversarial(trainSet, CONFIG, { ratio: 0.5 });
      assert.ok(bitDiff(plain.params(), half.params()).count > 0);
    } finally {
      plain.free();
      zero.free();
      half.free();
    }
  });

  test('PGD training and static nets run; static nets are borrowed', () => {
    const student = lab.createNet({ seed: 6 });
    const teacher = lab.createNet({ seed: 8 });
    try {
      const t = student.adversarialTrainer(trainSet, { ...CONFIG, limit: 128 }, {
        ratio: 1, attack: { name: 'pgd', eps: 0.3, eps_step: 0.1, max_iter: 3 },
        staticNets: [teacher],
      });
      const before = student.params().slice();
      const p = t.run(2);
      assert.equal(p.batchInEpoch, 2);
      assert.ok(bitDiff(before, student.params()).count > 0);
      teacher.free();
      assert.equal(t.freed, true, 'freeing a static net frees the trainer');
    } finally {
      student.free();
      teacher.free();
    }
  });

  test('bad settings throw', () => {
    assertAdvlabError(() => net.adversarialTrainer(trainSet, CONFIG, { ratio: 1.5 }),
      'ADVLAB_E_ARG', /ratio 1\.5 is out of range 0\.\.1/);
    assertAdvlabError(() => net.adversarialTrainer(trainSet, CONFIG,
      { attack: { name: 'pgd', targeted: true } }), 'ADVLAB_E_ARG', /targeted/);
    assertAdvlabError(() => net.adversarialTrainer(trainSet, CONFIG,
      { attack: { name: 'fgsm', eps: -1 } }), 'ADVLAB_E_ARG', /eps -1/);
    assert.throws(() => net.adversarialTrainer(trainSet, CONFIG, { rato: 0.5 }),
      /unknown option 'rato'/);
    assertAdvlabError(() => net.adversarialTrainer(trainSet, { batch: 0 }, {}), 'ADVLAB_E_ARG',
      /batch 0/);
  });
});

describe('BPDA against a pre-processor defence', () => {
  test('FGSM through squeezing steps along the gradient at the squeezed image', () => {
    const n = 64;
    const eps = Math.fround(0.2);
    const { x } = images(testSet, 0, n);
    const squeeze = lab.createPreprocessor({ name: 'squeeze', bit_depth: 1 });
    const bpda = lab.createAttack(net, { name: 'fgsm', eps: 0.2 });
    try {
      bpda.setDefence(squeeze);
      assert.equal(bpda.defence, squeeze);
      // Labels from the defended model's predictions, gradient at squeeze(x), step from x.
      const squeezed = squeeze.apply(x);
      net.input.set(squeezed);
      net.predict(n);
      net.labels.set(argmaxRows(net.probs, n, net.classes));
      net.inputGradient(n);
      const g = net.grad;
      const expected = new Float32Array(n * SIZE);
      for (let i = 0; i < expected.length; i++) {
        const step = Math.fround(eps * Math.sign(g[i]));
        expected[i] = Math.min(1, Math.max(0, Math.fround(x[i] + step)));
      }
      const xAdv = bpda.run(x);
      const d = bitDiff(xAdv, expected);
      assert.equal(d.count, 0, `${d.count} pixels differ, first at ${d.first}`);
      bpda.setDefence(null);
      assert.equal(bpda.defence, null);
      assert.ok(bitDiff(bpda.run(x), xAdv).count > 0, 'the plain attack differs');
      bpda.setDefence(squeeze);
      squeeze.free();
      assert.equal(bpda.freed, true, 'freeing the defence frees the attack using it');
    } finally {
      bpda.free();
      squeeze.free();
    }
  });

  test('the naive attack, differentiating through squeezing, is masked: it changes nothing', () => {
    const { x, labels } = images(testSet, 0, 64);
    const squeeze = lab.createPreprocessor({ name: 'squeeze', bit_depth: 1 });
    const naive = lab.createAttack(net, { name: 'pgd', eps: 0.3, eps_step: 0.05, max_iter: 10 });
    try {
      naive.setDefence(squeeze, { gradient: 'exact' });
      const xAdv = naive.run(x, { labels });
      assert.equal(bitDiff(xAdv, x).count, 0, 'a zero gradient moves no pixel (sign(0) = 0)');
      assert.throws(() => naive.setDefence(squeeze, { gradient: 'straight' }), /neither bpda nor exact/);
    } finally {
      naive.free();
      squeeze.free();
    }
  });

  test('adaptive PGD beats PGD made on the bare model, measured behind the defence', () => {
    const { x, labels } = images(testSet, 0, 128);
    const config = { name: 'pgd', eps: 0.5, eps_step: 0.05, max_iter: 20 };
    const squeeze = lab.createPreprocessor({ name: 'squeeze', bit_depth: 1 });
    const plain = lab.createAttack(net, config);
    const bpda = lab.createAttack(net, config);
    try {
      bpda.setDefence(squeeze);
      const defence = { defence: squeeze };
      const mPlain = lab.attackMetrics(net, x, plain.run(x, { labels }), labels, defence);
      const mBpda = lab.attackMetrics(net, x, bpda.run(x, { labels }), labels, defence);
      assert.ok(mPlain.cleanAccuracy > 0.7, `clean behind squeezing ${mPlain.cleanAccuracy}`);
      assert.ok(mBpda.advAccuracy < mPlain.advAccuracy,
        `behind squeezing: plain PGD ${mPlain.advAccuracy}, BPDA ${mBpda.advAccuracy}`);
      assert.ok(mBpda.advAccuracy < 0.1, `BPDA leaves ${mBpda.advAccuracy}`);
    } finally {
      plain.free();
      bpda.free();
      squeeze.free();
    }
  });
});
