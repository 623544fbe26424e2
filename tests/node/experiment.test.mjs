// The tutorial experiment from JavaScript on an MNIST subset: the report has
// every measurement and the directions the tutorial shows, progress reaches 1,
// the returned nets are the experiment's models, and the native CLI run with
// the same settings gives the same report (bit-identical numerics).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');

const SETTINGS = {
  train_limit: 4000, test_limit: 500, epochs: 2, adv_epochs: 2, pgd_limit: 100, pgd_iter: 10,
  pgd_eps_step: 0.05,
  curve: 1, defences: 1, seed: 1234,
};

const MEASUREMENTS = [
  'train', 'clean_standard', 'fgsm_standard', 'adv_train', 'transfer_defended', 'clean_defended',
  'fgsm_defended', 'pgd_standard', 'pgd_defended', 'empirical_robustness_standard',
  'empirical_robustness_defended',
  ...['squeeze', 'median', 'jpeg'].flatMap((d) => ['clean', 'fgsm_plain', 'pgd_naive', 'pgd_plain',
    'pgd_bpda'].map((row) => `${d}_${row}`)),
  'detector',
];

let lab;
let trainSet;
let testSet;
let report;
const progress = [];
before(async () => {
  lab = await createLab();
  trainSet = loadMnist(lab, 'train');
  testSet = loadMnist(lab, 'test');
  // camelCase keys reach C as their snake_case names.
  const { train_limit: trainLimit, ...rest } = SETTINGS;
  report = await lab.experiment(trainSet, testSet, { arch: 'tutorial', trainLimit, ...rest },
    { onProgress: (p) => progress.push(p), chunk: 8 });
});
after(() => {
  report?.nets.standard.free();
  report?.nets.defended.free();
  trainSet.free();
  testSet.free();
});

/** The measurement called name. */
function value(name) {
  const m = report.measurements.find((x) => x.name === name);
  assert.ok(m, `no measurement ${name}`);
  return m.value;
}

test('the report has every measurement, each with a value and a count', () => {
  const names = report.measurements.map((m) => m.name);
  for (const name of MEASUREMENTS) assert.ok(names.includes(name), `missing ${name}`);
  for (const m of report.measurements) {
    assert.ok(Number.isFinite(m.value), `${m.name}: value ${m.value}`);
    assert.ok(m.n >= 0 && typeof m.label === 'string' && m.label.length > 0, m.name);
  }
  assert.equal(report.settings.train_images, 4000);
  assert.equal(report.settings.test_images, 500);
  assert.equal(report.settings.pgd_images, 100);
  assert.equal(report.arch, 'c4k5-p2-c10k5-p2-d100-d10');
  assert.deepEqual(report.curve.eps, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
  assert.ok(report.per_class.clean_standard.accuracy.length === 10);
});

test('the measurements go the way the tutorial shows', () => {
  const clean = value('clean_standard');
  const fgsm = value('fgsm_standard');
  assert.ok(clean > 0.85, `clean accuracy ${clean}`);
  assert.ok(fgsm < clean - 0.3, `FGSM on the standard model: ${clean} -> ${fgsm}`);
  assert.ok(value('fgsm_defended') > fgsm,
    `fresh FGSM: defended ${value('fgsm_defended')}, standard ${fgsm}`);
  assert.ok(value('transfer_defended') > fgsm + 0.2,
    `transfer ${value('transfer_defended')}, standard under FGSM ${fgsm}`);
  assert.ok(value('pgd_defended') > value('pgd_standard'));
  for (const model of ['standard', 'defended']) {
    const curve = report.curve[model];
    assert.equal(curve.length, 7);
    assert.ok(curve[0] > curve[6], `${model} curve ${curve}`);
  }
  // eps 0 FGSM changes nothing: the curve starts at clean accuracy.
  assert.equal(report.curve.standard[0], clean);
});

test('gradient masking: JPEG fools the naive attack but not the adaptive one', () => {
  const naive = value('jpeg_pgd_naive');
  const bpda = value('jpeg_pgd_bpda');
  assert.ok(naive > value('pgd_standard') + 0.3, `naive PGD through JPEG leaves ${naive}`);
  assert.ok(bpda < naive - 0.3, `adaptive PGD through JPEG: ${bpda}, naive ${naive}`);
  assert.ok(value('squeeze_pgd_naive') >= value('squeeze_pgd_bpda'));
});

test('onProgress rose to 1 through every stage', () => {
  assert.ok(progress.length > 10, `${progress.length} progress reports`);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].fraction >= progress[i - 1].fraction,
      `fraction fell at report ${i}: ${progress[i - 1].fraction} -> ${progress[i].fraction}`);
  }
  assert.ok(progress[0].fraction > 0 && progress[0].fraction < 0.1);
  assert.equal(progress.at(-1).fraction, 1);
  const first = progress[0];
  assert.equal(first.stageName, 'train');
  assert.equal(first.stage, 0);
  assert.equal(first.epochs, 2);
  assert.ok(first.loss > 0 && first.done === 8 && first.total === 2 * Math.ceil(4000 / 64));
  const stages = new Set(progress.map((p) => p.stageName));
  for (const name of MEASUREMENTS) assert.ok(stages.has(name), `no progress in stage ${name}`);
  assert.equal(progress.at(-1).stage, progress.at(-1).stages - 1);
});

