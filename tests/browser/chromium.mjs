// Debian's headless Chromium for the browser tests, driven by playwright-core
// (`npx playwright install` cannot work offline): a persistent context in a
// fresh user-data-dir, with every background service off.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Chromium with extra playwright context options (viewport, ...) and extra command-line
 * flags (extraArgs, e.g. ['--js-flags=--jitless']).
 * @returns {Promise<{context: import('playwright-core').BrowserContext,
 *   close: () => Promise<void>}>}
 */
export async function launchChromium({ extraArgs = [], ...options } = {}) {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'advlab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, args: [...FLAGS, ...extraArgs], ...options,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collects a page's console errors and uncaught exceptions into `errors`, which the tests
 * assert empty at the end.
 * @returns {import('playwright-core').Page} the page
 */
export function collectErrors(page, errors) {
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(err.message));
  return page;
}
