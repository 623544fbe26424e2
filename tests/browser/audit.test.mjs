// "Is this defence real?" (issue 13) in each engine (tests/browser/engines.mjs), under the strict
// CSP: AutoAttack's quick suite across the pool on the FGSM-trained model behind JPEG gets the
// gradient-masking warnings, and its figures are the native CLI's (`advlab evaluate --json`) for
// the same images, the parts' counts added up; the bare standard model gets none. Screenshots in
// English, Korean and at phone width.
//
// ADVLAB_NATIVE=build/native/advlab (the default) is the CLI compared with.
// ADVLAB_ENGINES=chromium runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTab } from './engines.mjs';
import { CHOSEN, click, probedLab, probeRecord, ready, setControl, textOf } from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const SHOTS = join(OUT, 'audit');
const NATIVE = process.env.ADVLAB_NATIVE ?? 'build/native/advlab';
const N = 100;

// The CLI's report of the quick suite on the first N test images.
function nativeReport(model, defence) {
  const args = ['evaluate', '--model', `data/weights/${model}.safetensors`, '--suite', 'quick',
    '--eps', '0.3', '--limit', String(N), '--json', ...(defence ? ['--defence', defence] : [])];
  return JSON.parse(execFileSync(NATIVE, args, { encoding: 'utf8' })).report;
}

const lab = probedLab();
let native;
before(() => {
  mkdirSync(SHOTS, { recursive: true });
  native = { jpeg: nativeReport('fgsm', 'jpeg'), bare: nativeReport('standard') };
});

// Runs the check as the form says and answers what the page shows.
async function check(tab, slot) {
  await setControl(tab, '#audit-form [name=slot]', slot);
  await setControl(tab, '#audit-form [name=suite]', 'quick');
  await setControl(tab, '#audit-form [name=n]', String(N));
  await click(tab, '#audit-run');
  await tab.waitFor(() => !document.querySelector('#audit-run').disabled &&
    !document.querySelector('#audit-results').hidden, undefined,
  { timeout: 300000, what: 'the AutoAttack check',
    show: () => document.querySelector('#audit-report').textContent });
  return tab.evaluate(() => ({ ...document.querySelector('#audit-report').dataset,
    rows: [...document.querySelectorAll('#audit-table tbody tr')]
      .map((r) => [...r.cells].map((c) => c.textContent)) }));
}

const percent = (v) => `${(100 * v).toFixed(1)}%`;

for (const engine of CHOSEN) {
  describe(`${engine}: is this defence real?`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1400 }); });
    after(async () => { await tab?.close(); });

    test('JPEG in front of the FGSM-trained model: masking, as the CLI finds it', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await setControl(tab, '#pre', 'jpeg');
      const shown = await check(tab, 'defended');
      const expected = native.jpeg;
      assert.equal(Number(shown.robust), expected.robust_accuracy);
      assert.equal(Number(shown.clean), expected.clean_accuracy);
      assert.deepEqual(shown.warnings.split(' '), expected.warnings.map((w) => w.id));
      assert.deepEqual(shown.rows.map((r) => [r[1], r[2]]), expected.members.map((m) =>
        [percent(m.accuracy), String(m.broke)]));
      assert.match(await textOf(tab, '#audit-warnings'), /masking gradients/);
      await tab.evaluate(() => document.querySelector('#audit-form').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-audit-jpeg.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      assert.match(await textOf(tab, '#audit-warnings'), /기울기를 가리고/);
      await tab.screenshot(join(SHOTS, `${engine}-audit-jpeg-ko.png`));
      await setControl(tab, '#lang', 'en');
      await tab.resize(390, 844);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      await tab.evaluate(() => document.querySelector('#audit-results').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-audit-jpeg-phone.png`));
      await tab.resize(1280, 1400);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
      await setControl(tab, '#pre', 'none');
    });

    test('the bare standard model: no warning, broken as the CLI breaks it', async () => {
      const shown = await check(tab, 'standard');
      assert.equal(shown.warnings, '');
      assert.equal(Number(shown.robust), native.bare.robust_accuracy);
      assert.equal(await textOf(tab, '#audit-warnings'),
        'No warning: nothing here looks like gradient masking.');
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}
