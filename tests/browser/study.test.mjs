// The guided path (issue 18) in each engine (tests/browser/engines.mjs), under the strict CSP,
// with short settings: every step runs through the page's own panels, and its notice quotes the
// numbers that step measured (the same as the panel's table shows); the progress survives a
// reload; Korean says the same numbers. Screenshots in English, Korean and at phone width.
//
// ADVLAB_ENGINES=chromium runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTab } from './engines.mjs';
import { CHOSEN, click, probedLab, probeRecord, ready, setControl, textOf } from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const SHOTS = join(OUT, 'study');
// Each step's controls, short; the percentages each notice must quote.
const STEPS = [
  { id: 'train', controls: { epochs: 1, images: 3000, n: 200 }, quotes: ['clean'] },
  { id: 'attack', controls: { eps: 0.2, n: 200 }, quotes: ['clean', 'fgsm'] },
  { id: 'defend', controls: { epochs: 1, ratio: 0.5, eps: 0.2 }, quotes: ['clean'] },
  { id: 'again', controls: { n: 200 }, quotes: ['transfer', 'fresh', 'standard'] },
  { id: 'poison', controls: { fraction: 0.1, epochs: 1, images: 3000 },
    quotes: ['success', 'clean', 'precision', 'recall', 'after'] },
  { id: 'steal', controls: { queries: 500 }, quotes: ['thief', 'fidelity'] },
  { id: 'certify', controls: {}, quotes: [] },
];
const SEVEN = [[0.28, 0.22], [0.72, 0.22], [0.46, 0.84]];

const lab = probedLab();
before(() => mkdirSync(SHOTS, { recursive: true }));

// As the page says it (ui/lang.js's formatPercent): Intl rounds the shortest decimal of v, so
// 0.8855 is 88.6%, where (100 * v).toFixed(1) gives 88.5%.
const PERCENT = new Intl.NumberFormat('en', { style: 'percent', minimumFractionDigits: 1,
  maximumFractionDigits: 1 });
const percent = (v) => PERCENT.format(v);
const measuredOf = async (tab) => JSON.parse(await tab.evaluate(() =>
  document.querySelector('#study-notice').dataset.measured ?? 'null'));

for (const engine of CHOSEN) {
  describe(`${engine}: the guided path`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1400 }); });
    after(async () => { await tab?.close(); });

    test('each step runs in the panels and quotes what it measured', async (t) => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await tab.drag('#pad', SEVEN);
      for (const [i, step] of STEPS.entries()) {
        assert.equal(await textOf(tab, '#study-counter'), `Step ${i + 1} of ${STEPS.length}`);
        for (const [name, v] of Object.entries(step.controls)) {
          await setControl(tab, `#study-form [data-key=${name}]`, v);
        }
        await click(tab, '#study-run');
        await tab.waitFor(() => !document.querySelector('#study-notice').hidden &&
          !document.querySelector('#study-run').disabled, undefined,
        { timeout: 600000, what: `step ${step.id}`,
          show: () => document.querySelector('#study-status').textContent });
        const measured = await measuredOf(tab);
        const notice = await textOf(tab, '#study-notice');
        t.diagnostic(`${engine} ${step.id}: ${JSON.stringify(measured)}`);
        for (const q of step.quotes) {
          assert.ok(notice.includes(percent(measured[q])), `${step.id} quotes ${q}: ${notice}`);
        }
        if (step.id === 'train') {
          // The same number as the Robustness panel's table.
          const row = await tab.evaluate(() =>
            document.querySelector('#measurements tbody tr td:nth-child(2)').textContent);
          assert.equal(row, `${(100 * measured.clean).toFixed(2)}%`);
        }
        if (step.id === 'certify') {
          assert.ok(measured.proved > 0, 'IBP proves nothing on a drawn 7');
          assert.ok(notice.includes(measured.proved.toFixed(3)), notice);
        }
        if (i < STEPS.length - 1) await click(tab, '#study-next');
      }
      assert.equal(await tab.evaluate(() => document.querySelectorAll('#study-steps li.done')
        .length), STEPS.length);
    });

    test('the progress survives a reload, and Korean quotes the same numbers', async () => {
      const before = await measuredOf(tab);
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      assert.equal(await textOf(tab, '#study-counter'), `Step ${STEPS.length} of ${STEPS.length}`);
      assert.deepEqual(await measuredOf(tab), before);
      await click(tab, '#study-steps li:nth-child(2) button');
      const { fgsm } = await measuredOf(tab);
      await tab.evaluate(() => document.querySelector('#study').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-study.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      const notice = await textOf(tab, '#study-notice');
      assert.match(notice, /FGSM/);
      assert.ok(notice.includes(percent(fgsm)), notice);
      await tab.screenshot(join(SHOTS, `${engine}-study-ko.png`));
      await setControl(tab, '#lang', 'en');
      await tab.resize(390, 844);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      await tab.evaluate(() => document.querySelector('#study').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-study-phone.png`));
      await tab.resize(1280, 1400);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
    });

    test('the free lab is one click away; no error', async () => {
      await click(tab, '#study-toggle');
      assert.ok(await tab.evaluate(() => document.querySelector('#study-body').hidden));
      await click(tab, '#study-toggle');
      assert.ok(!await tab.evaluate(() => document.querySelector('#study-body').hidden));
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}
