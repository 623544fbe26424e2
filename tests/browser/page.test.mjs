// The lab page (web/index.html) in Debian's headless Chromium, driven by
// playwright-core against a static server on 127.0.0.1: it answers from the
// pretrained models at load, classifies a drawn 7, flips the standard model
// under FGSM, trains in its worker without blocking the main thread, pauses
// and resumes, round-trips a model through safetensors, refuses a corrupt
// file, and leaves screenshots in tests/browser/out/ for a human to look at.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { answer, labSession, OUT, POLL_MS, settled } from './lab_page.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

before(() => {
  assert.ok(existsSync(join(repoRoot, 'data/weights/manifest.json')),
    'data/weights/manifest.json is missing: the page needs the pretrained weights');
});
let page;
const lab = labSession({ viewport: DESKTOP, acceptDownloads: true }, async (s) => {
  ({ page } = s);
  // Counts the main thread's calls that compile or start a WebAssembly module: the engine must
  // never run there. (The page's resource timing cannot tell: Chromium lists there the module
  // scripts of the workers the page starts, as well as its own.)
  await page.addInitScript(() => {
    window.wasmStarts = 0;
    for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
      const original = WebAssembly[name];
      WebAssembly[name] = (...args) => {
        window.wasmStarts += 1;
        return original.apply(WebAssembly, args);
      };
    }
  });
});

// ------------------------------------------------------------ helpers

