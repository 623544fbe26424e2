// The WASM half of the benchmark, run by run.mjs in its own Node process:
// advlab's real module through web/advlab.js (training through Trainer#run,
// inference through Net#predict) and the SIMD128 peak kernel of bench/peak.c
// from its own tiny module (bench/gen/advlab_peak.{mjs,wasm}).
//
// As in bench_native.c the three are measured in rounds (train, infer, peak;
// ...), so that other load on the machine weighs on all three alike; each
// figure is the median over the rounds.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { benchDir, emit, errorText, median, readMnist, stageOptions, TUTORIAL } from './lib.mjs';
import { createLab } from '../web/advlab.js';

const WARMUP_BATCHES = 20;

// Batches done so far by a trainer, from its progress report.
const position = (p) => (p.epoch - 1) * p.batchesPerEpoch + p.batchInEpoch;

// Images trained once `pos` batches are done (each epoch's last batch may be short).
function imagesAt(pos, batchesPerEpoch, n) {
  const epochs = Math.floor(pos / batchesPerEpoch);
  return epochs * n + Math.min((pos % batchesPerEpoch) * TUTORIAL.batch, n);
}

// Calls step() (which returns images done) until `seconds` have passed; images/s.
function timed(seconds, step) {
  let images = 0;
  const t0 = performance.now();
  let elapsed;
  do {
    images += step();
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  return images / elapsed;
}

// Training of the tutorial net through Trainer#run, in chunks of 8 batches.
function trainBench(lab, net, train, o) {
  const t = net.trainer(train, { optimizer: 'adam', lr: TUTORIAL.lr, batch: TUTORIAL.batch, epochs: 10000 });
  // Warm-up: at least WARMUP_BATCHES batches and half a repeat, so V8 has tiered the hot code up.
  let p = t.run(WARMUP_BATCHES);
  for (const t0 = performance.now(); performance.now() - t0 < 500 * o.seconds;) p = t.run(8);
  let pos = position(p);
  let timedBatches = 0;
  return {
    repeat() {
      const start = pos;
      const rate = timed(o.seconds, () => {
        const before = pos;
        p = t.run(8);
        pos = position(p);
        return imagesAt(pos, p.batchesPerEpoch, train.count) - imagesAt(before, p.batchesPerEpoch, train.count);
      });
      timedBatches += pos - start;
      return rate;
    },
    report: () => ({
      batch: TUTORIAL.batch, warmup: `${WARMUP_BATCHES} batches and ${o.seconds / 2} s`, timed_batches: timedBatches,
      optimizer: 'adam', lr: TUTORIAL.lr, epoch_loss: p.loss, epoch_accuracy: p.accuracy,
    }),
    free: () => t.free(),
  };
}

// Net#predict on one batch of 256 test images, with the trained weights.
function inferBench(lab, trained, test, o) {
  const net = lab.createNet({ arch: 'tutorial', maxBatch: TUTORIAL.inferBatch, seed: 1 });
  net.params().set(trained.params());
  const n = TUTORIAL.inferBatch;
  const input = net.input;
  const pixels = test.pixels.subarray(0, n * test.size);
  for (let i = 0; i < pixels.length; i++) input[i] = pixels[i] / 255;
  for (const t0 = performance.now(); performance.now() - t0 < 500 * o.seconds;) net.predict(n);
  let calls = 0;
  return {
    repeat: () => timed(o.seconds, () => { net.predict(n); calls++; return n; }),
    report: () => ({ batch: n, timed_calls: calls }),
    free: () => net.free(),
  };
}

// The peak module: every chain-count variant, each run for about `seconds`.
async function peakBench(seconds) {
  const dir = join(benchDir, 'gen');
  const mjs = join(dir, 'advlab_peak.mjs');
  const wasm = join(dir, 'advlab_peak.wasm');
  if (!existsSync(mjs) || !existsSync(wasm)) {
    throw new Error(`${wasm} is missing: build it with emcmake cmake -S . -B build/wasm && cmake --build build/wasm`);
  }
  const { default: createPeak } = await import(pathToFileURL(mjs).href);
  const m = await createPeak({ wasmBinary: readFileSync(wasm) });
  let sink = 0;
  const variants = [];
  for (let v = 0; m._peak_chains(v) > 0; v++) {
    let iters = 1 << 16;
    for (;;) {
      const t0 = performance.now();
      sink += m._peak_run(v, iters);
      const dt = (performance.now() - t0) / 1000;
      if (dt >= seconds / 4 || iters >= 1 << 29) {
        iters = Math.max(1, Math.min(2 ** 30, Math.round(iters * seconds / Math.max(dt, 1e-9))));
        break;
      }
      iters *= 2;
    }
    variants.push({ v, chains: m._peak_chains(v), iters, flops: m._peak_flops_per_iter(v), gflops: [] });
  }
  return {
    repeat() {
      for (const x of variants) {
        const t0 = performance.now();
        sink += m._peak_run(x.v, x.iters);
        x.gflops.push(x.iters * x.flops / ((performance.now() - t0) / 1000) / 1e9);
      }
    },
    report() {
      const by = variants.map((x) => ({ ...x, median: median(x.gflops) }));
      const best = by.reduce((a, b) => (b.median > a.median ? b : a));
      return {
        gflops: best.median, chains: best.chains, repeats: best.gflops,
        by_chains: Object.fromEntries(by.map((x) => [x.chains, x.median])), checksum: sink,
      };
    },
  };
}

async function main() {
  const { quick } = stageOptions();
  const o = quick ? { seconds: 0.3, repeats: 3 } : { seconds: 1.0, repeats: 5 };
  const lab = await createLab();
  const out = {
    engine: `advlab ${lab.version} WASM (simd128) in Node ${process.versions.node}`, threads: 1,
    seconds_per_repeat: o.seconds, repeats: o.repeats, rounds: 'train, infer, peak',
  };
  const trainData = readMnist('train');
  const testData = readMnist('test');
  const train = lab.loadDataset(trainData.images, trainData.labels, trainData.name);
  const net = lab.createNet({ arch: 'tutorial', maxBatch: TUTORIAL.batch, seed: 1 });
  out.arch = net.arch;
  const stages = {};
  try {
    stages.train = trainBench(lab, net, train, o);
    stages.infer = inferBench(lab, net, { pixels: testData.pixels, size: testData.size }, o);
  } catch (e) {
    out.error = errorText(e);
  }
  let peak = null;
  try {
    peak = await peakBench(o.seconds / 4);
  } catch (e) {
    out.peak_error = errorText(e);
  }
  const rates = { train: [], infer: [] };
  for (let r = 0; r < o.repeats && !out.error; r++) {
    try {
      rates.train.push(stages.train.repeat());
      rates.infer.push(stages.infer.repeat());
    } catch (e) {
      out.error = errorText(e);
    }
    peak?.repeat();
  }
  if (!out.error) {
    for (const k of ['train', 'infer']) {
      out[k] = { images_per_sec: median(rates[k]), repeats: rates[k], ...stages[k].report() };
    }
  }
  if (peak) out.peak = peak.report();
  stages.train?.free();
  stages.infer?.free();
  net.free();
  train.free();
  emit(out);
}

main().catch((e) => {
  emit({ error: errorText(e) });
  process.exitCode = 1;
});
