// "Universal perturbation" (issue 13) in the Robustness panel, in each engine
// (tests/browser/engines.mjs), under the strict CSP: the perturbation the page fits for the
// standard model, and the test digits it fools, are the native CLI's (`advlab universal --json`)
// for the same images, bit for bit; the page says so in English and in Korean, and fits a phone's
// width. Screenshots in English, Korean and at phone width.
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

const SHOTS = join(OUT, 'universal');
const NATIVE = process.env.ADVLAB_NATIVE ?? 'build/native/advlab';
const FIT = 50;
const PASSES = 2;
const N = 100;

// The CLI's run on the first FIT training and N test images, with the page's other defaults.
function nativeRun() {
  const args = ['universal', '--model', 'data/weights/standard.safetensors', '--eps', '0.3',
    '--norm', 'inf', '--delta', '0.2', '--max-iter', String(PASSES), '--fit', String(FIT),
    '--limit', String(N), '--json'];
  return JSON.parse(execFileSync(NATIVE, args, { encoding: 'utf8' }));
}

const lab = probedLab();
let native;
before(() => {
  mkdirSync(SHOTS, { recursive: true });
  native = nativeRun();
});

for (const engine of CHOSEN) {
  describe(`${engine}: universal perturbation`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1400 }); });
    after(async () => { await tab?.close(); });

    test('the standard model: the CLI\'s perturbation and count, in English and Korean', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      for (const [name, value] of [['slot', 'standard'], ['eps', '0.3'], ['norm', 'inf'],
        ['fit', String(FIT)], ['delta', '0.2'], ['maxIter', String(PASSES)], ['n', String(N)]]) {
        await setControl(tab, `#universal-form [name=${name}]`, value);
      }
      await click(tab, '#universal-run');
      await tab.waitFor(() => !document.querySelector('#universal-run').disabled &&
        !document.querySelector('#universal-results').hidden, undefined,
      { timeout: 300000, what: 'the universal perturbation',
        // With the page's notice: a worker the page gave up on leaves the report as it was.
        show: () => [document.querySelector('#universal-report').textContent,
          document.querySelector('#notice')?.hidden ? '' :
            document.querySelector('#notice-text')?.textContent].filter(Boolean).join(' | ') });
      const shown = await tab.evaluate(() => ({ ...document.querySelector('#universal-report').dataset }));
      const v = new Float32Array(Uint8Array.from(atob(shown.v), (c) => c.charCodeAt(0)).buffer);
      assert.deepEqual(v, Float32Array.from(native.perturbation), 'the perturbation differs');
      assert.deepEqual([Number(shown.fooled), Number(shown.n), Number(shown.rate)],
        [native.held_out.fooled, native.held_out.n, native.held_out.fooling_rate]);
      assert.deepEqual([Number(shown.fitFooled), Number(shown.fitRate), Number(shown.passes),
        Number(shown.norm)], [native.fit.fooled, native.fit.fooling_rate, native.fit.passes,
        native.fit.norm]);
      assert.ok(native.held_out.fooled > 0, 'the perturbation fooled no test digit');
      const english = await textOf(tab, '#universal-report');
      assert.ok(english.includes(`It fools ${native.held_out.fooled} of ${N} test digits`),
        english);
      await tab.evaluate(() => document.querySelector('#universal-form')
        .previousElementSibling.previousElementSibling.scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-universal.png`));

      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      const korean = await textOf(tab, '#universal-report');
      assert.match(korean, /[\uac00-\ud7a3]/, 'the Korean report has no Hangul');
      assert.notEqual(korean, english);
      assert.ok(korean.includes(`${N}개 중 ${native.held_out.fooled}개`), korean);
      assert.match(await textOf(tab, '#universal-results'), /섭동/);
      await tab.screenshot(join(SHOTS, `${engine}-universal-ko.png`));
      await setControl(tab, '#lang', 'en');

      await tab.resize(390, 844);
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      await tab.evaluate(() => document.querySelector('#universal-report').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-universal-phone.png`));
      await tab.resize(1280, 1400);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}
