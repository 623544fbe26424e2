// Faults mid-work, on the lab page in headless Chromium: a reload in the middle
// of training offers to resume from the last checkpoint, a killed worker is
// replaced and the run goes on from its checkpoint (still paused, if it was), and in all cases the
// model that comes out is bit-identical to an uninterrupted run's (the same
// probabilities to the last digit). Bad imports (not safetensors, truncated,
// wrong shapes, NaN weights, a PNG that is not an image) leave the model on
// show untouched and say why. ui/rpc.js gives up on a worker that reports an
// engine trap or raises an error event. Screenshots of the prompt and the
// notice go to tests/browser/out/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { collectErrors } from './chromium.mjs';
import { labSession, OUT, POLL_MS, settled } from './lab_page.mjs';

// Four epochs of 200 batches: long enough that a reload or a kill at epoch 2 lands mid-run (2
// more epochs of 12,800 images, about 0.6 s on 2 workers; 100 batches an epoch became too few
// once training got faster).
const RUN = { which: 'standard', epochs: '4', batch: '64', limit: '12800', seed: '5' };

let page;
const lab = labSession({}, (s) => { ({ page } = s); });

// ------------------------------------------------------------ helpers

/** Opens the page afresh: the opening MNIST digit, answered by both models. */
async function open() {
  await page.goto(`${lab.server.url}/web/index.html`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await settled(page);
}

function probs(slot) {
  return page.$eval(`#${slot}`, (el) => el.dataset.probs);
}

function chosen(slot) {
  return page.$eval(`#${slot} .model-select`, (s) => s.selectedOptions[0].text);
}

async function choose(slot, id) {
  await page.selectOption(`#${slot} .model-select`, id);
  await settled(page);
}

async function startRun() {
  for (const [name, value] of Object.entries(RUN)) {
    if (name === 'which') await page.selectOption('[name=which]', value);
    else await page.fill(`[name=${name}]`, value);
  }
  await page.dispatchEvent('#train', 'click');
}

async function waitForEpoch(epoch) {
  await page.waitForFunction((e) => document.querySelector('#train-status').textContent
    .includes(`epoch ${e}/`), epoch, { timeout: 120000, polling: POLL_MS });
}

// Starts RUN on the standard model and pauses it once it reports epoch 2 (it may stop a little
// later): the status, and the place it says.
async function pauseMidRun() {
  await open();
  await choose('standard', 'standard');
  await startRun();
  await waitForEpoch(2);
  await page.dispatchEvent('#pause', 'click');
  await page.waitForFunction(() => !document.querySelector('#resume').disabled, undefined,
    { polling: POLL_MS });
  const status = await page.textContent('#train-status');
  const [, where] = status.match(/^Paused, with a checkpoint: (standard model at epoch \d.*)\.$/)
    ?? [];
  assert.ok(where, `the status after a pause says where it stopped: "${status}"`);
  return { status, where };
}

async function waitForDone() {
  await page.waitForFunction(() => document.querySelector('#train-status').textContent
    .startsWith('Done'), undefined, { timeout: 180000, polling: POLL_MS });
  await settled(page);
}

// ------------------------------------------------------------ training faults

let reference; // the standard model's probabilities on the opening digit after RUN, uninterrupted

test('an uninterrupted run gives the reference model', async () => {
  await open();
  const pretrained = await probs('standard');
  await startRun();
  await waitForDone();
  reference = await probs('standard');
  assert.match(await chosen('standard'), /trained here/);
  assert.notEqual(reference, pretrained, 'training changed nothing on show');
  assert.equal(await page.$eval('#resume-prompt', (el) => el.hidden), true,
    'a finished run left a resume prompt');
});

test('a reload mid-training offers to resume, and the resumed run ends bit-identical', async () => {
  await open();
  await choose('standard', 'standard');
  await startRun();
  await waitForEpoch(2);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await settled(page);
  const prompt = page.locator('#resume-prompt');
  await prompt.waitFor({ state: 'visible' });
  assert.match(await page.textContent('#resume-text'), new RegExp('^A training run was ' +
    'interrupted: standard model at epoch [1-3] of 4.* \\(saved \\d\\d:\\d\\d.*\\)\\.$'));
  assert.equal(await page.$eval('#standard .model-select', (s) => s.value), 'standard',
    'the slot shows what it showed before the run');
  assert.notEqual(await probs('standard'), reference, 'the slot already shows the trained model');
  await page.screenshot({ path: join(OUT, 'faults-resume-prompt.png') });

  await page.click('#checkpoint-resume');
  assert.equal(await prompt.isHidden(), true, 'the prompt stays after Resume');
  await page.waitForFunction(() => /^(Resuming|standard model: epoch)/.test(
    document.querySelector('#train-status').textContent), undefined, { polling: POLL_MS });
  await waitForDone();
  assert.match(await chosen('standard'), /trained here/);
  assert.equal(await probs('standard'), reference,
    'the resumed run ends with other weights than the uninterrupted one');
});

test('a pause checkpoints where it stopped; after a reload the run resumes there, bit-identical',
  async () => {
    const { where } = await pauseMidRun();
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
    await page.locator('#resume-prompt').waitFor({ state: 'visible' });
    // The pause's answer names the place it checkpointed, so the prompt names the same one.
    assert.match(await page.textContent('#resume-text'),
      new RegExp(`^A training run was interrupted: ${where} \\(saved `));
    await page.click('#checkpoint-resume');
    await waitForDone();
    assert.equal(await probs('standard'), reference,
      'the run resumed after a pause ends with other weights than the uninterrupted one');
  });

test('a killed worker is replaced and training goes on from its checkpoint, bit-identical',
  async () => {
    await open();
    await choose('standard', 'standard');
    await startRun();
    await waitForEpoch(2);
    const workers = await page.evaluate(() => document.body.dataset.workers ?? '1');
    await page.evaluate(() => window.labWorker.terminate());
    const notice = page.locator('#notice');
    await notice.waitFor({ state: 'visible', timeout: 30000 });
    await page.waitForFunction(() => /goes on from its last checkpoint/.test(
      document.querySelector('#notice-text').textContent), undefined,
    { timeout: 30000, polling: POLL_MS });
    const text = await page.textContent('#notice-text');
    assert.match(text,
      /^The engine's worker stopped \(no word from it for \d+ s\)\. A new one took over/);
    assert.match(text, /last checkpoint: standard model at epoch [1-3] of 4/);
    assert.equal(await notice.getAttribute('role'), 'status');
    assert.equal(await page.evaluate(() => document.body.dataset.workers),
      String(Number(workers) + 1));
    await page.screenshot({ path: join(OUT, 'faults-worker-restarted.png') });

    await waitForDone();
    assert.match(await chosen('standard'), /trained here/);
    assert.equal(await probs('standard'), reference,
      'the run resumed after the crash ends with other weights than the uninterrupted one');
    // The new worker answers: switch models and back.
    await choose('standard', 'fgsm');
    assert.notEqual(await probs('standard'), reference);
  });

test('a worker killed while paused is replaced, the run stays paused, and resumes bit-identical',
  async () => {
    const { status, where } = await pauseMidRun();
    await page.evaluate(() => window.labWorker.terminate());
    await page.waitForFunction(() => /stays paused/.test(
      document.querySelector('#notice-text').textContent), undefined,
    { timeout: 30000, polling: POLL_MS });
    assert.ok((await page.textContent('#notice-text')).includes(where),
      'the notice names another place than the pause');
    // The bar shows the checkpoint's place, the one the pause reported.
    const perEpoch = Number(RUN.limit) / Number(RUN.batch);
    const [, epoch, batch = 0] = where.match(
      new RegExp(`at epoch (\\d) of 4(?:, and (\\d+) of ${perEpoch} batches)?`));
    const bar = await page.$eval('#train-progress', (p) => p.value);
    assert.ok(Math.abs(bar - (Number(epoch) + Number(batch) / perEpoch) / 4) < 1e-9,
      `progress ${bar} at ${where}`);
    // Nothing moves while paused: a run that went on would report progress within this second.
    await page.waitForTimeout(1000);
    assert.equal(await page.textContent('#train-status'), status);
    assert.equal(await page.$eval('#train-progress', (p) => p.value), bar);
    assert.equal(await page.$eval('#resume', (b) => b.disabled), false);
    assert.equal(await page.$eval('#pause', (b) => b.disabled), true);

    await page.click('#resume');
    await waitForDone();
    assert.equal(await probs('standard'), reference,
      'the run paused through a crash ends with other weights than the uninterrupted one');
  });

test('a second tab neither offers to resume a run going on in the first nor trains over it',
  async () => {
    // Paused, the first tab's run has written its checkpoint and still holds the run's lock.
    await pauseMidRun();
    const other = collectErrors(await lab.chromium.context.newPage(), lab.consoleErrors);
    try {
      await other.goto(`${lab.server.url}/web/index.html`);
      await other.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
      assert.equal(await other.$eval('#resume-prompt', (el) => el.hidden), true,
        'the second tab offers to resume the first tab\'s run');
      assert.equal(await other.textContent('#train-status'),
        'Another tab of this lab is training; train here once it is done.');
      await other.fill('[name=epochs]', '1');
      await other.fill('[name=limit]', '640');
      await other.dispatchEvent('#train', 'click');
      await other.waitForFunction(() => /another tab of this lab is training/.test(
        document.querySelector('#train-status').textContent), undefined,
      { timeout: 30000, polling: POLL_MS });
      assert.equal(await other.$eval('#train', (b) => b.disabled), false);

      await page.click('#resume');
      await waitForDone();
      assert.equal(await probs('standard'), reference,
        'the first tab\'s run ends with other weights once a second tab tried to train');
    } finally {
      await other.close();
    }
  });

test('the page gives up on a worker that reports a trap or raises an error event',
  { timeout: 60000 }, async () => {
  // ui/rpc.js on its own, with stand-in workers: the kill test above covers silence.
  await open();
  const outcome = await page.evaluate(async () => {
    const { connect } = await import(new URL('./ui/rpc.js', location.href).href);
    const standIn = () => ({
      posted: [], terminated: false,
      postMessage(message) { this.posted.push(message); },
      terminate() { this.terminated = true; },
    });
    const failure = (error) => ({ message: error.message, crashed: error.crashed });
    const crashes = [];
    const first = standIn();
    const call = connect(first, { onCrash: (reason) => crashes.push(reason) });
    const training = call('train').catch(failure);
    first.onmessage({ data: { op: 'fatal', error: 'RuntimeError: unreachable' } });
    const second = standIn();
    call.replace(second);
    const answered = call('init');
    second.onmessage({ data: { id: second.posted[0].id, ok: true, result: 'ready' } });
    const init = call('init').catch(failure);
    second.onerror({ message: 'Uncaught Error: boom', preventDefault() {} });
    return { training: await training, answered: await answered, init: await init, crashes,
      terminated: [first.terminated, second.terminated] };
  });
  assert.deepEqual(outcome.training, { crashed: true,
    message: "the engine's worker stopped: its engine aborted (RuntimeError: unreachable)" });
  assert.equal(outcome.answered, 'ready', 'the new worker is not listened to');
  assert.deepEqual(outcome.init, { crashed: true,
    message: "the engine's worker stopped: Uncaught Error: boom" });
  assert.deepEqual(outcome.crashes, ['its engine aborted (RuntimeError: unreachable)',
    'Uncaught Error: boom']);
  assert.deepEqual(outcome.terminated, [true, true]);
});

// ------------------------------------------------------------ bad imports

/** The shipped standard model's safetensors, as [header object, data bytes]. */
function shipped() {
  const bytes = readFileSync(join(repoRoot, 'data/weights/standard.safetensors'));
  const n = Number(bytes.readBigUInt64LE(0));
  return [JSON.parse(bytes.subarray(8, 8 + n).toString()), bytes.subarray(8 + n)];
}

function safetensors(header, data) {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

function badModels() {
  const [header, data] = shipped();
  const whole = safetensors(header, data);
  const withNaN = Buffer.from(data);
  withNaN.writeFloatLE(NaN, 4 * 3);
  const reshaped = structuredClone(header);
  reshaped['conv1.weight'].shape = [4, 5, 5, 1];
  return [
    ['not-a-model.safetensors', Buffer.from('{"just": "some json"}\n'),
      /header length \d+ runs past the end of the file/],
    ['truncated.safetensors', whole.subarray(0, whole.length / 2),
      /data_offsets .* run past the end of the data/],
    ['reshaped.safetensors', safetensors(reshaped, data),
      /conv1\.weight has shape \[4,5,5,1\], expected \[4,1,5,5\]/],
    ['nan.safetensors', safetensors(header, withNaN),
      /conv1\.weight\[0,0,0,3\] \(flat index 3\) is NaN/],
  ];
}

test('a bad model file leaves the slot as it was and says why', async (t) => {
  await open();
  await choose('standard', 'standard');
  const before = await probs('standard');
  for (const [name, buffer, reason] of badModels()) {
    await page.setInputFiles('#standard .import', { name, mimeType: 'application/octet-stream',
      buffer });
    await page.waitForFunction((n) => document.querySelector('#standard .error').textContent
      .includes(n), name, { polling: POLL_MS });
    await settled(page);
    const message = await page.textContent('#standard .error');
    t.diagnostic(message);
    assert.ok(message.startsWith(`Import failed, the current model is kept. ${name}: `), message);
    assert.match(message, reason, `${name}: ${message}`);
    assert.equal(await page.$eval('#standard .model-select', (s) => s.value), 'standard', name);
    assert.equal(await probs('standard'), before, `${name} changed the predictions`);
  }
});

test('an upload that is not an image leaves the input as it was and says why', async () => {
  const note = await page.textContent('#digit-note');
  const before = await probs('standard');
  await page.setInputFiles('#upload', { name: 'fake.png', mimeType: 'image/png',
    buffer: Buffer.from('\x89PNG\r\n\x1a\n but then nothing an image needs') });
  await page.waitForFunction(() => document.querySelector('#status').classList.contains('is-error'),
    undefined, { polling: POLL_MS });
  assert.equal(await page.textContent('#status'),
    'fake.png: not a PNG or JPEG image the browser can decode');
  await settled(page);
  assert.equal(await page.textContent('#digit-note'), note);
  assert.equal(await probs('standard'), before);
});

test('no console errors in the whole run', () => {
  assert.deepEqual(lab.consoleErrors, []);
});
