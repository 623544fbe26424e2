// Certificates on the lab page (issue 17) in each engine (tests/browser/engines.mjs), under the
// strict CSP: each card's certificate line follows the drawing and the eps, IBP's eps* sits below
// where the live attack first succeeds, CROWN proves at least as far as IBP, smoothing gives an
// L2 radius or abstains, the Robustness panel draws verified accuracy beside the empirical curve,
// and the training panel trains an IBP model that proves further than the standard one.
// Screenshots in English and Korean.
//
// ADVLAB_ENGINES=chromium runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openTab } from './engines.mjs';
import { CHOSEN, click, probedLab, probeRecord, ready, setControl, settled } from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const SHOTS = join(OUT, 'certify');
const SEVEN = [[0.28, 0.22], [0.72, 0.22], [0.46, 0.84]];

const lab = probedLab();
before(() => mkdirSync(SHOTS, { recursive: true }));

/** Each card's certificate: {line, proved, broken} (proved: eps*, broken: '' when unbroken). */
function certificates(tab) {
  return tab.evaluate(() => Object.fromEntries(['standard', 'defended'].map((slot) => {
    const root = document.getElementById(slot);
    const box = root.querySelector('.certificate');
    return [slot, { line: root.querySelector('.certificate-line').textContent,
      proved: box.dataset.proved, broken: box.dataset.broken, clean: root.dataset.clean }];
  })));
}

for (const engine of CHOSEN) {
  describe(`${engine}: certificates`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, { height: 1300 }); });
    after(async () => { await tab?.close(); });

    test('the certificate line follows the drawing and eps; eps* is below the attack', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await settled(tab);
      const opening = await certificates(tab);
      for (const slot of ['standard', 'defended']) {
        assert.match(opening[slot].line, /^(Proved by IBP|Not provable (at ε = [\d.]+ )?by IBP)/, slot);
      }
      // IBP is sound: nothing the attack found can lie below what it proved.
      const { proved, broken } = opening.standard;
      assert.ok(Number(proved) >= 0 && broken !== '' && Number(broken) > Number(proved),
        `standard: proved ${proved}, broken ${broken}`);

      await setControl(tab, '#eps', 0.001);
      await settled(tab);
      assert.match((await certificates(tab)).standard.line, /^Proved by IBP/);

      await click(tab, '#clear');
      await tab.drag('#pad', SEVEN);
      await settled(tab);
      const drawn = await certificates(tab);
      assert.equal(drawn.standard.clean, '7');
      assert.match(drawn.standard.line, /answer (from )?7/);
      assert.notEqual(drawn.standard.proved, opening.standard.proved,
        'the certificate did not follow the drawing');
    });

    test('CROWN proves at least as far as IBP; smoothing gives a radius or abstains', async () => {
      await setControl(tab, '#eps', 0.05);
      await settled(tab);
      const ibp = await certificates(tab);
      await setControl(tab, '#proof', 'crown');
      await settled(tab);
      const crown = await certificates(tab);
      for (const slot of ['standard', 'defended']) {
        assert.ok(Number(crown[slot].proved) >= Number(ibp[slot].proved),
          `${slot}: CROWN ${crown[slot].proved} < IBP ${ibp[slot].proved}`);
      }
      await setControl(tab, '#proof', 'smoothing');
      await settled(tab);
      for (const { line } of Object.values(await certificates(tab))) {
        assert.match(line, /^The smoothed model \(noise σ 0\.25\) (answers \d, certified within an L2 radius of \d|abstains)/);
      }
      await setControl(tab, '#proof', 'ibp');
      await settled(tab);
    });

    test('the Robustness panel draws verified accuracy below the empirical curve', async () => {
      await setControl(tab, '#robust-n', 200);
      await click(tab, '#curves');
      await tab.waitFor(() => document.querySelectorAll('#chart-curve polyline')[3]
        ?.getAttribute('points'), undefined, { timeout: 120000, what: 'the curves',
        show: () => `progress ${document.querySelector('#robust-progress').value}; ` +
          `status "${document.querySelector('#status').textContent}"` });
      const lines = await tab.evaluate(() => [...document.querySelectorAll('#chart-curve polyline')]
        .map((l) => l.getAttribute('points').split(' ').map((p) => Number(p.split(',')[1]))));
      assert.equal(lines.length, 4);
      // SVG y grows downwards: a verified line lies on or below (>=) its model's FGSM line.
      for (const [empirical, verified] of [[lines[0], lines[2]], [lines[1], lines[3]]]) {
        verified.forEach((y, i) => assert.ok(y >= empirical[i] - 0.01,
          `verified above FGSM at point ${i}: ${y} < ${empirical[i]}`));
      }
    });

    test('an IBP-trained defended model proves further than the standard one', async () => {
      await setControl(tab, '[name=which]', 'defended');
      await setControl(tab, '[name=attack]', 'ibp');
      await setControl(tab, '[name=eps]', 0.1);
      await setControl(tab, '[name=epochs]', 2);
      await setControl(tab, '[name=limit]', 12000);
      await click(tab, '#train');
      await tab.waitFor(() => !document.querySelector('#train').disabled &&
        /^Done/.test(document.querySelector('#train-status').textContent), undefined,
      { timeout: 300000, what: 'IBP training',
        show: () => document.querySelector('#train-status').textContent });
      await settled(tab);
      assert.match(await tab.evaluate(() =>
        document.querySelector('#defended .provenance').textContent), /ibp/i);
      const { standard, defended } = await certificates(tab);
      assert.equal(defended.clean, '7', 'the IBP model on the drawn 7');
      assert.ok(Number(defended.proved) > Number(standard.proved),
        `IBP model eps* ${defended.proved}, standard ${standard.proved}`);
    });

    test('screenshots in English and Korean; no error', async () => {
      await tab.evaluate(() => document.querySelector('#standard').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-certificates.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      assert.match((await certificates(tab)).standard.line, /IBP로|IBP/);
      assert.match((await certificates(tab)).standard.line, /증명/);
      await tab.evaluate(() => document.querySelector('#standard').scrollIntoView());
      await tab.screenshot(join(SHOTS, `${engine}-certificates-ko.png`));
      await setControl(tab, '#lang', 'en');
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}
