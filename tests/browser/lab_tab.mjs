// What the lab's tests in every engine share (engines, poison and certify): the repository
// served under the strict CSP with tests/browser/probe.js in every page, and the page's controls
// worked as a user's input would, through a tab of engines.mjs.
import { after, before } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { ENGINES } from './engines.mjs';
import { serveProbed, serveStatic, STRICT_CSP } from './serve.mjs';

/** The engines to test in: ADVLAB_ENGINES=firefox,webkit picks some (all three by default). */
export const CHOSEN = process.env.ADVLAB_ENGINES?.split(',') ?? ENGINES;

/**
 * Serves the repository for the test file that calls it, from its before() to its after():
 * the returned object's url is set once the before hook has run.
 * @returns {{url?: string}}
 */
export function probedLab() {
  const lab = {};
  let server;
  let probed;
  before(async () => {
    server = await serveStatic(repoRoot, 0, { csp: STRICT_CSP });
    probed = await serveProbed(server.url);
    lab.url = probed.url;
  });
  after(async () => {
    await probed?.close();
    await server?.close();
  });
  return lab;
}

/** Sets a control's value (a checkbox's checked state) and fires what a user's change fires. */
export async function setControl(tab, selector, value) {
  await tab.evaluate(([s, v]) => {
    const el = document.querySelector(s);
    if (el.type === 'checkbox') el.checked = v === 'true';
    else el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, [selector, String(value)]);
}

export const click = (tab, selector) =>
  tab.evaluate((s) => document.querySelector(s).click(), selector);

export const textOf = (tab, selector) =>
  tab.evaluate((s) => document.querySelector(s).textContent, selector);

/** {clean, adv, probs} as a model card (slot 'standard' or 'defended') shows them. */
export const answer = (tab, slot) =>
  tab.evaluate((s) => ({ ...document.getElementById(s).dataset }), slot);

/** Waits until the live analysis has answered the latest input. */
export const settled = (tab) => tab.waitFor(() => document.body.dataset.live === 'idle',
  undefined, { what: 'the live analysis to settle' });

/** Waits until the page has answered from its models. */
export const ready = (tab) => tab.waitFor(() => document.body.dataset.ready === 'true',
  undefined, { timeout: 60000, what: 'the page to be ready' });

/** What the probe recorded: console errors and CSP violations (both should be empty). */
export const probeRecord = (tab) => tab.evaluate(() => ({ errors: probe.errors,
  violations: probe.violations }));
