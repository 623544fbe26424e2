// embed.html after a first visit works offline: it registers web/sw.js, which keeps the widget's
// files, the engine, the weights and the MNIST test set.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { launchChromium } from './chromium.mjs';
import { serveStatic } from './serve.mjs';

let server;
let chromium;

before(async () => {
  server = await serveStatic(repoRoot);
  chromium = await launchChromium();
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

test('embed.html works offline after the first visit', async () => {
  const errors = [];
  const page = await chromium.context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  const ready = () => page.waitForFunction(() => {
    const w = document.getElementById('demo');
    return w.dataset.ready === 'true' && w.dataset.live === 'idle';
  }, null, { timeout: 60000 });
  await page.goto(`${server.url}/web/embed.html#models=standard,pgd&panels=bars&digit=4&lang=ko`);
  await ready();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await chromium.context.setOffline(true);
  try {
    await page.reload();
    await ready();
    const answers = await page.$eval('#demo', (w) => [...w.shadowRoot.querySelectorAll('.model')]
      .map((m) => m.dataset.clean));
    assert.deepEqual(answers, ['4', '4'], 'MNIST test image #4 is a 4, offline');
  } finally {
    await chromium.context.setOffline(false);
  }
  assert.deepEqual(errors, []);
});
