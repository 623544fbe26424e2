// Sweeps from JavaScript (issue 18) on a tiny MNIST grid: lab.sweep gives the
// native `advlab sweep --json`'s text bit for bit (timings apart); cells run
// one by one with sweepCell, in any order, and assembled by sweepResults give
// the same; a sweep resumed from a checkpoint too; bad specs throw clear
// messages and leave the lab usable.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');

const SPEC = {
  settings: { trainLimit: 600, testLimit: 100, epochs: 1, adv_epochs: 1, batch: 32, pgdLimit: 20,
    pgdIter: 3 },
  vary: [{ key: 'eps', values: [0.1, 0.3] }],
  seeds: [1, 2],
  measure: ['fgsm_standard', 'fgsm_defended', 'pgd_defended', 'clean_defended'],
};

/** The results text without its timings, the one part that differs between runs. */
function numbers(json) {
  const at = json.indexOf(',"timings":');
  assert.ok(at > 0, `no timings in ${json.slice(0, 200)}`);
  return json.slice(0, at);
}

let lab;
let trainSet;
let testSet;
let straight;
const progress = [];
before(async () => {
  lab = await createLab();
  trainSet = loadMnist(lab, 'train');
  testSet = loadMnist(lab, 'test');
  straight = await lab.sweep(trainSet, testSet, SPEC, { onProgress: (p) => progress.push(p) });
});
after(() => {
  trainSet.free();
  testSet.free();
});

test('the plan: the spec in full and the cells in their order', () => {
  const plan = lab.sweepPlan(SPEC);
  assert.equal(plan.cells, 4);
  assert.equal(plan.points, 2);
  assert.deepEqual(plan.cell_settings, [{ eps: 0.1, seed: 1 }, { eps: 0.1, seed: 2 },
    { eps: 0.3, seed: 1 }, { eps: 0.3, seed: 2 }]);
  assert.equal(plan.spec.settings.train_limit, 600);
  assert.equal(plan.spec.settings.lr, 0.01, 'the settings not given are the defaults');
  assert.ok(plan.work > 0);
  assert.deepEqual(lab.sweepPlan(JSON.stringify(plan)).spec, plan.spec, 'a plan is a spec too');
  const range = lab.sweepPlan({ vary: [{ key: 'eps', range: [0, 0.3, 0.05] }], measure: ['train'] });
  assert.deepEqual(range.spec.vary, [{ key: 'eps', values: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3] }],
    'a range, stop included and without drift');
});

test('the results: every cell, the points over seeds, progress to the end', () => {
  const { results, csv, pointsCsv } = straight;
  assert.equal(results.format, 'advlab-sweep');
  assert.equal(results.engine, lab.version);
  assert.equal(results.cells.length, 4);
  for (const c of results.cells) {
    for (const name of SPEC.measure) assert.ok(c.values[name] >= 0 && c.values[name] <= 1, name);
  }
  const [a, b] = results.cells;
  const mean = (a.values.fgsm_defended + b.values.fgsm_defended) / 2;
  assert.equal(results.points[0].mean.fgsm_defended, mean);
  assert.equal(results.points[0].std.fgsm_defended,
    Math.abs(a.values.fgsm_defended - b.values.fgsm_defended) / Math.SQRT2);
  assert.equal(csv.trim().split('\n').length, 5);
  assert.match(pointsCsv, /^point,eps,seeds,fgsm_standard_mean,fgsm_standard_std,/);
  assert.ok(results.cells[2].values.fgsm_standard < results.cells[0].values.fgsm_standard,
    'FGSM at 0.3 hurts more than at 0.1');
  const last = progress.at(-1);
  assert.equal(last.cellsDone, 4);
  assert.equal(last.fraction, 1);
  assert.ok(progress.some((p) => p.stageName === 'adv_train'));
});

