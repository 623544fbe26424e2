// One small interface over the three browser engines, so that a test written once runs in each:
// Chromium (playwright-core), Firefox ESR (puppeteer-core over WebDriver BiDi) and WebKitGTK,
// Safari's engine (selenium-webdriver). A tab offers only what every driver does the same way:
// goto, evaluate a function in the page, poll one, drag the mouse, resize, take a screenshot.
import { writeFileSync } from 'node:fs';

import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';
import { launchWebKit } from './webkit.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

const POLL_MS = 100;

/**
 * @typedef {object} Tab
 * @property {string} engine 'chromium', 'firefox' or 'webkit'
 * @property {(url: string) => Promise<void>} goto
 * @property {(fn: Function, arg?: unknown) => Promise<any>} evaluate runs fn(arg) in the page
 *   (it may be async); arg and the result must be JSON values
 * @property {(fn: Function, arg?: unknown, options?: {timeout?: number, what?: string,
 *   show?: Function}) => Promise<any>} waitFor polls fn(arg) until it is truthy, and returns it;
 *   on a timeout its error says `what` was awaited and what show() returns in the page then
 * @property {(selector: string, points: number[][]) => Promise<void>} drag presses the mouse at
 *   the first point and moves through the rest; points are [u, v] fractions of the element
 * @property {(width: number, height: number) => Promise<void>} resize the viewport
 * @property {(path: string) => Promise<void>} screenshot of the viewport, as PNG
 * @property {((print: boolean) => Promise<void>)|null} printMedia renders for print media (true)
 *   or the screen (false); null where the driver cannot (Firefox over BiDi, WebKit over WebDriver)
 * @property {() => Promise<void>} close the browser
 */

/**
 * Opens one tab in `engine`.
 * @param {string} engine one of ENGINES
 * @param {{width?: number, height?: number, chromiumArgs?: string[],
 *   firefoxPrefs?: object}} [options] chromiumArgs and firefoxPrefs switch features off
 * @returns {Promise<Tab>}
 */
export async function openTab(engine, options = {}) {
  const { width = 1280, height = 900 } = options;
  const open = { chromium: openChromium, firefox: openFirefox, webkit: openWebKit }[engine];
  if (!open) throw new Error(`unknown engine "${engine}" (one of ${ENGINES.join(', ')})`);
  const tab = await open(options, { width, height });
  tab.engine = engine;
  tab.waitFor = async (fn, arg, { timeout = 30000, what = String(fn), show } = {}) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await tab.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > deadline) {
        const seen = show ? `; the page: ${JSON.stringify(await tab.evaluate(show))}` : '';
        throw new Error(`${engine}: timed out after ${timeout} ms: ${what}${seen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  return tab;
}

// The points at fractions [u, v] of an element, in viewport pixels, once it is scrolled into
// view (the mouse reaches only what is on screen).
async function pointsIn(tab, selector, points) {
  const box = await tab.evaluate((s) => {
    const el = document.querySelector(s);
    el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  }, selector);
  return points.map(([u, v]) => [Math.round(box.x + u * box.w), Math.round(box.y + v * box.h)]);
}

async function openChromium({ chromiumArgs = [] }, viewport) {
  const browser = await launchChromium({ viewport, extraArgs: chromiumArgs });
  const page = await browser.context.newPage();
  return pageTab(page, (width, height) => page.setViewportSize({ width, height }),
    () => browser.close(), (print) => page.emulateMedia({ media: print ? 'print' : 'screen' }));
}

async function openFirefox({ firefoxPrefs = {} }, viewport) {
  const browser = await launchFirefox({ prefs: firefoxPrefs });
  const page = (await browser.pages())[0] ?? await browser.newPage();
  await page.setViewport(viewport);
  // Puppeteer emulates print media over CDP only, which Firefox does not speak.
  return pageTab(page, (width, height) => page.setViewport({ width, height }),
    () => browser.close(), null);
}

// Playwright's page and Puppeteer's take the same calls, but for the viewport's and the media's.
function pageTab(page, resize, close, printMedia) {
  const tab = {
    printMedia,
    goto: async (url) => { await page.goto(url); },
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    resize,
    screenshot: async (path) => { await page.screenshot({ path }); },
    close,
  };
  tab.drag = async (selector, points) => {
    const [first, ...rest] = await pointsIn(tab, selector, points);
    await page.mouse.move(...first);
    await page.mouse.down();
    for (const point of rest) await page.mouse.move(...point, { steps: 12 });
    await page.mouse.up();
  };
  return tab;
}

async function openWebKit(_, { width, height }) {
  const { driver, close } = await launchWebKit();
  await driver.manage().setTimeouts({ script: 300000 });
  // The window's size, less its frame, is the viewport: set it, then correct by what it lacks.
  const resize = async (w, h) => {
    await driver.manage().window().setRect({ width: w, height: h });
    const [iw, ih] = await driver.executeScript('return [innerWidth, innerHeight]');
    if (iw !== w || ih !== h) {
      await driver.manage().window().setRect({ width: 2 * w - iw, height: 2 * h - ih });
    }
  };
  await resize(width, height);
  const tab = {
    goto: (url) => driver.get(url),
    // WebDriver runs a function body: the answer comes back through the last argument.
    evaluate: async (fn, arg) => {
      const reply = await driver.executeAsyncScript(`const done = arguments[1];
        Promise.resolve().then(() => (${fn})(arguments[0])).then(
          (value) => done({ ok: true, value: value === undefined ? null : value }),
          (error) => done({ ok: false, error: String(error && error.stack || error) }));`,
      arg === undefined ? null : arg);
      if (!reply.ok) throw new Error(`webkit: ${reply.error}`);
      return reply.value;
    },
    resize,
    printMedia: null,
    // WebKitGTK's snapshot is of the last frame painted: let one more be painted first.
    screenshot: async (path) => {
      await tab.evaluate(() => new Promise((painted) =>
        requestAnimationFrame(() => requestAnimationFrame(painted))));
      writeFileSync(path, await driver.takeScreenshot(), 'base64');
    },
    close,
  };
  tab.drag = async (selector, points) => {
    const [first, ...rest] = await pointsIn(tab, selector, points);
    let actions = driver.actions({ async: true }).move({ x: first[0], y: first[1] }).press();
    for (const [x, y] of rest) actions = actions.move({ x, y, duration: 120 });
    await actions.release().perform();
  };
  return tab;
}
