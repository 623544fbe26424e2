// The lab page under the strict Content-Security-Policy of docs/security.md
// (default-src 'self'; script-src 'self' 'wasm-unsafe-eval'): no inline script
// or style, no data: or blob: loads, nothing from another origin. It loads,
// trains a little, attacks, exports and re-imports a model and uploads a PNG,
// with zero policy violations (securitypolicyviolation events, console errors)
// and working results.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { answer, labSession, POLL_MS, settled } from './lab_page.mjs';
import { STRICT_CSP } from './serve.mjs';

let page;
const lab = labSession({ csp: STRICT_CSP, acceptDownloads: true }, async (s) => {
  ({ page } = s);
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}` +
        ` at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
});

test('the page is served with the strict policy and answers under it', async () => {
  const response = await page.goto(`${lab.server.url}/web/index.html`);
  assert.equal(response.headers()['content-security-policy'], STRICT_CSP);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  await settled(page);
  const label = (await page.textContent('#digit-note')).match(/labelled (\d)/)?.[1];
  assert.ok(label, 'no MNIST digit shown');
  assert.equal((await answer(page, 'standard')).clean, label);
});

test('under the policy: training, attacks, export, import and upload work', async () => {
  await page.selectOption('[name=which]', 'standard');
  await page.fill('[name=epochs]', '1');
  await page.fill('[name=limit]', '1280');
  await page.dispatchEvent('#train', 'click');
  await page.waitForFunction(() => document.querySelector('#train-status').textContent
    .startsWith('Done'), undefined, { timeout: 120000, polling: POLL_MS });
  assert.ok(await page.$$eval('#chart-loss polyline', (lines) => lines.some((l) =>
    l.getAttribute('points').split(' ').filter(Boolean).length > 1)), 'no loss curve drawn');
  await settled(page);

  await page.selectOption('#standard .model-select', 'standard');
  await settled(page);
  await page.$eval('#eps', (el) => {
    el.value = '0.3';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await settled(page);
  const attacked = await answer(page, 'standard');
  assert.notEqual(attacked.adv, attacked.clean, 'FGSM eps 0.3 did not flip the standard model');
  const width = await page.$eval('#standard .bar-adv', (b) => b.style.width);
  assert.match(width, /^\d+(\.\d)?%$/, 'the bars are not drawn (style set through the CSSOM)');

  await page.selectOption('#pre', 'squeeze');
  await page.selectOption('#gradient', 'bpda');
  await settled(page);
  assert.match(`${(await answer(page, 'defended')).adv}`, /^\d$/);
  await page.selectOption('#pre', 'none');
  await settled(page);

  const [exported] = await Promise.all([page.waitForEvent('download'),
    page.click('#standard .export')]);
  const bytes = readFileSync(await exported.path());
  await page.setInputFiles('#standard .import', { name: 'csp.safetensors',
    mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(() => /csp\.safetensors/.test(
    document.querySelector('#standard .model-select').selectedOptions[0].text));
  await settled(page);
  assert.equal((await answer(page, 'standard')).probs, attacked.probs, 'the re-imported model differs');

  const [png] = await Promise.all([page.waitForEvent('download'),
    page.click('#standard .download')]);
  await page.setInputFiles('#upload', { name: 'adv.png', mimeType: 'image/png',
    buffer: readFileSync(await png.path()) });
  await settled(page);
  assert.match(await page.textContent('#digit-note'), /Uploaded adv\.png/);
});

test('no policy violations and no console errors', async () => {
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assert.deepEqual(lab.consoleErrors, []);
});
