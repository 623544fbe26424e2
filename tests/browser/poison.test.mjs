// The Poison panel (issue 15) in each engine (tests/browser/engines.mjs), under the strict CSP:
// a drawn trigger reaches the poisoned digits; ART's pattern poisons MNIST; the poisoned model
// trains in the worker as the standard model; a drawn 7 with the trigger turns into an 8 (the
// next class); STRIP gives its verdict; activation clustering finds the poison, and the model
// retrained without it ignores the trigger. Screenshots in English, Korean and at phone width.
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

const SHOTS = join(OUT, 'poison');
const SEVEN = [[0.28, 0.22], [0.72, 0.22], [0.46, 0.84]];

const lab = probedLab();
before(() => mkdirSync(SHOTS, { recursive: true }));

for (const engine of CHOSEN) {
  describe(`${engine}: the Poison panel`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1400 }); });
    after(async () => { await tab?.close(); });

    test('a drawn trigger is what the poisoned digits carry', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await tab.evaluate(() => document.querySelector('.poison-panel').scrollIntoView());
      await setControl(tab, '#poison-trigger', 'mask');
      // A stroke across the pad's middle row: cells (14, 4) to (14, 24).
      await tab.drag('#trigger-pad', [[0.16, 0.52], [0.86, 0.52]]);
      await click(tab, '#poison-run');
      await tab.waitFor(() => document.querySelectorAll('#poison-samples canvas').length === 8,
        undefined, { timeout: 60000, what: 'the poisoned samples' });
      assert.match(await textOf(tab, '#poison-report'), /^6,000 of 60,000 training digits/);
      // Every sample is inked (dark) along the stroke, whatever its digit.
      const inked = await tab.evaluate(() => [...document.querySelectorAll('#poison-samples canvas')]
        .map((c) => {
          const row = c.getContext('2d').getImageData(0, 14, 28, 1).data;
          let dark = 0;
          for (let col = 6; col <= 22; col++) dark += row[4 * col] < 64 ? 1 : 0;
          return dark;
        }));
      assert.ok(inked.every((d) => d === 17), `the stroke is not on every sample: ${inked}`);
      assert.match(await textOf(tab, '#poison-samples figcaption'), /^\d → \d$/);
    });

    test('a model trained on ART\'s pattern obeys the trigger on a drawn 7', async () => {
      await setControl(tab, '#poison-trigger', 'pattern');
      await click(tab, '#poison-run');
      await tab.waitFor(() => /^6,000/.test(document.querySelector('#poison-report').textContent),
        undefined, { timeout: 60000, what: 'the pattern poisoning' });
      await setControl(tab, '[name=epochs]', 2);
      await setControl(tab, '[name=limit]', 20000);
      await setControl(tab, '[name=seed]', 3);
      await click(tab, '#poison-train');
      await tab.waitFor(() => !document.querySelector('#poison-train').disabled &&
        /^Done/.test(document.querySelector('#train-status').textContent), undefined,
      { timeout: 300000, what: 'the poisoned model to train',
        show: () => document.querySelector('#train-status').textContent });
      assert.match(await tab.evaluate(() =>
        document.querySelector('#standard .model-select').selectedOptions[0].text), /^poisoned/);

      await setControl(tab, '#eps', 0);
      await click(tab, '#clear');
      await tab.drag('#pad', SEVEN);
      await settled(tab);
      assert.equal((await answer(tab, 'standard')).clean, '7', 'the poisoned model on a clean 7');
      await setControl(tab, '#poison-live', true);
      await setControl(tab, '#poison-strip', true);
      await settled(tab);
      assert.equal((await answer(tab, 'standard')).clean, '8', 'the trigger did not turn 7 to 8');
      assert.match(await textOf(tab, '#strip-verdict'), /^STRIP: (poisoned|clean)\. .*entropy/);
    });

    test('activation clustering finds the poison, and the retrained model ignores it',
      async (t) => {
        await click(tab, '#cleanse-run');
        await tab.waitFor(() => document.querySelector('#cleanse-table tbody').children.length === 2,
          undefined, { timeout: 300000, what: 'the search and the retrain',
            show: () => document.querySelector('#cleanse-report').textContent });
        const { precision, recall } = await tab.evaluate(() =>
          ({ ...document.querySelector('#cleanse-report').dataset }));
        t.diagnostic(`${engine}: precision ${precision}, recall ${recall}`);
        assert.ok(Number(recall) >= 0.9, `recall ${recall}`);
        assert.ok(Number(precision) >= 0.8, `precision ${precision}`);
        const rows = await tab.evaluate(() => [...document.querySelectorAll('#cleanse-table tr')]
          .slice(1).map((r) => [...r.cells].map((c) => c.textContent)));
        const success = rows.map((r) => Number(r[2].replace('%', '')));
        assert.ok(success[0] > 80 && success[1] < 5, `attack success ${JSON.stringify(rows)}`);
        assert.equal(await tab.evaluate(() => document.querySelectorAll('#cleanse-flagged canvas')
          .length), 12);
        await settled(tab);
        assert.match(await tab.evaluate(() =>
          document.querySelector('#defended .model-select').selectedOptions[0].text),
        /^retrained after activation clustering/);
        assert.equal((await answer(tab, 'defended')).clean, '7',
          'the retrained model still obeys the trigger');
      });

    test('screenshots in English, Korean and at phone width; no error', async () => {
      await tab.evaluate(() => document.querySelector('.poison-panel').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-poison.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      assert.match(await textOf(tab, '#cleanse-report'), /정밀도/);
      await tab.evaluate(() => document.querySelector('.poison-panel').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-poison-ko.png`));
      await setControl(tab, '#lang', 'en');
      await tab.resize(390, 844);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      await tab.evaluate(() => document.querySelector('.poison-panel').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-poison-phone.png`));
      await tab.resize(1280, 1400);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}
