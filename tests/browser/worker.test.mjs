// advlab.js in a real module Web Worker in Chromium (Debian's, driven by
// playwright-core): MNIST arrives as the .gz copies and is inflated by
// DecompressionStream, training runs in the worker with progress events, and
// the weights come out bit-identical to the native CLI's, from the SIMD build and from the
// scalar fallback forced (createLab({ variant: 'scalar' })). C errors cross the
// worker protocol as messages. The page must log no console errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';


import { createLab } from '../../web/advlab.js';
import { repoRoot } from '../node/helpers.mjs';
import { collectErrors, launchChromium } from './chromium.mjs';
import { serveStatic } from './serve.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const SEED = 11;
const CONFIG = { epochs: 1, batch: 64, lr: 0.01, limit: 1024 };

let server;
let browser;
let page;
const consoleErrors = [];

before(async () => {
  server = await serveStatic(repoRoot);
  browser = await launchChromium();
  page = collectErrors(await browser.context.newPage(), consoleErrors);
  await page.goto(`${server.url}/tests/browser/worker.html`);
  await page.waitForFunction(() => window.ready === true);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('a worker trains bit-identically to the native CLI, with either build', async () => {
  assert.ok(existsSync(native), `native CLI not found at ${native}`);
  const dir = mkdtempSync(join(tmpdir(), 'advlab-browser-'));
  let nativeParams;
  try {
    const out = join(dir, 'native.safetensors');
    execFileSync(native, ['train', '--seed', String(SEED), '--epochs', '1', '--batch', '64',
      '--lr', '0.01', '--limit', String(CONFIG.limit), '--out', out], { cwd: repoRoot, stdio: 'ignore' });
    const lab = await createLab();
    const net = lab.netFromWeights(readFileSync(out), 'native.safetensors', 64);
    nativeParams = new Uint32Array(net.params().slice().buffer);
    net.free();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The build createLab picks (Chromium has SIMD), then the scalar fallback forced.
  for (const [variant, expected] of [[undefined, 'simd'], ['scalar', 'scalar']]) {
    const reply = await page.evaluate(async ({ seed, config, variant }) => {
      const r = await window.call('train', { arch: 'tutorial', seed, config, variant });
      if (!r.ok) return r;
      return { ok: true, accuracy: r.result.accuracy, variant: r.result.variant,
        params: Array.from(new Uint32Array(r.result.params)) };
    }, { seed: SEED, config: CONFIG, variant });
    assert.ok(reply.ok, `worker failed: ${reply.error}`);
    assert.equal(reply.variant, expected);
    assert.equal(reply.params.length, nativeParams.length);
    const differing = reply.params.filter((bits, i) => bits !== nativeParams[i]).length;
    assert.equal(differing, 0,
      `${expected}: ${differing} of ${nativeParams.length} parameters differ from native`);
    assert.ok(reply.accuracy > 0.7, `accuracy ${reply.accuracy} after training in the worker`);
  }
  assert.ok(await page.evaluate(() => window.progressEvents) > 0, 'no progress events');
});

test('a C error reaches the page as the worker reply', async () => {
  const reply = await page.evaluate(() => window.call('createNet', { arch: 'c4k5-q2-d10' }));
  assert.equal(reply.ok, false);
  assert.match(reply.error, /arch "c4k5-q2-d10": unknown layer "q2"/);
});

test('the page logged no console errors', () => {
  assert.deepEqual(consoleErrors, []);
});