// `advlab sweep --from SPEC --json` on the native CLI: its JSON text.
function nativeSweep(spec) {
  const dir = mkdtempSync(join(tmpdir(), 'advlab-sweep-'));
  try {
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify(spec));
    return execFileSync(native, ['sweep', '--from', file, '--data', mnistDir, '--json'],
      { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('lab.sweep equals the native advlab sweep --json bit for bit', () => {
  assert.ok(existsSync(native), `native CLI not found at ${native}: build build/native or set ` +
    'ADVLAB_NATIVE');
  assert.equal(numbers(nativeSweep(lab.sweepPlan(SPEC).spec)), numbers(straight.json));
});

// The attack family: each cell trains the standard model and attacks it; choices go by name.
const ATTACK_SPEC = {
  family: 'attack',
  settings: { trainLimit: 600, testLimit: 60, epochs: 1, batch: 32, maxIter: 3, epsStep: 0.05,
    bitDepth: 2 },
  vary: [{ key: 'attack', values: ['fgsm', 'pgd'] }, { key: 'defence', values: ['none', 'squeeze'] }],
  measure: ['clean_accuracy', 'robust_accuracy', 'success_rate', 'mean_linf'],
};

test('an attack-family sweep: lab.sweep equals advlab sweep --json bit for bit', async () => {
  const plan = lab.sweepPlan(ATTACK_SPEC);
  assert.equal(plan.spec.family, 'attack');
  assert.equal(plan.spec.settings.norm, 'inf');
  assert.equal(plan.spec.settings.bit_depth, 2);
  assert.deepEqual(plan.cell_settings.map((c) => `${c.attack}/${c.defence}`),
    ['fgsm/none', 'fgsm/squeeze', 'pgd/none', 'pgd/squeeze']);
  const stages = new Set();
  const ours = await lab.sweep(trainSet, testSet, ATTACK_SPEC, { chunk: 2,
    onProgress: (p) => stages.add(p.stageName) });
  // 60 test images are one chunk of the attack, which ends its cell in the call it starts in.
  assert.ok(stages.has('train'), [...stages].join());
  assert.match(ours.csv, /^cell,attack,defence,seed,clean_accuracy,robust_accuracy,/);
  assert.match(ours.csv, /\n3,pgd,squeeze,1234,/);
  const [plain] = ours.results.cells;
  assert.ok(plain.values.robust_accuracy < plain.values.clean_accuracy, 'FGSM hurts');
  assert.equal(numbers(nativeSweep(plan.spec)), numbers(ours.json));
  const cell = await lab.sweepCell(trainSet, testSet, ATTACK_SPEC, 3);
  assert.deepEqual(cell.values, ours.results.cells[3].values, 'a cell alone, as in the sweep');
  assert.throws(() => lab.sweepPlan({ ...ATTACK_SPEC, family: 'steel' }),
    /sweep spec: family "steel" is unknown \(families: experiment, attack, poison, steal\)/);
  assert.throws(() => lab.sweepPlan({ ...ATTACK_SPEC, vary: [{ key: 'attack', values: ['fgsn'] }] }),
    /vary attack: values\[0\]: attack sweep: attack "fgsn" is not one of fgsm, bim/);
  assert.throws(() => lab.sweepPlan({ ...ATTACK_SPEC, measure: ['fgsm_defended'] }),
    /"fgsm_defended" is not a measurement of the attack family/);
});

test('a poison-family sweep: lab.sweep equals advlab sweep --json bit for bit', async () => {
  const spec = { family: 'poison', settings: { trainLimit: 600, testLimit: 100, epochs: 1,
    batch: 32, trigger: 'pixel' }, vary: [{ key: 'fraction', values: [0, 0.3] }],
  measure: ['clean_accuracy', 'attack_success'] };
  const ours = await lab.sweep(trainSet, testSet, spec);
  assert.equal(ours.results.spec.settings.trigger, 'pixel');
  assert.match(ours.csv, /^cell,fraction,seed,clean_accuracy,attack_success\n0,0,1,/);
  assert.equal(numbers(nativeSweep(ours.results.spec)), numbers(ours.json));
});

test('a steal-family sweep over the query budget: lab.sweep equals advlab sweep --json', async () => {
  const spec = { family: 'steal', settings: { trainLimit: 600, testLimit: 100, epochs: 1,
    batch: 32, method: 'knockoff', thiefEpochs: 1 }, vary: [{ key: 'budget', values: [64, 256] }],
  measure: ['thief_accuracy', 'fidelity'] };
  const ours = await lab.sweep(trainSet, testSet, spec);
  assert.equal(ours.results.spec.settings.method, 'knockoff');
  assert.match(ours.csv, /^cell,budget,seed,thief_accuracy,fidelity\n0,64,1234,/);
  assert.equal(numbers(nativeSweep(ours.results.spec)), numbers(ours.json));
  assert.throws(() => lab.sweepPlan({ ...spec, vary: [{ key: 'budget', values: [0] }] }),
    /vary budget: values\[0\]: steal sweep: budget 0 is out of range/);
  assert.throws(() => lab.sweepPlan({ ...spec, vary: [{ key: 'budget', values: [59401] }] }),
    /budget 59401 is more than the 59400 thief images/);
});

test('cells run one by one, in any order, and assembled equal lab.sweep', async () => {
  const cells = [];
  for (const cell of [3, 1, 0, 2]) cells.push(await lab.sweepCell(trainSet, testSet, SPEC, cell));
  assert.deepEqual(Object.keys(cells[0].values), SPEC.measure);
  const assembled = lab.sweepResults(SPEC, cells);
  assert.equal(numbers(assembled.json), numbers(straight.json));
  assert.equal(assembled.csv, straight.csv);
  assert.equal(assembled.pointsCsv, straight.pointsCsv);
  const half = lab.sweepResults(SPEC, cells.slice(0, 1));
  assert.equal(half.results.cells.length, 1);
  assert.equal(half.results.points.length, 0, 'a point waits for all its seeds');
});

test('a sweep resumed from a checkpoint ends as the straight one', async () => {
  let checkpoint;
  const stop = new AbortController();
  await assert.rejects(lab.sweep(trainSet, testSet, SPEC, { signal: stop.signal,
    onCell: (r) => {
      if (r.cell === 1) {
        ({ checkpoint } = r);
        stop.abort(new Error('paused'));
      }
    } }), /paused/);
  assert.equal(JSON.parse(checkpoint).cells.length, 2);
  const ran = new Set();
  const resumed = await lab.sweep(trainSet, testSet, SPEC, { checkpoint,
    onProgress: (p) => ran.add(p.cell) });
  assert.ok(!ran.has(0) && !ran.has(1), `cells ${[...ran]} ran again`);
  assert.equal(numbers(resumed.json), numbers(straight.json));
  const assembled = lab.sweepResults(SPEC, [], { checkpoint: resumed.json });
  assert.equal(numbers(assembled.json), numbers(straight.json));
});

test('bad specs and checkpoints throw a clear message; the lab stays usable', () => {
  const bad = (spec, message) => assert.throws(() => lab.sweepPlan(spec), message);
  const vary = (values) => ({ vary: [{ key: 'eps', values }], measure: ['train'] });
  bad(vary([]), /sweep spec: vary eps: the value list is empty/);
  bad(vary([0.1, 'x']), /vary eps: values\[1\] "x" is not a number/);
  bad(vary([Number.NaN]), /vary eps: values\[0\] is not a number/); // JSON.stringify: null
  bad(vary([2]), /vary eps: values\[0\]: experiment: eps 2 is out of range 0..1/);
  bad({ vary: [{ key: 'epz', values: [0] }], measure: ['train'] }, /unknown setting "epz"/);
  bad({ ...vary([0]), measure: ['nope'] }, /measure\[0\] "nope" is not a measurement/);
  bad({ ...vary(Array.from({ length: 100 }, (_, i) => i / 100)), seeds: Array.from({ length: 41 },
    (_, i) => i) }, /4100 cells \(100 eps x 41 seeds\) is over the cap of 4096 cells/);
  bad('{"vary": [', /sweep spec: unexpected end of JSON/);
  assert.throws(() => lab.sweepResults(SPEC, [], { checkpoint: straight.json.replace(
    '"seeds":[1,2]', '"seeds":[1,3]') }), /sweep checkpoint: it is of another sweep/);
  const { values } = straight.results.cells[0];
  assert.throws(() => lab.sweepResults(SPEC, [{ cell: 9, values }]),
    /sweep: cell 9 is outside 0..3/);
  assert.throws(() => lab.sweepResults(SPEC, [{ cell: 0, values: { fgsm_standard: 1 } }]),
    /sweepResults: cell 0: fgsm_defended is not a number/);
  assert.equal(lab.sweepPlan(SPEC).cells, 4);
});
