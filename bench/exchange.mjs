// The exchange between the training pool's workers (issue 20), run by run.mjs in its own Node
// process:  node exchange.mjs [--quick|--smoke]
// The pool sends each batch's gradient parts as messages between module workers, over a port the
// page made (web/engine/train_pool.js), one part the net's parameter count in floats. This stage
// times what one such exchange costs on its own, with both workers idle, in headless Chromium
// (bench/browser/exchange.html): the mean round trip (the median of a few runs' means) of an
// empty message (8 bytes) and of one part of the tutorial net and of Madry's (their parameter
// counts, from the engine), transferred as the pool sends them and cloned for comparison, between
// the two workers and between the page and a worker. It does so in a page served as the lab is
// (no COOP/COEP) and in a cross-origin isolated one, where it also times the round trip of
// Atomics.notify and Atomics.wait on a SharedArrayBuffer, what an optional shared-memory path
// would put in place of the messages. Set beside train_pool.mjs's batch times (run.mjs does), it
// says how much of a batch the messages can cost, and so how much such a path could save.
import {
  emit, errorText, launchChromium, median, POOL_ARCHS, repoRoot, stageOptions,
} from './lib.mjs';
import { serveStatic } from '../tools/serve.mjs';
import { createLab } from '../web/advlab.js';

// Round trips per measurement (a tenth as many again untimed, first), and measurements per figure,
// the median of whose means it gives: a worker that waits idle may take tens of microseconds to
// wake on this machine, and some runs catch more such waits than others.
const TRIPS = { full: 2000, quick: 500, smoke: 40 };
const REPEATS = { full: 5, quick: 3, smoke: 1 };
// Madry's part is timed over fewer trips: a clone of it copies 4.4 MB each way.
const LARGE_PART_TRIPS = { full: 200, quick: 100, smoke: 10 };
const LARGE_PART_FLOATS = 100000;

async function paramCounts() {
  const lab = await createLab();
  const counts = {};
  for (const [name, arch] of Object.entries(POOL_ARCHS)) {
    const net = lab.createNet({ arch, maxBatch: 1, seed: 1 });
    counts[name] = net.paramCount;
    net.free();
  }
  return counts;
}

// Every measurement of one page: {between, how, payload, floats, trips, round_trip_us}.
async function measurePage(page, payloads, mode) {
  const isolated = await page.evaluate(() => window.isolated);
  const hows = ['transfer', 'clone', ...(isolated ? ['atomics'] : [])];
  const rows = [];
  for (const between of ['workers', 'page']) {
    for (const how of hows) {
      if (how === 'atomics' && between === 'page') continue; // a page may not Atomics.wait
      for (const [payload, floats] of Object.entries(how === 'atomics' ? { none: 0 } : payloads)) {
        const trips = floats > LARGE_PART_FLOATS ? LARGE_PART_TRIPS[mode] : TRIPS[mode];
        const means = [];
        for (let i = 0; i < REPEATS[mode]; i++) {
          means.push(await page.evaluate((args) => window.roundTrip(args),
            { between, how, floats, trips }));
        }
        rows.push({ between, how, payload, floats, trips, round_trip_us: median(means),
          means_us: means });
      }
    }
  }
  return { isolated, rows };
}

async function main() {
  const { mode } = stageOptions();
  const counts = await paramCounts();
  const payloads = { empty: 2, 'tutorial part': counts.tutorial, 'madry part': counts.madry };
  const servers = [await serveStatic(repoRoot), await serveStatic(repoRoot, 0, { isolated: true })];
  const browser = await launchChromium();
  try {
    const pages = [];
    for (const server of servers) {
      const page = await browser.newPage();
      await page.goto(`${server.url}/bench/browser/exchange.html`);
      await page.waitForFunction(() => window.ready === true);
      pages.push(await measurePage(page, payloads, mode));
      await page.close();
    }
    const [plain, isolated] = pages;
    if (plain.isolated || !isolated.isolated) {
      throw new Error('the pages were not served as asked: one isolated, one not');
    }
    emit({ status: 'ok', mode, param_counts: counts, not_isolated: plain.rows,
      isolated: isolated.rows });
  } finally {
    await browser.close();
    await Promise.all(servers.map((server) => server.close()));
  }
}

main().catch((e) => {
  emit({ status: 'failed', error: errorText(e) });
  process.exitCode = 1;
});