async function setRange(selector, value) {
  await page.$eval(selector, (el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(value));
  await settled(page);
}

async function select(selector, value) {
  await page.selectOption(selector, value);
  await settled(page);
}

/** The adversarial bar widths of a card, as the page styles them. */
function advBars(slot) {
  return page.$$eval(`#${slot} .bar-adv`, (bars) => bars.map((b) => b.style.width).join(' '));
}

/** Draws a 7 on the pad with the mouse: a bar across the top, then a stroke down-left. */
async function drawSeven() {
  const box = await page.locator('#pad').boundingBox();
  const at = (u, v) => [box.x + u * box.width, box.y + v * box.height];
  await page.mouse.move(...at(0.28, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.72, 0.22), { steps: 12 });
  await page.mouse.move(...at(0.46, 0.84), { steps: 16 });
  await page.mouse.up();
  await settled(page);
}

// Clicks by dispatching the event. A real click makes Playwright scroll the button into view
// first, and that scroll's relayout and repaint of the whole page would be counted as a long
// task of the page's own while the machine is busy.
async function press(selector) {
  await page.dispatchEvent(selector, 'click');
}

function progress(selector) {
  return page.$eval(selector, (el) => el.value);
}

function lossPoints() {
  return page.$$eval('#chart-loss polyline', (lines) =>
    lines.reduce((n, l) => n + l.getAttribute('points').split(' ').filter(Boolean).length, 0));
}

async function waitForProgressAbove(value) {
  await page.waitForFunction((v) => document.querySelector('#train-progress').value > v, value,
    { timeout: 30000, polling: POLL_MS });
  return progress('#train-progress');
}

// ------------------------------------------------------------ tests

test('the page loads without console errors and answers from the pretrained models', async (t) => {
  await page.goto(`${lab.server.url}/web/index.html`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  await settled(page);
  const note = await page.textContent('#digit-note');
  const label = note.match(/labelled (\d)/)?.[1];
  assert.ok(label, `no MNIST label in "${note}"`);
  assert.equal((await answer(page, 'standard')).clean, label, 'standard model, start digit');
  assert.equal((await answer(page, 'defended')).clean, label, 'defended model, start digit');
  // Chromium has WebAssembly SIMD, so the worker runs that build and the footer says so.
  assert.equal(await page.textContent('#engine-variant'), 'Engine: WebAssembly with SIMD.');
  t.diagnostic(await page.textContent('#status'));
  assert.deepEqual(lab.consoleErrors, []);
});

test('FGSM at eps 0.3 flips the standard model and changes the bars', async () => {
  await select('#attack', 'fgsm');
  await select('#target', '-1');
  await setRange('#eps', 0);
  const before = await advBars('standard');
  const { clean } = await answer(page, 'standard');
  await setRange('#eps', 0.3);
  const after = await answer(page, 'standard');
  assert.equal(after.clean, clean, 'the clean answer must not move with eps');
  assert.notEqual(after.adv, clean, 'the standard model was not fooled at eps 0.3');
  assert.notEqual(await advBars('standard'), before, 'the adversarial bars did not change');
  assert.match(await page.textContent('#standard .norms'), /L∞ 0\.300/);
});

test('every attack, mode and defence answers', async () => {
  await setRange('#eps', 0.2);
  const combos = [
    ...['fgsm', 'bim', 'pgd', 'deepfool', 'newtonfool', 'cw', 'lbfgs', 'jsma', 'apgd', 'apgd-t',
      'fab'].map((attack) => ({ attack })),
    { attack: 'jsma', target: '3' },
    { attack: 'apgd', target: '3' },
    ...['square', 'hopskipjump', 'boundary'].map((attack) => ({ attack, queries: true })),
    { attack: 'square', pre: 'squeeze', gradient: 'bpda', queries: true },
    { attack: 'pgd', target: '3' },
    { attack: 'cw', target: '3', reaches: true }, // C&W is unbounded: it must get there
    { attack: 'fgsm', mode: 'transfer' },
    ...['unaware', 'exact', 'bpda'].map((gradient) => ({ pre: 'squeeze', gradient })),
    { pre: 'median', gradient: 'bpda' },
    { pre: 'jpeg', gradient: 'exact' },
  ];
  for (const combo of combos) {
    const { reaches, queries, ...chosen } = combo;
    const settings = { attack: 'fgsm', target: '-1', mode: 'whitebox', pre: 'none',
      gradient: 'unaware', ...chosen };
    for (const [id, value] of Object.entries(settings)) {
      if (!await page.$eval(`#${id}`, (el) => el.disabled)) await select(`#${id}`, value);
    }
    const what = JSON.stringify(combo);
    assert.equal(await page.$eval('#status', (el) => el.className), 'status',
      `${what}: ${await page.textContent('#status')}`);
    const { clean, adv } = await answer(page, 'defended');
    assert.match(`${clean}${adv}`, /^\d\d$/, what);
    if (reaches) assert.equal((await answer(page, 'standard')).adv, combo.target, `${what} on standard`);
    // A black-box attack says what it asked of the model, within its budget, and no gradient.
    const norms = await page.textContent('#defended .norms');
    if (queries) {
      const used = Number(norms.match(/([\d,]+) of 1,000 queries, no gradient$/)?.[1].replace(',', ''));
      assert.ok(used >= 1 && used <= 1000, `${what}: ${norms}`);
    } else assert.doesNotMatch(norms, /queries/, what);
  }
  await select('#gradient', 'unaware');
  await select('#pre', 'none');
});

test('a drawn 7 is classified 7 by both models', async () => {
  await page.click('#clear');
  await setRange('#eps', 0);
  await drawSeven();
  assert.equal((await answer(page, 'standard')).clean, '7');
  assert.equal((await answer(page, 'defended')).clean, '7');
  assert.match(await page.textContent('#digit-note'), /Draw/);
});

test('training runs in the worker: progress, charts, a responsive page, pause and resume',
  async (t) => {
    await page.fill('[name=epochs]', '2');
    // Long enough for every check below to land mid-run, on a fast machine too.
    await page.fill('[name=limit]', '24000');
    await page.fill('[name=seed]', '7');
    await page.selectOption('[name=which]', 'both');
    await page.evaluate(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.longTasks.push(Math.round(e.duration));
      }).observe({ type: 'longtask' });
    });
    await press('#train');

    const first = await waitForProgressAbove(0);
    const points = await lossPoints();
    const second = await waitForProgressAbove(first);
    await page.waitForFunction((n) => [...document.querySelectorAll('#chart-loss polyline')]
      .reduce((k, l) => k + l.getAttribute('points').split(' ').filter(Boolean).length, 0) > n,
    points, { polling: POLL_MS });
    assert.ok(second > first, 'the progress bar did not advance');
    assert.equal(await page.locator('#mnist-progress').evaluate((el) => el.value), 1,
      'the MNIST progress bar is not full');

    // A click is answered, by the page and by the worker (a new MNIST digit), mid-training.
    const noteBefore = await page.textContent('#digit-note');
    const clicked = Date.now();
    await press('#random');
    await page.waitForFunction((n) => document.querySelector('#digit-note').textContent !== n,
      noteBefore, { timeout: 5000, polling: POLL_MS });
    t.diagnostic(`a new digit ${Date.now() - clicked} ms after the click, mid-training`);
    assert.ok(await progress('#train-progress') < 1, 'training ended before the click test');

    await press('#pause');
    await page.waitForFunction(() => !document.querySelector('#resume').disabled, undefined,
      { polling: POLL_MS });
    await page.waitForTimeout(400);
    const paused = await progress('#train-progress');
    await page.waitForTimeout(800);
    assert.equal(await progress('#train-progress'), paused, 'training advanced while paused');
    await press('#resume');
    await waitForProgressAbove(paused);

    await page.waitForFunction(() => !document.querySelector('#train').disabled,
      undefined, { timeout: 60000, polling: POLL_MS });
    assert.match(await page.textContent('#train-status'), /Done/);
    for (const slot of ['standard', 'defended']) {
      const label = await page.$eval(`#${slot} .model-select`, (s) => s.selectedOptions[0].text);
      assert.match(label, /trained here/, `${slot} model after training`);
    }
    // The engine never runs on the main thread, so training cannot block it. Long tasks are
    // reported, not asserted: their length depends on the machine's load, not on the page.
    assert.equal(await page.evaluate(() => window.wasmStarts), 0,
      'the main thread compiled or started a WebAssembly module');
    const longTasks = await page.evaluate(() => window.longTasks);
    t.diagnostic(`main-thread tasks over 50 ms while training: ${JSON.stringify(longTasks)}`);
  });

