// The Steal and infer panel (issue 16) in each engine (tests/browser/engines.mjs), under the
// strict CSP: a theft's budget curve and query counter, its report bit-identical to the native
// CLI's `advlab extract`, the thief shown in the card beside its victim, the post-processors
// measured as defences (reverse sigmoid costs a thief of probabilities), Fashion-MNIST as the
// thief's data, membership inference (the overfit model leaks more than the shipped one; a
// picked digit gets a verdict; the ROC curve), and the ten MIFace reconstructions. The exports of
// a table and a chart (issue 18). Screenshots in English, Korean and at phone width.
//
// ADVLAB_NATIVE=build/native/advlab (the default) is the CLI compared with.
// ADVLAB_ENGINES=chromium runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTab } from './engines.mjs';
import { CHOSEN, click, probedLab, probeRecord, ready, setControl, textOf } from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const SHOTS = join(OUT, 'steal');
const NATIVE = process.env.ADVLAB_NATIVE ?? 'build/native/advlab';
const BUDGET = 2000;
// The curve's thefts: the budget halved four times, then each paid for.
const CURVE = [125, 250, 500, 1000, 2000];

const lab = probedLab();

// `advlab extract --json` of the standard model, as the page's theft with the same settings.
function nativeTheft(thief, queries) {
  return JSON.parse(execFileSync(NATIVE, ['extract', '--victim',
    'data/weights/standard.safetensors', '--thief', thief, '--queries', String(queries),
    '--seed', '1', '--json'], { encoding: 'utf8' }));
}

let native;
before(() => {
  mkdirSync(SHOTS, { recursive: true });
  native = { mnist: nativeTheft('mnist', BUDGET), fashion: nativeTheft('fashion', 500) };
});

const waitDone = (tab, button, what) => tab.waitFor((id) => !document.querySelector(id).disabled,
  button, { timeout: 300000, what, show: () => document.querySelector('.steal-panel').innerText });

const reportData = (tab, selector) =>
  tab.evaluate((s) => ({ ...document.querySelector(s).dataset }), selector);

