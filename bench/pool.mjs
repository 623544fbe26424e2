// The evaluation pool in headless Chromium, run by run.mjs in its own Node process:
//   node pool.mjs [--quick|--smoke]
// It opens the lab's worker alone (tests/browser/lab_worker.html, the page the pool test uses)
// and times its robustness curves (both pretrained models under FGSM at each eps) with a pool of
// 1 worker (the curves run inside the lab's worker itself), then with one worker per core;
// each after a warm-up run that starts the pool.
// The counts must agree, so the stage fails if they do not.
// Then it times AutoAttack as the page's "Is this defence real?" runs it (web/engine/audit.js's
// audit op): the shipped PGD-trained model in a slot, the standard suite on the first test images
// in parts across the page's pool (web/engine/pool.js's evaluateParts), one worker per core.
import os from 'node:os';

import {
  emit, errorText, launchChromium, MODES, pageAudit, repoRoot, ROBUST, stageOptions,
} from './lib.mjs';
import { serveStatic } from '../tools/serve.mjs';

const IMAGES = { full: 10000, quick: 2000, smoke: 100 };

async function main() {
  const { mode } = stageOptions();
  const n = IMAGES[mode];
  const server = await serveStatic(repoRoot);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/tests/browser/lab_worker.html`);
    await page.waitForFunction(() => window.ready === true);
    await page.evaluate(() => window.call('init'));
    // At the experiment's curve eps, the worker's default.
    const curves = (workers) => page.evaluate(async ([w, count]) => {
      const start = performance.now();
      const result = await window.call('curves', { n: count, workers: w });
      return { ...result, seconds: (performance.now() - start) / 1000 };
    }, [workers, n]);
    const sizes = [1, Math.max(2, os.availableParallelism())];
    const runs = [];
    for (const workers of sizes) {
      await curves(workers); // warm-up: MNIST's test set once, the pool's workers and engines
      runs.push(await curves(workers));
    }
    // The page's first "Is this defence real?", whose pool of workers starts with it.
    const autoattack = await pageAudit(page, ROBUST.file, MODES[mode].evaluateImages);
    const [alone, pooled] = runs;
    const same = ['standard', 'defended'].every((s) =>
      alone[s].every((v, i) => v === pooled[s][i]));
    if (!same) throw new Error('the pool\'s curves differ from one worker\'s');
    // Each image is attacked and evaluated once per eps > 0 and evaluated once clean, per model.
    const perSecond = (r) => (2 * n * r.eps.length) / r.seconds;
    emit({
      status: 'ok', images: n, eps: alone.eps, cores: os.availableParallelism(),
      runs: runs.map((r) => ({ workers: r.workers, seconds: r.seconds,
        images_per_sec: perSecond(r) })),
      speedup: alone.seconds / pooled.seconds,
      autoattack,
    });
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  emit({ status: 'failed', error: errorText(e) });
  process.exitCode = 1;
});