test('the returned nets are copies of the two models', () => {
  const { standard, defended } = report.nets;
  assert.equal(standard.evaluate(testSet, 500).accuracy, value('clean_standard'));
  assert.equal(defended.evaluate(testSet, 500).accuracy, value('clean_defended'));
  assert.equal(standard.arch, report.arch);
});

test('bad settings throw the C message; an abort rejects with its reason', async () => {
  await assert.rejects(lab.experiment(trainSet, testSet, { epoch: 1 }),
    (err) => err.code === 'ADVLAB_E_ARG' && /experiment: unknown key "epoch"; valid keys: seed, train_limit/.test(err.message));
  await assert.rejects(lab.experiment(trainSet, testSet, { epochs: 0 }),
    (err) => err.code === 'ADVLAB_E_ARG' && /epochs 0/.test(err.message));
  await assert.rejects(lab.experiment(trainSet, testSet, { arch: 'x9' }),
    (err) => err.code === 'ADVLAB_E_ARG');
  const controller = new AbortController();
  const reason = new Error('stopped by the test');
  let calls = 0;
  await assert.rejects(lab.experiment(trainSet, testSet, { train_limit: 256, test_limit: 64 }, {
    chunk: 1,
    onProgress: () => {
      calls++;
      controller.abort(reason);
    },
    signal: controller.signal,
  }), (err) => err === reason);
  assert.equal(calls, 1);
  assert.equal(trainSet.freed, false);
});

/** A report without its timings, which are the one thing allowed to differ. */
function withoutSeconds(r) {
  return JSON.parse(JSON.stringify(r, (key, v) => (key === 'seconds' || key === 'nets'
    ? undefined : v)));
}

test('the native CLI gives the same report', () => {
  assert.ok(existsSync(native), `native CLI not found at ${native}: build build/native or set ` +
    'ADVLAB_NATIVE');
  const args = ['experiment', '--data', mnistDir, '--json', '--arch', 'tutorial'];
  for (const [key, v] of Object.entries(SETTINGS)) {
    args.push(`--${key.replace(/_/g, '-')}`, String(v));
  }
  const out = execFileSync(native, args, { cwd: repoRoot, encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  const nativeReport = JSON.parse(out);
  const mine = withoutSeconds(report);
  const theirs = withoutSeconds(nativeReport);
  for (const m of mine.measurements) {
    const other = theirs.measurements.find((x) => x.name === m.name);
    assert.deepEqual(other, m, `measurement ${m.name}`);
  }
  assert.deepEqual(theirs, mine);
});