for (const engine of CHOSEN) {
  describe(`${engine}: the Steal and infer panel`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1400 }); });
    after(async () => { await tab?.close(); });

    test('a theft climbs with its budget, matches the CLI, and the thief takes the other card',
      async () => {
        await tab.goto(`${lab.url}/web/index.html`);
        await ready(tab);
        await tab.evaluate(() => document.querySelector('.steal-panel').scrollIntoView());
        await setControl(tab, '[name=queries]', BUDGET);
        await click(tab, '#steal-run');
        await waitDone(tab, '#steal-run', 'the budget curve');
        const points = await tab.evaluate(() =>
          [...document.querySelectorAll('#chart-steal polyline')].map((p) =>
            p.getAttribute('points').trim().split(/\s+/).length));
        assert.deepEqual(points, [CURVE.length, CURVE.length], 'accuracy and fidelity points');
        const paid = CURVE.reduce((a, b) => a + b, 0);
        assert.equal(await textOf(tab, '#steal-queries'),
          `2,000 of 2,000 queries · ${paid.toLocaleString('en')} paid in all`);
        const report = await reportData(tab, '#steal-report');
        assert.equal(Number(report.queries), BUDGET);
        assert.equal(Number(report.thiefAccuracy), native.mnist.thief_accuracy,
          'thief accuracy, page against advlab extract');
        assert.equal(Number(report.fidelity), native.mnist.fidelity, 'fidelity');
        assert.match(await tab.evaluate(() =>
          document.querySelector('#defended .model-select').selectedOptions[0].text),
        /^stolen here .*\(2,000 queries, MNIST training digits, unlabelled\)$/);
      });

    test('the post-processors, measured as defences against a thief of probabilities',
      async () => {
      await setControl(tab, '[name=learn]', 'probabilities');
      await click(tab, '#steal-defences');
      await waitDone(tab, '#steal-defences', 'a theft behind each post-processor');
      const rows = await tab.evaluate(() => [...document.querySelectorAll('#steal-table tbody tr')]
        .map((r) => [...r.cells].map((c) => c.textContent)));
      assert.deepEqual(rows.map((r) => r[0]), ['probabilities', 'reverse sigmoid',
        'high confidence only', 'rounded', 'class labels only']);
      // None of them changes the victim's answers: its accuracy is the same behind each. Reverse
      // sigmoid poisons the probabilities a thief learns from.
      assert.equal(new Set(rows.map((r) => r[1])).size, 1, JSON.stringify(rows));
      const thief = rows.map((r) => Number(r[2].replace('%', '')));
      assert.ok(thief[1] < thief[0] - 30, `reverse sigmoid costs the thief: ${thief}`);
      await setControl(tab, '[name=learn]', 'labels');
    });

    test('the table and the chart export as CSV, JSON, SVG and PNG, in the page\'s language',
      async () => {
        const exported = (format, bar) => tab.evaluate(async ([f, b]) => {
          probe.downloads.length = 0;
          document.querySelector(`[data-exports="${b}"] [data-format="${f}"]`).click();
          for (let i = 0; i < 100 && !probe.downloads.length; i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
          const { name, blob } = probe.downloads[0];
          if (f === 'png') {
            const bitmap = await createImageBitmap(blob);
            const bytes = new Uint8Array(await blob.arrayBuffer());
            return { name, type: blob.type, width: bitmap.width, height: bitmap.height,
              base64: btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join('')) };
          }
          const body = await blob.text();
          if (f !== 'svg') return { name, body };
          const doc = new DOMParser().parseFromString(body, 'image/svg+xml');
          return { name, body, broken: doc.querySelector('parsererror') !== null,
            texts: [...doc.querySelectorAll('text')].map((t) => t.textContent) };
        }, [format, bar]);
        const table = await tab.evaluate(() => [...document.querySelectorAll('#steal-table tr')]
          .map((r) => [...r.cells].map((c) => c.textContent.trim())));
        const csv = await exported('csv', 'post-processors-against-theft');
        assert.equal(csv.name, 'advlab-post-processors-against-theft.csv');
        assert.deepEqual(csv.body.trim().split('\r\n').map((line) => line.split(',')), table);
        const json = JSON.parse((await exported('json', 'post-processors-against-theft')).body);
        assert.deepEqual([json.header, ...json.rows], table);
        assert.equal(json.settings.queries, BUDGET);
        assert.match(json.advlab, /^\d+\.\d+\.\d+/);
        assert.equal(json.language, 'en');
        const svg = await exported('svg', 'theft-against-queries');
        assert.ok(!svg.broken, 'the SVG does not parse');
        assert.ok(svg.texts.includes('thief accuracy') && svg.texts.includes('queries'),
          JSON.stringify(svg.texts));
        const png = await exported('png', 'theft-against-queries');
        assert.deepEqual([png.type, png.width, png.height], ['image/png', 960, 450]);
        // Kept beside the screenshots, to be looked at.
        writeFileSync(join(SHOTS, `${engine}-theft.png`), Buffer.from(png.base64, 'base64'));
        writeFileSync(join(SHOTS, `${engine}-theft.svg`), svg.body);
        const points = await exported('csv', 'theft-against-queries');
        assert.equal(points.body.split('\r\n')[0], 'series,queries,value');
        await setControl(tab, '#lang', 'ko');
        await tab.waitFor(() => document.documentElement.lang === 'ko');
        const korean = await exported('svg', 'theft-against-queries');
        assert.ok(korean.texts.includes('도둑 모델 정확도'), JSON.stringify(korean.texts));
        await setControl(tab, '#lang', 'en');
        await tab.waitFor(() => document.documentElement.lang === 'en');
      });

    test('Fashion-MNIST as the thief\'s data gives the CLI\'s figures', async () => {
      await setControl(tab, '[name=thief]', 'fashion');
      await setControl(tab, '[name=queries]', 500);
      await click(tab, '#steal-run');
      await waitDone(tab, '#steal-run', 'the Fashion-MNIST theft');
      const report = await reportData(tab, '#steal-report');
      assert.equal(Number(report.thiefAccuracy), native.fashion.thief_accuracy);
      assert.equal(Number(report.fidelity), native.fashion.fidelity);
      await setControl(tab, '[name=thief]', 'mnist');
    });

    test('the overfit model leaks its members; a picked digit gets a verdict', async (t) => {
      const advantage = {};
      for (const target of ['standard', 'overfit']) {
        await setControl(tab, '#infer-form [name=target]', target);
        await click(tab, '#infer-run');
        await waitDone(tab, '#infer-run', `membership inference on the ${target} model`);
        advantage[target] = Number((await reportData(tab, '#infer-report')).advantage);
      }
      t.diagnostic(`${engine}: advantage ${JSON.stringify(advantage)}`);
      assert.ok(advantage.overfit > advantage.standard + 0.05, JSON.stringify(advantage));
      const roc = await tab.evaluate(() => document.querySelector('#chart-roc polyline')
        .getAttribute('points').trim().split(/\s+/).length);
      assert.ok(roc >= 3, `the ROC curve has ${roc} points`);
      assert.equal(await tab.evaluate(() => document.querySelectorAll('#infer-digits canvas')
        .length), 12);
      await click(tab, '#infer-digits figure:nth-child(8)');
      assert.match(await textOf(tab, '#infer-verdict'), new RegExp('^The attack says (a member|' +
        'not a member) \\(score .*\\), and it is (right|wrong): this digit is a non-member\\.$'));
    });

    test('MIFace reconstructs the ten classes', async () => {
      await click(tab, '#invert-run');
      await waitDone(tab, '#invert-run', 'the reconstructions');
      const captions = await tab.evaluate(() =>
        [...document.querySelectorAll('#invert-grid figcaption')].map((c) => c.textContent));
      assert.deepEqual(captions.map((c) => c.split(':')[0]),
        ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    });

    test('screenshots in English, Korean and at phone width; no error', async () => {
      await tab.evaluate(() => document.querySelector('.steal-panel').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-steal.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      assert.match(await textOf(tab, '#steal-report'), /도둑 모델/);
      assert.match(await textOf(tab, '#infer-verdict'), /판정/);
      await tab.evaluate(() => document.querySelector('.steal-panel').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-steal-ko.png`));
      await setControl(tab, '#lang', 'en');
      await tab.resize(390, 844);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      await tab.evaluate(() => document.querySelector('.steal-panel').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-steal-phone.png`));
      await tab.resize(1280, 1400);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}
