// Debian's Firefox ESR for the browser tests, driven headless by puppeteer-core over WebDriver
// BiDi: no geckodriver and no browser download, only /usr/bin/firefox-esr.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

import puppeteer from 'puppeteer-core';

export const FIREFOX = '/usr/bin/firefox-esr';

// Background services off, as Chromium's flags do, so a test run makes no outside request.
const QUIET = {
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

/**
 * Launches Firefox ESR with a fresh profile.
 * @param {{prefs?: Record<string, string | number | boolean>}} [options] extra preferences,
 *   e.g. {'javascript.options.wasm': false}
 * @returns {Promise<import('puppeteer-core').Browser>}
 */
export function launchFirefox({ prefs = {} } = {}) {
  assert.ok(existsSync(FIREFOX), `${FIREFOX} is missing: apt-get install firefox-esr`);
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true,
    extraPrefsFirefox: { ...QUIET, ...prefs } });
}
