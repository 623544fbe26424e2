// The lab page in English and Korean, in headless Chromium (which reports en-US): ?lang=ko shows
// the Korean strings, static and set at run time, with no English string left over; the switch
// changes every string live without touching the drawing, the probabilities or a running
// training; the choice survives a reload; the Korean page fits a phone's width. Leaves
// screenshots of both languages in tests/browser/out/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import en from '../../web/i18n/en.js';
import ko from '../../web/i18n/ko.js';
import { answer, labSession, OUT, POLL_MS, settled } from './lab_page.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let page;
const lab = labSession({ viewport: DESKTOP }, (s) => { ({ page } = s); });

async function open(query = '') {
  await page.goto(`${lab.server.url}/web/index.html${query}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await settled(page);
}

const textOf = (selector) => page.$eval(selector, (el) => el.textContent);

/** A string of `table` as a RegExp, each {placeholder} matching anything. */
function pattern(table, key) {
  const escaped = table[key].replace(/[.*+?^$()[\]\\|]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\{\w+\}/g, '.+')}$`);
}

// The English strings' fixed parts (between placeholders) longer than 12 characters: none may
// show on the Korean page. Shorter ones ("FGSM ε", "L2") are shared notation.
const ENGLISH_PHRASES = [...new Set(Object.values(en).flatMap((s) => s.split(/\{\w+\}/))
  .map((s) => s.trim()).filter((s) => s.length > 12))];

/** The visible English phrases on the page. */
async function englishShown() {
  // The provenance lines quote the model's own metadata ("adam lr=0.01 ..."), written by the
  // engine. The model menus count: innerText leaves out a select's options, so they are added.
  const shown = await page.evaluate(() => {
    const quoted = [...document.querySelectorAll('.provenance')];
    for (const el of quoted) el.style.display = 'none';
    const seen = document.body.innerText;
    for (const el of quoted) el.style.display = '';
    const options = [...document.querySelectorAll('.model-select option')].map((o) => o.text);
    return [seen, ...options].join('\n');
  });
  return ENGLISH_PHRASES.filter((phrase) => shown.includes(phrase));
}

test('?lang=ko: the static text, the run-time text and the document are Korean', async () => {
  await open('?lang=ko');
  assert.equal(await page.$eval('html', (el) => el.lang), 'ko');
  assert.equal(await page.title(), ko['lab.title']);
  assert.equal(await textOf('#input-title'), ko['lab.input']);
  assert.equal(await textOf('#train-title'), ko['lab.trainTitle']);
  assert.equal(await textOf('#clear'), ko['lab.clear']);
  assert.equal(await textOf('#standard .model-title'), ko['lab.card.standard']);
  assert.equal(await textOf('#defended .model-title'), ko['lab.card.defended']);
  assert.equal(await page.$eval('#pad', (el) => el.getAttribute('aria-label')), ko['lab.pad']);
  assert.equal(await page.$eval('#lang', (el) => el.value), 'ko');
  for (const slot of ['standard', 'defended']) {
    const { value, text } = await page.$eval(`#${slot} .model-select`,
      (s) => ({ value: s.value, text: s.selectedOptions[0].text }));
    assert.equal(text, ko[`lab.modelName.${value}`], `the ${slot} card's model name`);
  }
  assert.match(await textOf('#status'), pattern(ko, 'lab.ready'));
  assert.match(await textOf('#digit-note'), pattern(ko, 'lab.digitNote'));
  assert.match(await textOf('#standard .norms'), pattern(ko, 'lab.norms'));
  assert.ok([ko['lab.flipped'], ko['lab.holds']].includes(await textOf('#standard .outcome')));

  await page.check('#detect');
  await settled(page);
  assert.match(await textOf('#defended .detector'), pattern(ko, 'lab.detectorSays'));
  await page.click('#clear');
  assert.equal(await textOf('#digit-note'), ko['lab.drawDigit']);
  await page.click('#random');
  await page.waitForFunction((note) => document.querySelector('#digit-note').textContent !== note,
    ko['lab.drawDigit'], { polling: POLL_MS });
  await settled(page);
  assert.match(await textOf('#digit-note'), pattern(ko, 'lab.digitNote'));

  await page.selectOption('#robust-n', '200');
  await page.click('#measure');
  await page.waitForFunction(() =>
    document.querySelectorAll('#measurements tbody tr').length === 5, undefined,
  { timeout: 60000, polling: POLL_MS });
  assert.equal(await textOf('#measurements tbody td'), ko['lab.row.cleanStandard']);
  assert.deepEqual(await englishShown(), []);
  await page.screenshot({ path: join(OUT, 'lab-ko.png'), fullPage: true });
});

test('the Korean page fits a phone screen', async () => {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  await page.screenshot({ path: join(OUT, 'lab-ko-phone.png'), fullPage: true });
  await page.setViewportSize(DESKTOP);
  assert.ok(overflow <= 0, `the Korean page is ${overflow} px wider than a phone screen`);
});

