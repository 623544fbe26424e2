// AutoAttack's evaluation (issue 13) from Node: lab.evaluate gives the report
// `advlab evaluate --json` prints, bit for bit but for the seconds, on the
// shipped standard model bare and behind JPEG; bad settings get clear errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { images, loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const model = join(repoRoot, 'data/weights/standard.safetensors');
const LIMIT = 24;

/** The report without the members' seconds, the one figure that differs between runs. */
function withoutSeconds(report) {
  const members = report.members.map((m) =>
    Object.fromEntries(Object.entries(m).filter(([key]) => key !== 'seconds')));
  return { ...report, members };
}

function nativeReport(extra, { path = model, limit = LIMIT, suite = 'quick' } = {}) {
  const out = execFileSync(native, [
    'evaluate', '--model', path, '--data', mnistDir, '--limit', String(limit), '--suite', suite,
    '--eps', '0.3', '--seed', '3', '--json', ...extra,
  ], { cwd: repoRoot, encoding: 'utf8' });
  return JSON.parse(out).report;
}

test('lab.evaluate equals advlab evaluate --json bit for bit, bare and behind JPEG', async () => {
  assert.ok(existsSync(native), `native CLI not found at ${native}`);
  const lab = await createLab();
  const testSet = loadMnist(lab, 'test');
  const net = lab.netFromWeights(readFileSync(model), 'standard.safetensors', 256);
  const jpeg = lab.createPreprocessor({ name: 'jpeg' });
  try {
    const { x, labels } = images(testSet, 0, LIMIT);
    const settings = { suite: 'quick', eps: 0.3, seed: 3 };
    const bare = lab.evaluate(net, x, labels, settings);
    assert.deepEqual(withoutSeconds(bare), withoutSeconds(nativeReport([])));
    const defended = lab.evaluate(net, x, labels, { ...settings, defence: jpeg });
    assert.deepEqual(withoutSeconds(defended), withoutSeconds(nativeReport(['--defence', 'jpeg'])));
    // Guard against comparing two empty reports: the attacks did work, and differently.
    assert.equal(bare.members.length, 2);
    assert.ok(bare.robust_accuracy < bare.clean_accuracy, 'the suite broke nothing');
    assert.ok(bare.members[0].gradient_calls > 0);
    assert.notDeepEqual(withoutSeconds(bare), withoutSeconds(defended));
  } finally {
    jpeg.free();
    net.free();
    testSet.free();
  }
});

test('the standard suite (APGD-CE, APGD-T, FAB-T) is bit-identical too, on the PGD model', async () => {
  const lab = await createLab();
  const testSet = loadMnist(lab, 'test');
  const pgd = join(repoRoot, 'data/weights/pgd.safetensors');
  const net = lab.netFromWeights(readFileSync(pgd), 'pgd.safetensors', 256);
  try {
    const { x, labels } = images(testSet, 0, 6);
    const report = lab.evaluate(net, x, labels, { suite: 'autoattack', eps: 0.3, seed: 3 });
    const expected = nativeReport([], { path: pgd, limit: 6, suite: 'autoattack' });
    assert.deepEqual(withoutSeconds(report), withoutSeconds(expected));
    // Guard: FAB-T ran on the images the APGDs left.
    assert.equal(report.members[2].name, 'fab-t');
    assert.ok(report.members[2].gradient_calls > 0, 'FAB-T had nothing to attack');
  } finally {
    net.free();
    testSet.free();
  }
});

test('lab.evaluate rejects bad settings with clear messages', async () => {
  const lab = await createLab();
  const net = lab.netFromWeights(readFileSync(model), 'standard.safetensors', 16);
  try {
    const x = new Float32Array(2 * 784).fill(0.5);
    const labels = [1, 2];
    assert.throws(() => lab.evaluate(net, x, labels, { eps: -0.1 }), /evaluate: eps -0\.1/);
    assert.throws(() => lab.evaluate(net, x, labels, { suite: 'fast' }),
      /suite.*fast.*quick, autoattack, full/);
    assert.throws(() => lab.evaluate(net, x, labels, { norm: 1 }), /norm 1 is not inf or 2/);
    assert.throws(() => lab.evaluate(net, x, [1, 10]), /label of image 1 is 10, outside 0\.\.9/);
    const nan = x.slice();
    nan[800] = NaN;
    assert.throws(() => lab.evaluate(net, nan, labels), /evaluate: input.*image 1/);
    assert.throws(() => lab.evaluate(net, x, labels, { suites: 'quick' }), /suites/);
  } finally {
    net.free();
  }
});
