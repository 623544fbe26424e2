// "Load a run (JSON)" (issue 18, Reproduce) in each engine (tests/browser/engines.mjs), under the
// strict CSP: the accuracy-against-eps curves, the defence check (AutoAttack's quick suite), the
// universal perturbation, a short training run, and in Chromium a poison search and a theft are
// run in the page and exported as JSON through the page's export buttons (the probe keeps the
// file instead of saving it); the page is reloaded, each JSON is loaded back, and the panel's
// new numbers equal the first run's. Bad files each get their own message naming the file, and
// what the page had computed stays; a sweep's JSON goes to the Sweeps panel. Screenshots of the
// loaded state in English, Korean and at phone width.
//
// ADVLAB_ENGINES=chromium runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTab } from './engines.mjs';
import { answer, CHOSEN, click, probedLab, probeRecord, ready, setControl, settled, textOf }
  from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const SHOTS = join(OUT, 'reproduce');
const RUN_MS = 300000;

const lab = probedLab();
before(() => mkdirSync(SHOTS, { recursive: true }));

// The JSON the export button `name` saves, as the page made it.
async function exported(tab, name) {
  return JSON.parse(await tab.evaluate(async (n) => {
    probe.downloads.length = 0;
    document.querySelector(`[data-exports="${n}"] [data-format=json]`).click();
    return probe.downloads.pop().blob.text();
  }, name));
}

