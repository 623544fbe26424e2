// The Sweeps panel (issue 18) in each engine (tests/browser/engines.mjs), under the strict CSP,
// with small settings: an eps x ratio grid over 3 seeds run across the pool equals
// `advlab sweep --json` and `--csv` from the native CLI; its exports (the C's CSV and JSON, the
// chart's SVG) parse, equal the table, and speak the page's language; bad specs get the C's
// message while a sweep runs on untouched; a sweep paused, reloaded and resumed ends as the CLI's
// straight run; a sweep's JSON loads back and runs again. Screenshots in English, Korean, at phone
// width and of the print report (print media, which only Chromium's driver emulates), and of the
// guided path at the top of the page.
//
// ADVLAB_NATIVE=build/native/advlab (the default) is the CLI compared with.
// ADVLAB_ENGINES=chromium runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTab } from './engines.mjs';
import { CHOSEN, click, probedLab, probeRecord, ready, setControl, textOf } from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const SHOTS = join(OUT, 'sweep');
const NATIVE = process.env.ADVLAB_NATIVE ?? 'build/native/advlab';

// The grid: eps x ratio, 3 seeds, small enough for a few seconds per engine.
const GRID = { key1: 'eps', values1: '0.1,0.2', key2: 'ratio', values2: '0.3,0.5',
  seeds: '1,2,3', train_limit: 300, test_limit: 100, epochs: 1, adv_epochs: 1 };
const GRID_FLAGS = ['--vary', 'eps=0.1,0.2', '--vary', 'ratio=0.3,0.5', '--seeds', '1,2,3',
  '--train-limit', '300', '--test-limit', '100', '--epochs', '1', '--adv-epochs', '1'];
// One setting, cells long enough to pause between them.
const LINE = { key1: 'eps', values1: '0:0.3:0.1', key2: '', values2: '', seeds: '1,2',
  train_limit: 1000, test_limit: 200, epochs: 1, adv_epochs: 1 };
const LINE_FLAGS = ['--vary', 'eps=0:0.3:0.1', '--seeds', '1,2', '--train-limit', '1000',
  '--test-limit', '200', '--epochs', '1', '--adv-epochs', '1'];
// In the form's order, which the page's spec takes.
const MEASURE = ['clean_defended', 'fgsm_defended'];
// The attack family: the attack x the defence, by name, on a small standard model.
const ATTACK = { family: 'attack', key1: 'attack', values1: 'fgsm,pgd', key2: 'defence',
  values2: 'none,squeeze', seeds: '1', train_limit: 300, test_limit: 60, epochs: 1, eps: 0.2,
  max_iter: 3 };
const ATTACK_FLAGS = ['--family', 'attack', '--vary', 'attack=fgsm,pgd', '--vary',
  'defence=none,squeeze', '--seeds', '1', '--train-limit', '300', '--test-limit', '60',
  '--epochs', '1', '--eps', '0.2', '--max-iter', '3'];
const ATTACK_MEASURE = ['clean_accuracy', 'robust_accuracy'];