test('robustness curves and the tutorial measurements', async () => {
  await page.selectOption('#robust-n', '200');
  await page.click('#curves');
  await page.waitForFunction(() => [...document.querySelectorAll('#chart-curve polyline')]
    .filter((l) => l.getAttribute('points')).length === 4);
  await page.click('#measure');
  await page.waitForFunction(() =>
    document.querySelectorAll('#measurements tbody tr').length === 5);
  const cells = await page.$$eval('#measurements tbody td', (tds) => tds.map((t) => t.textContent));
  assert.match(cells[0], /clean accuracy, standard model/);
  assert.match(cells[1], /^\d+\.\d\d%$/);
});

test('screenshots at desktop and phone widths', async () => {
  await page.check('#detect');
  await setRange('#eps', 0.2);
  assert.match(await page.textContent('#defended .detector'), /^detector: (adversarial|clean)$/);
  await page.screenshot({ path: join(OUT, 'page-desktop.png'), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  await page.screenshot({ path: join(OUT, 'page-phone.png'), fullPage: true });
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
  await page.setViewportSize(DESKTOP);
});

test('cancel stops a training run at once and keeps the models on show', async () => {
  const shown = await page.$eval('#standard .model-select', (s) => s.value);
  await page.fill('[name=epochs]', '5');
  await page.fill('[name=limit]', '0');
  await page.selectOption('[name=which]', 'standard');
  await press('#train');
  await waitForProgressAbove(0);
  await press('#cancel');
  await page.waitForFunction(() => !document.querySelector('#train').disabled, undefined,
    { timeout: 5000, polling: POLL_MS });
  assert.match(await page.textContent('#train-status'), /Cancelled/);
  assert.ok(await progress('#train-progress') < 0.5, 'the run went on after cancel');
  assert.equal(await page.$eval('#standard .model-select', (s) => s.value), shown);
});

test('"Train a robust model" fills the form with the preset and trains on every core', async () => {
  const shown = await page.$eval('#defended .model-select', (s) => s.value);
  await press('#train-robust');
  await page.waitForFunction(() => /cores training: 2/.test(
    document.querySelector('#train-status').textContent), undefined,
  { timeout: 60000, polling: POLL_MS });
  const form = await page.$eval('#train-form', (f) => Object.fromEntries(new FormData(f)));
  assert.deepEqual([form.which, form.attack, form.eps, form.epochs, form.lr],
    ['defended', 'pgd-ramp', '0.3', '10', '0.001']);
  assert.ok(await page.$eval('#train-robust', (b) => b.disabled), 'the button stays live mid-run');
  await (await page.$('.train-panel')).screenshot({ path: join(OUT, 'robust-preset.png') });
  await press('#cancel');
  await page.waitForFunction(() => !document.querySelector('#train-robust').disabled, undefined,
    { timeout: 10000, polling: POLL_MS });
  assert.match(await page.textContent('#train-status'), /Cancelled/);
  assert.equal(await page.$eval('#defended .model-select', (s) => s.value), shown);
});

test('an exported model re-imports with the same predictions', async () => {
  await select('#standard .model-select', 'standard');
  assert.equal(await page.$eval('#standard .model-select', (s) => s.value), 'standard');
  const original = await answer(page, 'standard');
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.click('#standard .export')]);
  const bytes = readFileSync(await download.path());
  assert.ok(bytes.length > 8, 'empty export');

  await select('#standard .model-select', 'fgsm');
  assert.notEqual((await answer(page, 'standard')).probs, original.probs,
    'switching models changed nothing');
  await page.setInputFiles('#standard .import', { name: 'exported.safetensors',
    mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(() => /exported/.test(
    document.querySelector('#standard .model-select').selectedOptions[0].text));
  await settled(page);
  assert.equal((await answer(page, 'standard')).probs, original.probs);
});

test('a corrupt weights file shows a clear error and keeps the current model', async () => {
  const before = await answer(page, 'standard');
  const chosen = await page.$eval('#standard .model-select', (s) => s.value);
  const corrupt = Buffer.alloc(64, 0xff);
  await page.setInputFiles('#standard .import', { name: 'corrupt.safetensors',
    mimeType: 'application/octet-stream', buffer: corrupt });
  const error = page.locator('#standard .error');
  await error.waitFor({ state: 'visible' });
  const message = await error.textContent();
  assert.match(message, /Import failed, the current model is kept/);
  assert.match(message, /corrupt\.safetensors/);
  await settled(page);
  assert.equal(await page.$eval('#standard .model-select', (s) => s.value), chosen);
  assert.equal((await answer(page, 'standard')).probs, before.probs);
});

test('the adversarial image downloads as a 28x28 PNG that uploads back', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.click('#standard .download')]);
  const png = readFileSync(await download.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [28, 28]);
  await page.setInputFiles('#upload', { name: 'adversarial.png', mimeType: 'image/png',
    buffer: png });
  await settled(page);
  assert.match(await page.textContent('#digit-note'), /Uploaded adversarial\.png/);
  const seen = await page.$eval('#seen', (c) => c.getContext('2d').getImageData(0, 0, 28, 28)
    .data.filter((v, i) => i % 4 === 0 && v < 128).length);
  assert.ok(seen >= 10, `the model sees only ${seen} inked pixels of the uploaded digit`);
});

test('a reload keeps the models chosen, trained and imported (IndexedDB)', async () => {
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
  const standard = await page.$eval('#standard .model-select', (s) => s.selectedOptions[0].text);
  const defended = await page.$eval('#defended .model-select', (s) => s.selectedOptions[0].text);
  assert.match(standard, /exported\.safetensors/);
  assert.match(defended, /trained here/);
  const kept = await page.$$eval('#standard .model-select option', (o) => o.map((x) => x.text));
  assert.ok(kept.some((text) => /^standard, trained here/.test(text)),
    `the trained standard model is not offered after a reload: ${kept.join(' | ')}`);
});

test('once loaded, the page works offline (service worker)', async () => {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await lab.chromium.context.setOffline(true);
  try {
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    await settled(page);
    const note = await page.textContent('#digit-note');
    const label = note.match(/labelled (\d)/)?.[1];
    assert.ok(label, `no MNIST label in "${note}" offline`);
    assert.match((await answer(page, 'standard')).clean, /^\d$/, 'the standard model answers offline');
  } finally {
    await lab.chromium.context.setOffline(false);
  }
});

test('no console errors in the whole run', () => {
  assert.deepEqual(lab.consoleErrors, []);
});