/** What a switch must leave alone: the pad's pixels and both models' probabilities. */
function computed() {
  return page.evaluate(() => ({
    pad: document.querySelector('#pad').toDataURL(),
    standard: document.querySelector('#standard').dataset.probs,
    defended: document.querySelector('#defended').dataset.probs,
  }));
}

test('the switch changes the strings live, keeps what was computed, and is remembered', async () => {
  await page.evaluate(() => localStorage.clear());
  await open();
  assert.equal(await page.$eval('html', (el) => el.lang), 'en', 'headless Chromium is en-US');
  assert.equal(await textOf('#train-title'), en['lab.trainTitle']);
  // The check for English left on the Korean page sees English where there is some.
  assert.ok((await englishShown()).length > 20, 'the English page shows no English phrase');
  // A drawn stroke, so that the pad holds something no reload could restore.
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  await settled(page);
  const drawn = await computed();
  assert.equal(await textOf('#digit-note'), en['lab.drawDigit']);

  await page.selectOption('#lang', 'ko');
  assert.equal(await page.$eval('html', (el) => el.lang), 'ko');
  assert.equal(await textOf('#train-title'), ko['lab.trainTitle']);
  assert.equal(await textOf('#digit-note'), ko['lab.drawDigit']);
  assert.match(await textOf('#status'), pattern(ko, 'lab.ready'));
  assert.equal(await page.$eval('#chart-loss .legend', (el) => el.textContent),
    ko['lab.chart.lossOf'].replace('{model}', ko['lab.slot.standard']));
  assert.deepEqual(await computed(), drawn, 'the switch changed the drawing or the answers');
  assert.equal(new URL(page.url()).searchParams.get('lang'), 'ko');

  await page.selectOption('#lang', 'en');
  assert.equal(await textOf('#train-title'), en['lab.trainTitle']);
  assert.match(await textOf('#status'), pattern(en, 'lab.ready'));
  assert.deepEqual(await computed(), drawn, 'switching back changed the drawing or the answers');

  await page.selectOption('#lang', 'ko');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  assert.equal(await textOf('#train-title'), ko['lab.trainTitle'], 'after a reload');
  await open();
  assert.equal(await textOf('#train-title'), ko['lab.trainTitle'], 'without ?lang, remembered');
  await open('?lang=en');
  assert.equal(await textOf('#train-title'), en['lab.trainTitle'], '?lang= comes first');
  await page.screenshot({ path: join(OUT, 'lab-en.png'), fullPage: true });
});

// Starts one epoch of the standard model on 3000 images (and `fields`), and waits for progress.
async function startShortRun(fields = {}) {
  await page.selectOption('[name=which]', 'standard');
  for (const [name, value] of Object.entries({ epochs: '1', limit: '3000', ...fields })) {
    await page.fill(`[name=${name}]`, value);
  }
  await page.click('#train');
  await page.waitForFunction(() => document.querySelector('#train-progress').value > 0,
    undefined, { timeout: 60000, polling: POLL_MS });
}

test('a switch mid-training: the run goes on, and its progress and result are said in Korean',
  async () => {
    await open('?lang=en');
    await startShortRun({ batch: '32' });
    await page.selectOption('#lang', 'ko');
    const progress = await textOf('#train-status');
    assert.ok(pattern(ko, 'lab.trainProgress').test(progress) ||
      progress === ko['lab.trained'], `the training status after the switch: "${progress}"`);
    await page.waitForFunction((done) => document.querySelector('#train-status').textContent ===
      done, ko['lab.trained'], { timeout: 120000, polling: POLL_MS });
    await settled(page);
    assert.match(await page.$eval('#standard .model-select', (s) => s.selectedOptions[0].text),
      pattern(ko, 'lab.modelName.trainedStandard'), 'the trained model is on show, named in Korean');
    assert.ok((await answer(page, 'standard')).probs, 'the trained model answers');
    assert.deepEqual(await englishShown(), []);
  });

test("a killed worker's notice is Korean, its cause too", async () => {
  await open('?lang=ko');
  // Still training when the worker is killed, and after the new one resumes it: a short run of
  // 3,000 images can end first (about 0.1 s on 2 workers), and then no run is there to resume.
  await startShortRun({ epochs: '3', limit: '60000' });
  await page.evaluate(() => window.labWorker.terminate());
  const took = [pattern(ko, 'lab.crashResumed'), pattern(ko, 'lab.crashRunLost')];
  await page.waitForFunction((sources) => sources.some((source) => new RegExp(source)
    .test(document.querySelector('#notice-text').textContent)), took.map((p) => p.source),
  { timeout: 60000, polling: POLL_MS });
  const cause = ko['lab.why.silent'].replace('{seconds}', '\\d+');
  assert.match(await textOf('#notice-text'), new RegExp(`\\(${cause}\\)`));
  await page.click('#cancel');
  await page.waitForFunction(() => !document.querySelector('#train').disabled, undefined,
    { timeout: 60000, polling: POLL_MS });
});

test('no console errors in the whole run', () => {
  assert.deepEqual(lab.consoleErrors, []);
});
