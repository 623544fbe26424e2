// The whole "Train a robust model" preset in the page, end to end (issue 20), on its own because it
// takes about ten minutes of every core:
//   node bench/preset_full.mjs
// It opens the lab's worker alone (tests/browser/lab_worker.html) in headless Chromium with no
// COOP/COEP, trains the preset's model as the page's button does (its settings from the
// trainPreset op, one worker per core), and prints the wall time from the train op's call to its
// answer, the images per second, and whether the weights are the bits of the shipped
// robust.safetensors, which make-weights.sh trains with the preset natively. Never a test.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { repoRoot } from './lib.mjs';
import { serveStatic } from '../tools/serve.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHIPPED = join(repoRoot, 'data', 'weights', 'robust.safetensors');

// The tensors of a safetensors file: what follows its header, whose metadata differs by run.
function tensorDigest(bytes) {
  const header = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  return createHash('sha256').update(bytes.subarray(8 + header)).digest('hex');
}

async function main() {
  const { chromium } = await import('playwright-core');
  const server = await serveStatic(repoRoot);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/tests/browser/lab_worker.html`);
    await page.waitForFunction(() => window.ready === true);
    await page.evaluate(() => window.call('init'));
    const workers = Math.min(os.availableParallelism(), 4);
    const run = await page.evaluate(async (w) => {
      const { settings } = await window.call('trainPreset', { name: 'robust' });
      let last = null;
      const start = performance.now();
      await window.call('train', { which: 'defended', settings: { ...settings, workers: w } },
        { onProgress: (p) => { if (p.kind === 'train') last = p; } });
      const seconds = (performance.now() - start) / 1000;
      const { bytes } = await window.call('exportModel', { slot: 'defended' });
      return { seconds, workers: last?.workers, test: last?.test, bytes: Array.from(bytes),
        epochs: settings.epochs };
    }, workers);
    const trained = Uint8Array.from(run.bytes);
    const same = tensorDigest(trained) === tensorDigest(readFileSync(SHIPPED));
    const images = run.epochs * 60000;
    console.log(JSON.stringify({ preset: 'robust', workers: run.workers, seconds: run.seconds,
      minutes: run.seconds / 60, images_per_sec: images / run.seconds, last_test: run.test,
      same_bits_as_shipped: same }, null, 2));
    if (!same) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(`preset_full: ${e.stack ?? e}`);
  process.exitCode = 1;
});