// `advlab sweep --json` and its --csv file.
function nativeSweep(flags, measure = MEASURE) {
  const dir = mkdtempSync(join(tmpdir(), 'advlab-sweep-'));
  try {
    const csv = join(dir, 'cells.csv');
    const json = JSON.parse(execFileSync(NATIVE, ['sweep', ...flags, '--measure',
      measure.join(','), '--json', '--csv', csv], { encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'] }));
    return { json, csv: readFileSync(csv, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lab = probedLab();
let native;
before(() => {
  mkdirSync(SHOTS, { recursive: true });
  native = { grid: nativeSweep(GRID_FLAGS), line: nativeSweep(LINE_FLAGS),
    attack: nativeSweep(ATTACK_FLAGS, ATTACK_MEASURE) };
});

async function setForm(tab, values) {
  for (const [name, v] of Object.entries(values)) {
    await setControl(tab, `#sweep-form [name=${name}]`, v);
  }
  await tab.evaluate((measure) => {
    for (const box of document.querySelectorAll('#sweep-form [name=measure]')) {
      box.checked = measure.includes(box.value);
    }
  }, MEASURE);
}

const sweepState = (tab, state, timeout = 300000) => tab.waitFor((s) =>
  document.querySelector('#sweep-results').dataset.state === s &&
  document.querySelector('#sweep-pause').disabled, state,
{ timeout, what: `the sweep to be ${state}`,
  show: () => [document.querySelector('#sweep-status').textContent,
    document.querySelector('#sweep-progress').value,
    document.querySelector('#notice-text').textContent] });

// What an export button saves: its file name and text (the page's download link, caught).
const exported = (tab, selector) => tab.evaluate(async (s) => {
  const create = URL.createObjectURL;
  let blob = null;
  URL.createObjectURL = (b) => { blob = b; return create(b); };
  const anchorClick = HTMLAnchorElement.prototype.click;
  let name = null;
  HTMLAnchorElement.prototype.click = function saved() { name = this.download; };
  try {
    document.querySelector(s).click();
  } finally {
    URL.createObjectURL = create;
    HTMLAnchorElement.prototype.click = anchorClick;
  }
  return { name, text: await blob.text() };
}, selector);

const button = (bar, format) => `[data-exports=${bar}] [data-format=${format}]`;

// The table's rows, as the numbers its cells hold.
const tableValues = (tab) => tab.evaluate(() => [...document.querySelectorAll(
  '#sweep-table tbody tr')].map((r) => [...r.cells].map((c) => Number(c.dataset.value))));

// An error shown in the panel's status line after Run.
async function refused(tab, values) {
  await setForm(tab, values);
  await tab.evaluate(() => document.querySelector('#sweep-status').classList.remove('is-error'));
  await click(tab, '#sweep-run');
  await tab.waitFor(() => document.querySelector('#sweep-status').classList.contains('is-error'),
    undefined, { what: 'the refusal' });
  return textOf(tab, '#sweep-status');
}

for (const engine of CHOSEN) {
  describe(`${engine}: sweeps`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1400 }); });
    after(async () => { await tab?.close(); });

    test('an eps x ratio grid over 3 seeds: the CLI\'s numbers, exports and refusals',
      async () => {
        await tab.goto(`${lab.url}/web/index.html`);
        await ready(tab);
        await tab.screenshot(join(SHOTS, `${engine}-study.png`));
        await setForm(tab, GRID);
        await click(tab, '#sweep-run');
        await sweepState(tab, 'done');

        const results = JSON.parse((await exported(tab, button('sweep-points', 'json'))).text);
        assert.deepEqual(results.cells, native.grid.json.cells);
        assert.deepEqual(results.points, native.grid.json.points);
        assert.deepEqual(results.spec, native.grid.json.spec);
        const cells = await exported(tab, button('sweep-cells', 'csv'));
        assert.equal(cells.text, native.grid.csv);
        // The points' CSV is the table, number for number.
        const [header, ...rows] = (await exported(tab, button('sweep-points', 'csv'))).text
          .trim().split('\n').map((line) => line.split(','));
        assert.deepEqual(header, ['point', 'eps', 'ratio', 'seeds', 'clean_defended_mean',
          'clean_defended_std', 'fgsm_defended_mean', 'fgsm_defended_std']);
        const shown = await tableValues(tab);
        assert.equal(shown.length, 4);
        assert.deepEqual(shown, rows.map((r) => [r[1], r[2], ...r.slice(4)].map(Number)));
        assert.match(await textOf(tab, '#sweep-table'), /defended model under FGSM: mean accuracy/);
        assert.equal(await textOf(tab, '.sweep-command code'), 'advlab sweep --vary ' +
          'eps=0.1,0.2 --vary ratio=0.3,0.5 --seeds 1,2,3 --measure clean_defended,fgsm_defended ' +
          '--train-limit 300 --test-limit 100 --epochs 1 --adv-epochs 1');

        // The chart's SVG is XML, and its words are the page's language's.
        const svgOf = async () => (await exported(tab, button('sweep-cells', 'svg'))).text;
        const parses = (svg) => tab.evaluate((s) => new DOMParser()
          .parseFromString(s, 'image/svg+xml').getElementsByTagName('parsererror').length === 0, svg);
        await setControl(tab, '#sweep-shown', 'fgsm_defended');
        const english = await svgOf();
        assert.ok(await parses(english));
        assert.match(english, /defended model under FGSM/);
        assert.match(english, /adversarial ratio/);
        await tab.evaluate(() => document.querySelector('#sweep').scrollIntoView());
        await tab.screenshot(join(SHOTS, `${engine}-grid.png`));
        await setControl(tab, '#lang', 'ko');
        await tab.waitFor(() => document.documentElement.lang === 'ko');
        const korean = await svgOf();
        assert.ok(await parses(korean));
        assert.match(korean, /FGSM 공격을 받은 방어 모델/);
        assert.match(korean, /적대적 비율/);
        assert.doesNotMatch(korean, /adversarial ratio/);
        await tab.evaluate(() => document.querySelector('#sweep').scrollIntoView());
        await tab.screenshot(join(SHOTS, `${engine}-grid-ko.png`));
        await tab.evaluate(() => scrollTo(0, 0));
        await tab.screenshot(join(SHOTS, `${engine}-study-ko.png`));
        await setControl(tab, '#lang', 'en');

        await tab.resize(390, 844);
        const overflow = await tab.evaluate(() =>
          document.documentElement.scrollWidth - innerWidth);
        await tab.evaluate(() => document.querySelector('#sweep-results').scrollIntoView());
        await tab.screenshot(join(SHOTS, `${engine}-grid-phone.png`));
        await tab.evaluate(() => document.querySelector('#study').scrollIntoView());
        await tab.screenshot(join(SHOTS, `${engine}-study-phone.png`));
        await tab.resize(1280, 1400);
        assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);

        if (tab.printMedia) {
          await tab.printMedia(true);
          const print = await tab.evaluate(() => ({
            shown: [...document.querySelectorAll('main > *')]
              .filter((s) => getComputedStyle(s).display !== 'none').map((s) => s.id),
            form: getComputedStyle(document.querySelector('#sweep-form')).display,
            command: getComputedStyle(document.querySelector('.sweep-command')).display,
            loader: getComputedStyle(document.querySelector('.run-load')).display }));
          await tab.evaluate(() => scrollTo(0, 0));
          await tab.screenshot(join(SHOTS, `${engine}-print.png`));
          // The printed report in Korean: its title and table headers too.
          await setControl(tab, '#lang', 'ko');
          await tab.waitFor(() => document.documentElement.lang === 'ko');
          const koreanReport = await textOf(tab, '#sweep');
          await tab.screenshot(join(SHOTS, `${engine}-print-ko.png`));
          await setControl(tab, '#lang', 'en');
          await tab.printMedia(false);
          assert.deepEqual(print, { shown: ['sweep'], form: 'none', command: 'block', loader: 'none' });
          assert.match(koreanReport, /적대적 비율/);
          assert.doesNotMatch(koreanReport, /adversarial ratio/);
        }
        assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
      });

    test('refused while running, paused, reloaded and resumed: the CLI\'s straight run',
      async () => {
      await setForm(tab, LINE);
      await click(tab, '#sweep-run');
      await tab.waitFor(() => document.querySelector('#sweep-status').textContent
        .startsWith('Running'), undefined, { what: 'the sweep to start' });
      // Bad specs while it runs: the C's message, and the sweep goes on.
      assert.match(await refused(tab, { values1: '' }), /^Not run: .*eps.*empty/);
      assert.match(await refused(tab, { values1: '0.1,abc' }),
        /^Not run: .*"abc" is not a number/);
      assert.match(await refused(tab, { values1: '0:1:0.001', key2: 'ratio',
        values2: '0:1:0.01' }), /^Not run: .*4096 cells/);
      assert.match(await refused(tab, { values1: '0.1,0.2', key2: '' }), /A sweep is running/);
      await tab.waitFor(() => Number(document.querySelector('#sweep-results').dataset.done) > 0,
        undefined, { timeout: 300000, what: 'a first cell' });
      await click(tab, '#sweep-pause');
      await sweepState(tab, 'paused');
      const paused = JSON.parse((await exported(tab, button('sweep-points', 'json'))).text);
      assert.ok(paused.cells.length > 0 && paused.cells.length < 8,
        `paused after ${paused.cells.length} of 8 cells`);
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await sweepState(tab, 'paused');
      assert.match(await textOf(tab, '#sweep-status'),
        new RegExp(`paused after ${paused.cells.length} of 8 cells`));
      await click(tab, '#sweep-resume');
      await sweepState(tab, 'done');
      const resumed = JSON.parse((await exported(tab, button('sweep-points', 'json'))).text);
      assert.deepEqual(resumed.cells, native.line.json.cells);
      assert.deepEqual(resumed.points, native.line.json.points);
      await tab.evaluate(() => document.querySelector('#sweep').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-line.png`));
    });

    test('a sweep\'s JSON from the CLI loads back, shows its table (and in Chromium runs again)',
      async () => {
      const load = (t, name) => tab.evaluate(([body, file]) => {
        const input = document.querySelector('#sweep-file');
        const files = new DataTransfer();
        files.items.add(new File([body], file, { type: 'application/json' }));
        input.files = files.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }, [t, name]);
      await tab.evaluate(() => document.querySelector('#sweep-status').classList.remove('is-error'));
      await load('{"vary": [{"key": "eps", "values": [0.1]}], "measure": ["nonsense"]}', 'bad.json');
      await tab.waitFor(() => document.querySelector('#sweep-status').classList.contains('is-error'),
        undefined, { what: 'the bad file refused' });
      assert.match(await textOf(tab, '#sweep-status'), /^Not run: .*nonsense/);
      await load(JSON.stringify(native.grid.json), 'grid.json');
      await tab.waitFor(() => document.querySelector('#sweep-status').textContent
        .startsWith('grid.json'), undefined, { what: 'the file to load' });
      assert.equal(await tab.evaluate(() => document.querySelector('#sweep-form [name=values2]')
        .value), '0.3,0.5');
      assert.deepEqual(await tableValues(tab), native.grid.json.points.map((p) =>
        [p.settings.eps, p.settings.ratio, p.mean.clean_defended, p.std.clean_defended,
          p.mean.fgsm_defended, p.std.fgsm_defended]));
      // Running it again is the grid test's computation, which each engine passed above: it
      // runs again in Chromium only.
      if (engine === 'chromium') {
        await click(tab, '#sweep-run');
        await sweepState(tab, 'done');
        const again = JSON.parse((await exported(tab, button('sweep-points', 'json'))).text);
        assert.deepEqual(again.cells, native.grid.json.cells);
      }
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('an attack-family sweep (attack x defence, by name): the CLI\'s numbers', async () => {
      await setForm(tab, ATTACK);
      await tab.evaluate((measure) => {
        for (const box of document.querySelectorAll('#sweep-form [name=measure_attack]')) {
          box.checked = measure.includes(box.value);
        }
      }, ATTACK_MEASURE);
      assert.equal(await tab.evaluate(() => document.querySelector('#sweep-form [name=adv_epochs]')
        .closest('label').hidden), true, 'the experiment\'s settings are hidden');
      await click(tab, '#sweep-run');
      await sweepState(tab, 'done');
      const results = JSON.parse((await exported(tab, button('sweep-points', 'json'))).text);
      assert.deepEqual(results.spec, native.attack.json.spec);
      assert.deepEqual(results.cells, native.attack.json.cells);
      assert.deepEqual(results.points, native.attack.json.points);
      assert.equal((await exported(tab, button('sweep-cells', 'csv'))).text, native.attack.csv);
      assert.equal(await textOf(tab, '.sweep-command code'), 'advlab sweep --family attack ' +
        '--vary attack=fgsm,pgd --vary defence=none,squeeze --seeds 1 --measure ' +
        'clean_accuracy,robust_accuracy --train-limit 300 --test-limit 60 --epochs 1 --eps 0.2 ' +
        '--max-iter 3');
      const rows = await tab.evaluate(() => [...document.querySelectorAll('#sweep-table tbody tr')]
        .map((r) => [...r.cells].slice(0, 2).map((c) => c.textContent)));
      assert.deepEqual(rows, [['fgsm', 'none'], ['fgsm', 'squeeze'], ['pgd', 'none'],
        ['pgd', 'squeeze']]);
      assert.match(await textOf(tab, '#sweep-table'), /accuracy under the attack: mean/);
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      assert.match(await textOf(tab, '#sweep-table'), /공격을 받은 정확도: 평균/);
      await tab.evaluate(() => document.querySelector('#sweep').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-attack-ko.png`));
      await setControl(tab, '#lang', 'en');
      await tab.evaluate(() => document.querySelector('#sweep').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-attack.png`));
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('a kept sweep another engine version made is forgotten; the page starts', async () => {
      const other = JSON.stringify({ ...native.grid.json, engine: '0.0.1' });
      await tab.evaluate((json) => new Promise((resolve, reject) => {
        const req = indexedDB.open('advlab-lab');
        req.onsuccess = () => {
          const tx = req.result.transaction('checkpoints', 'readwrite');
          tx.objectStore('checkpoints').put({ run: 'sweep', json, complete: true });
          tx.oncomplete = () => { req.result.close(); resolve(); };
          tx.onerror = () => reject(tx.error);
        };
        req.onerror = () => reject(req.error);
      }), other);
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      assert.equal(await tab.evaluate(() => document.querySelector('#sweep-results').hidden), true);
      assert.equal(await textOf(tab, '#sweep-status'), '');
      assert.equal(await tab.evaluate(() => document.querySelector('#status')
        .classList.contains('is-error')), false);
      const kept = await tab.waitFor(() => new Promise((resolve) => {
        const req = indexedDB.open('advlab-lab');
        req.onsuccess = () => {
          const get = req.result.transaction('checkpoints').objectStore('checkpoints').get('sweep');
          get.onsuccess = () => { req.result.close(); resolve(get.result === undefined && 'gone'); };
        };
      }), undefined, { what: 'the kept sweep to be forgotten' });
      assert.equal(kept, 'gone');
    });
  });
}
