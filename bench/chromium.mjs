// The WASM figures in headless Chromium, run by run.mjs in its own Node
// process:  node chromium.mjs [--quick|--smoke]
// Debian's /usr/bin/chromium, driven by playwright-core, opens
// bench/browser/index.html from a static server on 127.0.0.1, which runs two
// module Web Workers (bench/browser/worker.mjs) one after the other:
//   1. memory: loads the full MNIST and trains on it, as the lab's training
//      worker does. Meanwhile the worker's JS heap is sampled over the DevTools
//      protocol (Runtime.getHeapUsage); afterwards the renderer process's peak
//      resident set (VmHWM) is read from /proc. The worker reports its wasm
//      memory size (HEAP8.buffer.byteLength), which only grows.
//   2. figures: every figure of figures.mjs, as wasm.mjs measures them in Node.
import { readdirSync, readFileSync } from 'node:fs';

import { emit, errorText, launchChromium, repoRoot, stageOptions } from './lib.mjs';
import { serveStatic } from '../tools/serve.mjs';

const SAMPLE_MS = 200;

/**
 * Samples the JS heap of the page's dedicated workers: they are attached through the
 * page's DevTools session (non-flat sessions, so that this session's own messages reach
 * them), and each sample keeps the largest heap seen.
 */
async function workerHeapSampler(cdp) {
  let session = null;
  let nextId = 1;
  const replies = new Map();
  const peak = { used_bytes: 0, total_bytes: 0, samples: 0 };
  cdp.on('Target.attachedToTarget', (e) => { if (e.targetInfo.type === 'worker') session = e.sessionId; });
  cdp.on('Target.detachedFromTarget', (e) => { if (e.sessionId === session) session = null; });
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    replies.get(m.id)?.(m);
    replies.delete(m.id);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const heapUsage = (sessionId) => new Promise((resolve) => {
    const id = nextId++;
    replies.set(id, resolve);
    cdp.send('Target.sendMessageToTarget', {
      sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
    }).catch(() => { replies.delete(id); resolve({}); });
  });
  let timer = null;
  const sample = async () => {
    if (session) {
      const { result } = await heapUsage(session);
      if (result) {
        peak.used_bytes = Math.max(peak.used_bytes, result.usedSize);
        peak.total_bytes = Math.max(peak.total_bytes, result.totalSize);
        peak.samples++;
      }
    }
    timer = setTimeout(sample, SAMPLE_MS);
  };
  return {
    start() { timer = setTimeout(sample, SAMPLE_MS); },
    stop() { clearTimeout(timer); return { ...peak }; },
  };
}

/**
 * The largest peak resident set (VmHWM) among this process's Chromium renderer descendants,
 * and that renderer's current resident set (VmRSS).
 */
function rendererMemory() {
  const parent = new Map();
  const renderers = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      parent.set(pid, /PPid:\s+(\d+)/.exec(status)[1]);
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) {
        const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
        renderers.push({ pid, hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') });
      }
    } catch {
      // The process ended while we looked.
    }
  }
  const mine = (pid) => {
    for (let p = pid; p && p !== '0' && p !== '1'; p = parent.get(p)) if (p === String(process.pid)) return true;
    return false;
  };
  const ours = renderers.filter((r) => mine(r.pid));
  if (!ours.length) return null;
  const top = ours.reduce((a, b) => (b.hwmKb > a.hwmKb ? b : a));
  return { peakBytes: top.hwmKb * 1024, rssBytes: top.rssKb * 1024, renderers: ours.length };
}

async function inWorker(page, op, mode) {
  const reply = await page.evaluate(([o, m]) => window.runWorker(o, { mode: m }), [op, mode]);
  if (!reply.ok) throw new Error(`worker ${op}: ${reply.error}`);
  return reply.result;
}

async function main() {
  const { mode } = stageOptions();
  const server = await serveStatic(repoRoot);
  const browser = await launchChromium();
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const sampler = await workerHeapSampler(await page.context().newCDPSession(page));
    await page.goto(`${server.url}/bench/browser/index.html`);
    await page.waitForFunction(() => window.ready === true);

    const before = rendererMemory();
    sampler.start();
    const trained = await inWorker(page, 'memory', mode);
    const heap = sampler.stop();
    const rss = rendererMemory();
    const figures = await inWorker(page, 'figures', mode);
    emit({
      ...figures,
      browser: `Chromium ${browser.version()} (headless, playwright-core)`,
      memory: {
        training: { ...trained, mode },
        wasm_heap_bytes: trained.wasm_heap_bytes,
        js_heap_peak_used_bytes: heap.used_bytes,
        js_heap_peak_total_bytes: heap.total_bytes,
        js_heap_samples: heap.samples,
        worker_peak_bytes: trained.wasm_heap_bytes + heap.total_bytes,
        renderer_peak_rss_bytes: rss?.peakBytes ?? null,
        renderer_rss_before_training_bytes: before?.rssBytes ?? null,
        renderers: rss?.renderers ?? 0,
        figures_worker_wasm_heap_bytes: figures.memory?.wasm_heap_bytes ?? null,
      },
      ...(errors.length ? { console_errors: errors } : {}),
    });
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  emit({ error: errorText(e) });
  process.exitCode = 1;
});
