// What the tests of the lab page (web/index.html) ask of it, whichever server or policy serves it,
// and the session they share: a static server on 127.0.0.1 and a Chromium page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { collectErrors, launchChromium } from './chromium.mjs';
import { serveStatic } from './serve.mjs';

// Polling by interval rather than every frame keeps the tests' own main-thread work small.
export const POLL_MS = 100;

/** Where the tests leave screenshots for a human to look at. */
export const OUT = join(repoRoot, 'tests/browser/out');

/**
 * Serves the repository and opens one Chromium page for the test file that calls it: its
 * before() and after() hooks start and close both. The returned session's server, chromium and
 * page are set once the before hook has run, and then ready(session) runs in that same hook (Node
 * 20 does not wait for one top-level before hook to end before it starts the next).
 * consoleErrors collects the page's errors.
 * @param {{csp?: string} & object} options csp for the server, the rest for launchChromium
 * @param {(session: object) => void | Promise<void>} [ready]
 */
export function labSession({ csp, ...launch } = {}, ready = () => {}) {
  const session = { consoleErrors: [] };
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    session.server = await serveStatic(repoRoot, 0, { csp });
    session.chromium = await launchChromium({ viewport: { width: 1280, height: 900 }, ...launch });
    session.page = collectErrors(await session.chromium.context.newPage(), session.consoleErrors);
    await ready(session);
  });
  after(async () => {
    await session.chromium?.close();
    await session.server?.close();
  });
  return session;
}

/** Waits until the live analysis has answered the latest input. */
export async function settled(page) {
  await page.waitForFunction(() => document.body.dataset.live === 'idle', undefined,
    { polling: POLL_MS });
}

/** {clean, adv, probs, ...} as a model card (slot 'standard' or 'defended') shows them. */
export function answer(page, slot) {
  return page.$eval(`#${slot}`, (el) => ({ ...el.dataset }));
}