// Loads `body` through "Load a run (JSON)" as a file called `file`.
async function load(tab, file, body) {
  await tab.evaluate(([name, text]) => {
    delete document.querySelector('#run-status').dataset.state;
    const chosen = new DataTransfer();
    chosen.items.add(new File([text], name, { type: 'application/json' }));
    const input = document.querySelector('#run-file');
    input.files = chosen.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, [file, body]);
}

// Loads a good run and waits until it has run again.
async function rerun(tab, file, json) {
  await load(tab, file, JSON.stringify(json));
  await tab.waitFor(() => document.querySelector('#run-status').dataset.state === 'done',
    undefined, { timeout: RUN_MS, what: `${file} to run again`,
      show: () => document.querySelector('#run-status').textContent });
}

// Loads a bad file and answers the message the page shows for it.
async function refused(tab, file, body) {
  await load(tab, file, body);
  await tab.waitFor(() => document.querySelector('#run-status').dataset.state === 'error',
    undefined, { what: `${file} to be refused`,
      show: () => document.querySelector('#run-status').textContent });
  return textOf(tab, '#run-status');
}

const idle = (tab, button, what) => tab.waitFor((b) => !document.querySelector(b).disabled, button,
  { timeout: RUN_MS, what });

// What each run's numbers are: the curves' series, the check's table without its timings, the
// perturbation's figures (its float32 bytes among them).
const curveNumbers = (j) => j.series.map((s) => s.points);
const auditNumbers = (j) => j.rows.map((r) => r.slice(0, -1));
const universalNumbers = ({ fooled, n, rate, fitFooled, fitRate, passes, norm, v }) =>
  ({ fooled, n, rate, fitFooled, fitRate, passes, norm, v });

for (const engine of CHOSEN) {
  describe(`${engine}: a run's JSON loads back and runs again`, () => {
    let tab;
    const first = {};
    before(async () => { tab = await openTab(engine, { height: 1200 }); });
    after(async () => { await tab?.close(); });

    test('curves, the defence check and the universal perturbation, run in the page', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await setControl(tab, '#robust-n', '200');
      await click(tab, '#curves');
      await tab.waitFor(() => document.querySelector('#chart-curve').dataset.settings &&
        !document.querySelector('#curves').disabled, undefined, { timeout: RUN_MS,
        what: 'the curves' });
      first.curves = await exported(tab, 'accuracy-vs-eps');

      for (const [name, value] of [['slot', 'standard'], ['suite', 'quick'], ['n', '100']]) {
        await setControl(tab, `#audit-form [name=${name}]`, value);
      }
      await click(tab, '#audit-run');
      await tab.waitFor(() => document.querySelector('#audit-table').dataset.settings &&
        !document.querySelector('#audit-run').disabled, undefined, { timeout: RUN_MS,
        what: 'the defence check' });
      first.audit = await exported(tab, 'autoattack');

      for (const [name, value] of [['slot', 'standard'], ['fit', '50'], ['maxIter', '2'],
        ['n', '100']]) {
        await setControl(tab, `#universal-form [name=${name}]`, value);
      }
      await click(tab, '#universal-run');
      await tab.waitFor(() => document.querySelector('#universal-report').dataset.v &&
        !document.querySelector('#universal-run').disabled, undefined, { timeout: RUN_MS,
        what: 'the universal perturbation' });
      first.universal = await exported(tab, 'universal-perturbation');

      // What each JSON records to run again: the models by id and name, every setting.
      assert.deepEqual(Object.keys(first.curves.settings.models), ['standard', 'defended']);
      assert.equal(first.curves.settings.n, 200);
      assert.deepEqual(first.audit.settings, { slot: 'standard', pre: 'none', suite: 'quick',
        eps: 0.3, n: 100, models: { standard: first.curves.settings.models.standard } });
      assert.deepEqual(first.universal.settings, { slot: 'standard', eps: 0.3, norm: 'inf',
        delta: 0.2, maxIter: 2, fit: 50, n: 100,
        models: { standard: first.curves.settings.models.standard } });
      assert.equal(first.universal.advlab, first.curves.advlab);
      assert.ok(Number(first.universal.fooled) > 0, 'the perturbation fooled nothing');
      assert.equal(first.curves.series.length, 4);
      const points = first.curves.settings.eps.length;
      assert.ok(first.curves.series.every((s) => s.points.length === points));
      assert.equal(first.audit.rows.length, 2, 'the quick suite has two attacks');
    });

    test('reloaded, each JSON runs again to the same numbers', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      // Other controls than the files' (they go back into the panels).
      await setControl(tab, '#robust-n', '1000');
      await setControl(tab, '#universal-form [name=fit]', '200');
      await setControl(tab, '#audit-form [name=suite]', 'autoattack');

      await rerun(tab, 'advlab-accuracy-vs-eps.json', first.curves);
      const curves = await exported(tab, 'accuracy-vs-eps');
      assert.deepEqual(curveNumbers(curves), curveNumbers(first.curves));
      assert.deepEqual(curves.settings, first.curves.settings);
      assert.equal(await tab.evaluate(() => document.querySelector('#robust-n').value), '200');

      await rerun(tab, 'advlab-autoattack.json', first.audit);
      const audit = await exported(tab, 'autoattack');
      assert.deepEqual(auditNumbers(audit), auditNumbers(first.audit));
      assert.deepEqual(audit.settings, first.audit.settings);

      await rerun(tab, 'advlab-universal-perturbation.json', first.universal);
      const universal = await exported(tab, 'universal-perturbation');
      assert.deepEqual(universalNumbers(universal), universalNumbers(first.universal));
      assert.deepEqual(universal.settings, first.universal.settings);
      const said = await textOf(tab, '#run-status');
      assert.ok(said.includes('advlab-universal-perturbation.json') &&
        said.includes('universal perturbation'), said);
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('bad files each get their message, and the numbers shown stay', async () => {
      const curves = JSON.stringify(first.curves);
      const edited = (json, change) => {
        const copy = JSON.parse(JSON.stringify(json));
        change(copy);
        return JSON.stringify(copy);
      };
      const cases = [
        ['broken.json', '{"name": "accuracy-vs-eps",', /broken\.json is not JSON/],
        ['empty.json', '', /empty\.json is not JSON/],
        ['list.json', '[1, 2]', /list\.json is not a run this page exported/],
        ['other.json', edited(first.curves, (j) => { j.name = 'confusion-matrix'; }),
          /other\.json: no panel here makes a run named "confusion-matrix"/],
        ['future.json', edited(first.curves, (j) => { j.advlab = '99.0.0'; }),
          /future\.json was made by advlab 99\.0\.0, newer than this page's/],
        ['bare.json', edited(first.curves, (j) => { j.settings = null; }),
          /bare\.json: the accuracy-against-ε curves in it has no settings/],
        ['no-n.json', edited(first.curves, (j) => { delete j.settings.n; }),
          /no-n\.json: the setting "n" is missing/],
        ['n.json', edited(first.curves, (j) => { j.settings.n = 7; }),
          /n\.json: the setting "n" is 7, not one of 200, 1000, 10000/],
        ['eps.json', edited(first.universal, (j) => { j.settings.eps = 50; }),
          /eps\.json: the setting "eps" is 50, outside 0\.05 to 10/],
        ['nan.json', edited(first.audit, (j) => { j.settings.eps = 'NaN'; }),
          /nan\.json: the setting "eps" is NaN, not a number/],
        ['model.json', edited(first.audit, (j) => {
          j.settings.models.standard = { id: 'trained-standard-elsewhere', name: 'my model' };
        }), /model\.json: this run needs the model "my model" \(trained-standard-elsewhere\), which is not in this browser/],
      ];
      for (const [file, body, expected] of cases) {
        assert.match(await refused(tab, file, body), expected);
      }
      // Dropped on the page, a file loads as if chosen.
      await tab.evaluate(() => {
        delete document.querySelector('#run-status').dataset.state;
        const dropped = new DataTransfer();
        dropped.items.add(new File(['not json'], 'dropped.json', { type: 'application/json' }));
        document.querySelector('#study').dispatchEvent(new DragEvent('drop',
          { dataTransfer: dropped, bubbles: true, cancelable: true }));
      });
      await tab.waitFor(() => document.querySelector('#run-status').dataset.state === 'error',
        undefined, { what: 'the dropped file to be refused' });
      assert.match(await textOf(tab, '#run-status'), /^dropped\.json is not JSON/);
      await tab.evaluate(() => scrollTo(0, 0));
      await tab.screenshot(join(SHOTS, `${engine}-refused.png`));
      // A sweep's JSON goes to the Sweeps panel's loader, whose message (the C's) it gets.
      await load(tab, 'sweep.json', '{"vary": [{"key": "eps", "values": [0.1]}], "measure": ["x"]}');
      await tab.waitFor(() => document.querySelector('#sweep-status').classList.contains('is-error'),
        undefined, { what: 'the sweep panel to refuse the spec' });
      assert.equal(await textOf(tab, '#run-status'), 'sweep.json: a sweep, loaded into the Sweeps panel.');
      assert.match(await textOf(tab, '#sweep-status'), /^Not run: .*"x"/);
      // Nothing ran: the controls and the numbers are the last run's.
      assert.equal(await tab.evaluate(() => document.querySelector('#robust-n').value), '200');
      assert.equal(await tab.evaluate(() =>
        document.querySelector('#universal-form [name=eps]').value), '0.3');
      assert.deepEqual(curveNumbers(await exported(tab, 'accuracy-vs-eps')),
        curveNumbers(JSON.parse(curves)));

      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      const korean = await refused(tab, 'n.json', edited(first.curves, (j) => { j.settings.n = 7; }));
      assert.match(korean, /[\uac00-\ud7a3]/, 'the Korean message has no Hangul');
      assert.ok(korean.includes('n.json') && korean.includes('200, 1000, 10000'), korean);
      await setControl(tab, '#lang', 'en');
      await tab.waitFor(() => document.documentElement.lang === 'en');
    });

    // Progress is drawn as time passes, so the charts' points in between differ from run to
    // run; the last loss, the test accuracy at the epoch's end and the trained model's answer
    // on the page's digit are the run's numbers.
    const trainedNumbers = async () => ({
      loss: (await exported(tab, 'training-loss')).series[0].points.at(-1)[1],
      accuracy: (await exported(tab, 'training-accuracy')).series.map((s) => s.points.at(-1)[1]),
      probs: (await settled(tab), (await answer(tab, 'standard')).probs),
    });

    test('a training run\'s JSON trains again to the same model', async () => {
      for (const [name, value] of [['which', 'standard'], ['epochs', '1'], ['limit', '1000'],
        ['seed', '7']]) {
        await setControl(tab, `#train-form [name=${name}]`, value);
      }
      await click(tab, '#train');
      await tab.waitFor(() => document.querySelector('#train-progress').value === 1 &&
        !document.querySelector('#train').disabled, undefined, { timeout: RUN_MS,
        what: 'the training run' });
      const trained = await exported(tab, 'training-loss');
      assert.deepEqual(trained.settings.models, {});
      assert.equal(trained.settings.settings.seed, 7);
      const before = await trainedNumbers();
      assert.ok(before.accuracy.length === 2 && before.probs, JSON.stringify(before));

      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await setControl(tab, '#train-form [name=epochs]', '3');
      await rerun(tab, 'advlab-training-loss.json', trained);
      assert.deepEqual(await trainedNumbers(), before);
      assert.deepEqual((await exported(tab, 'training-loss')).settings, trained.settings);
      assert.equal(await tab.evaluate(() =>
        document.querySelector('#train-form [name=epochs]').value), '1');
    });

    // The poison search and the theft run again in Chromium only: their numbers in Firefox and
    // WebKit are poison.test.mjs's and steal.test.mjs's, and the loader is the one tested above.
    const chromiumOnly = engine !== 'chromium' &&
      'its numbers in this engine are its panel test\'s; the loader is tested above';

    test('a poison search\'s JSON finds the same poison in the same poisoned model',
      { skip: chromiumOnly }, async () => {
      await setControl(tab, '#poison-trigger', 'pattern');
      await click(tab, '#poison-run');
      await tab.waitFor(() => !document.querySelector('#poison-train').disabled, undefined,
        { timeout: 60000, what: 'the poisoning' });
      await setControl(tab, '#train-form [name=limit]', '2000');
      await click(tab, '#poison-train');
      await tab.waitFor(() => !document.querySelector('#cleanse-run').disabled &&
        !document.querySelector('#train').disabled, undefined, { timeout: RUN_MS,
        what: 'the poisoned model to train' });
      await setControl(tab, '#cleanse-retrain', false);
      await click(tab, '#cleanse-run');
      await tab.waitFor(() => document.querySelector('#cleanse-table').dataset.settings &&
        !document.querySelector('#cleanse-run').disabled, undefined, { timeout: RUN_MS,
        what: 'the search' });
      const found = await exported(tab, 'poison-search');
      const figures = () => tab.evaluate(() =>
        ({ ...document.querySelector('#cleanse-report').dataset }));
      const before = await figures();
      assert.equal(found.settings.retrain, null);
      assert.match(found.settings.models.standard.id, /./);
      assert.ok(Number(before.flagged) > 0, 'nothing flagged');

      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await setControl(tab, '#cleanse-defence', 'spectral');
      await rerun(tab, 'advlab-poison-search.json', found);
      assert.deepEqual(await figures(), before);
      assert.deepEqual((await exported(tab, 'poison-search')).rows, found.rows);
      assert.equal(await tab.evaluate(() => document.querySelector('#cleanse-defence').value),
        'ac');
    });

    test('a theft\'s budget curve steals again to the same thieves', { skip: chromiumOnly },
      async () => {
      for (const [name, value] of [['victim', 'standard'], ['method', 'knockoff:random'],
        ['queries', '200'], ['seed', '5']]) {
        await setControl(tab, `#steal-form [name=${name}]`, value);
      }
      await click(tab, '#steal-run');
      await tab.waitFor(() => document.querySelector('#chart-steal').dataset.settings &&
        !document.querySelector('#steal-run').disabled, undefined, { timeout: RUN_MS,
        what: 'the theft' });
      const curve = await exported(tab, 'theft-against-queries');
      const report = () => tab.evaluate(() => ({ ...document.querySelector('#steal-report').dataset }));
      const before = await report();
      assert.equal(curve.settings.method, 'knockoff');
      assert.deepEqual(curve.series[0].points.map(([q]) => q), [100, 200]);

      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await setControl(tab, '#steal-form [name=queries]', '5000');
      await rerun(tab, 'advlab-theft-against-queries.json', curve);
      assert.deepEqual((await exported(tab, 'theft-against-queries')).series, curve.series);
      assert.deepEqual(await report(), before);
    });

    test('screenshots of the loaded state: English, Korean, phone width', async () => {
      await rerun(tab, 'advlab-accuracy-vs-eps.json', first.curves);
      await idle(tab, '#curves', 'the curves');
      await tab.evaluate(() => scrollTo(0, 0));
      await tab.screenshot(join(SHOTS, `${engine}-loaded.png`));
      await tab.evaluate(() => document.querySelector('#chart-curve').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-loaded-panel.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      const korean = await textOf(tab, '#run-status');
      assert.match(korean, /[\uac00-\ud7a3]/, korean);
      assert.ok(korean.includes('정확도 곡선') && !korean.includes('curves'), korean);
      assert.match(await textOf(tab, '.run-load'), /실행 불러오기/);
      await tab.evaluate(() => scrollTo(0, 0));
      await tab.screenshot(join(SHOTS, `${engine}-loaded-ko.png`));
      await tab.resize(390, 844);
      await tab.evaluate(() => scrollTo(0, 0));
      assert.ok(await tab.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
        'the page is wider than a phone');
      await tab.screenshot(join(SHOTS, `${engine}-loaded-phone.png`));
      await setControl(tab, '#lang', 'en');
    });
  });
}
