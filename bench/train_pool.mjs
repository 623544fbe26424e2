// Training on every core (issue 20), run by run.mjs in its own Node process:
//   node train_pool.mjs [--quick|--smoke] [--no-peers] [--preset-full]
// For the tutorial arch and Madry's (c32k5-p2-c64k5-p2-d1024-d10), clean and with the robust
// trainers (fast AT, PGD-7 training with its eps ramp, TRADES with 7 KL steps), at batch 64, and
// the tutorial's clean training at batches of 256 and 1,024 too (not in --smoke), it times:
// - the page's training runs in headless Chromium (the lab's worker alone, through
//   tests/browser/lab_worker.html, as the engines test drives it) on 1, 2 and 4 workers: each run
//   is one epoch over `limit` images, cut into the page's 8 shards. Its training rate is the images
//   trained between the first and the last progress report before the epoch's end over the time
//   the worker spent in the trainer between them (the reports' busyMs: every batch, its messages
//   and waits included), so the pool's start and the page's test checks are left out: 0.8 s each
//   for Madry's net, which in these runs of seconds would be most of the difference between pool
//   sizes, and in a real run come at most 5% of the time. The page's rate is the same images over
//   the wall time, checks included. The page also reports how long replica 0 waited per batch for
//   the others' parts (the exchange). Then, in the same turn, the pair: two 1-worker runs at once
//   in two pages, each timed over the time both trained, for what the machine itself gives two
//   workers that never wait for each other;
// - the same trainer in Node, one thread: the engine through advlab.js, made by the page's
//   trainerFor with the page's settings, over the same 8 shards, timed after its first tenth of
//   batches (the engine's tier-up);
// - the native CLI on 1 and 2 threads (`advlab train --shards 8 --threads N --json`, its
//   train_seconds), in the same turns: the same batches and the same bits, with a barrier of
//   tens of microseconds and no messages, so its scaling is what synchronous data-parallel
//   training gets from this machine's two cores at the time;
// - PyTorch on 1 and 2 threads (torch_train_speed.py; clean, fbf and pgd7 only: TRADES is not
//   timed there), unless --no-peers.
// Then the page's "Train a robust model" preset (web/engine/runs.js's trainPreset) on every core
// for part of one epoch: its rate, and the whole preset's wall time at that rate (its 10 epochs of
// 60,000 images), and its rate on one worker, for the pool's scaling on that run; and the
// preset's shipped model under AutoAttack in the page (its audit op).
// With --preset-full the whole preset runs instead, as the page's button runs it (about ten
// minutes of every core): its wall time, whether its weights are the bits of the shipped
// robust.safetensors, and AutoAttack on the model it trained.
// --smoke trains the tutorial arch only, clean and with fast AT, on 256 images: it checks that the
// stage runs, and its numbers mean nothing.
// Fast AT runs without its per-epoch check (PGD-10 on 512 held-out images, ours and not ART's):
// the check costs the same however long the epoch, and in these one-epoch runs of a few thousand
// images it took most of the time (61% of a madry-arch run of 1,280 images natively: 9.6 s with it,
// 3.7 s without), while PyTorch's fast AT has none.
// The scaling efficiency is the 2-worker rate over twice the 1-worker rate of the same turn (the
// pair's: its two rates' sum over the same; native: 2 threads over twice 1), the median of the
// turns'. The fraction of the SIMD128 peak per core is the rate times the trainer's FLOPs per image
// (figures.mjs's FLOP model: training plus the attack's steps) over the workers times the peak
// that run.mjs measured.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { flopModel } from './figures.mjs';
import {
  emit, errorText, launchChromium, pageAudit, POOL_ARCHS, readMnist, repoRoot, stageOptions,
} from './lib.mjs';
import { serveStatic } from '../tools/serve.mjs';
import { createLab } from '../web/advlab.js';
import { trainerFor } from '../web/engine/trainers.js';

const PYTHON = process.env.ADVLAB_PYTHON ?? '/usr/bin/python3';
const NATIVE = join(repoRoot, 'build', 'native', 'advlab');
// The page's runs' shards (web/engine/train_pool.js's RUN_SHARDS).
const PAGE_SHARDS = 8;
const EPS = 0.3;
// Adam's learning rate by arch: the tutorial's is ART's tutorial's and the page's default; Madry's
// net keeps the 0.001 these rows always had. Until 2026-12-06 16:30 the tutorial's rows ran at
// 0.001 too, where about 20% of its conv layers' dy is non-zero in the first epoch, against about
// 10% at 0.01; the conv gradients' sparse paths (src/kernels/conv_sparse.c) gain less there.
const LR = { tutorial: 0.01, madry: 0.001 };
// Images per run, by arch and trainer, in full mode (quick: a quarter, smoke: 256 and 64): about
// 2 to 10 s of one worker, since a new replica's first batches run in V8's baseline code and the
// pool's rate settles after a few seconds (Madry's PGD-7 rows over 512 images read 1.3x to 1.96x).
const LIMITS = {
  tutorial: { clean: 60000, fbf: 40000, 'pgd-ramp': 16000, trades: 12800 },
  madry: { clean: 5120, fbf: 2560, 'pgd-ramp': 1024, trades: 1024 },
};
const WORKERS = { full: [1, 2, 4], quick: [1, 2], smoke: [1, 2] };
const NATIVE_THREADS = [1, 2];
// Turns per row: in each, a run on each pool size (1, 2, 4 workers) and then the pair (two lone
// runs at once in two pages). This machine's speed swings by up to 1.8x for seconds at a time, so
// the scaling is taken within each turn (the 2-worker rate over twice the 1-worker rate of the same
// turn, minutes apart at most) and the row gives the median turn's; each pool size's rate is the
// median of its turns'.
const TURNS = { full: 5, quick: 1, smoke: 1 };
// Larger steps for the tutorial's clean training, whose batch of 64 costs about as much as the
// exchange of its gradients: the same 8 shards, so 4 and 16 times the work per message.
const LARGE_STEPS = [256, 1024];
const SMOKE = { archs: ['tutorial'], trainers: ['clean', 'fbf'] };
// The robust preset's run: images timed here, and all it trains (10 epochs of 60,000).
const PRESET_IMAGES = { full: 6400, quick: 1280, smoke: 256 };
const PRESET_TOTAL_IMAGES = 10 * 60000;
// The preset's model (robust.safetensors, which make-weights.sh trains with the preset, the same
// bits as the page's run) under AutoAttack in the page, on this many first test images.
const PRESET_MODEL = 'robust.safetensors';
const PRESET_AUDIT_IMAGES = { full: 200, quick: 50, smoke: 4 };
// Attack steps per image beside training: fast AT one, PGD-7 seven, TRADES seven plus the
// clean pass whose probabilities the KL term compares with.
const STEPS = { clean: 0, fbf: 1, 'pgd-ramp': 7, trades: 7 };
const TORCH_TRAINER = { clean: 'clean', fbf: 'fbf', 'pgd-ramp': 'pgd7' };

function limitFor(arch, trainer, mode) {
  const full = LIMITS[arch][trainer];
  if (mode === 'smoke') return 256;
  return mode === 'quick' ? Math.max(256, full / 4) : full;
}

function flopsPerImage(arch, trainer) {
  const f = flopModel(POOL_ARCHS[arch]);
  const extra = trainer === 'trades' ? f.forward_flops_per_image : 0;
  return f.train_flops_per_image + STEPS[trainer] * f.fgsm_flops_per_image + extra;
}

// One page run's progress reports, each {at (ms since 1970, so comparable across pages), done
// (images trained), busyMs, workers, end (the report at the epoch's end), and on a pool ownMs,
// waitMs and stepMs (replica 0's time per batch in its shards, waiting and stepping)}. A preset's
// run (`preset` names it) takes the preset's settings, for `limit` images of one epoch.
async function pageReports(page, arch, trainer, limit, workers,
  { preset = null, batch = 64 } = {}) {
  const rowSettings = preset ? null : runSettings(arch, trainer, limit, batch);
  return page.evaluate(async ([s, t, l, w, p]) => {
    const reports = [];
    const settings = p
      ? { ...(await window.call('trainPreset', { name: p })).settings, epochs: 1, limit: l }
      : { ...s };
    settings.workers = w;
    if (p) settings.robust = { ...settings.robust, ramp: 1 };
    await window.call('train', { which: t === 'clean' ? 'standard' : 'defended', settings },
      { onProgress: (r) => {
        if (r.kind !== 'train') return;
        reports.push({ at: performance.timeOrigin + performance.now(), done: r.fraction * l,
          busyMs: r.busyMs, ownMs: r.ownMs, waitMs: r.waitMs, stepMs: r.stepMs,
          workers: r.workers, end: r.epochDone });
      } });
    return reports;
  }, [rowSettings, trainer, limit, workers, preset]);
}

// A run's rates from its reports: images between its first report and its last before the
// epoch's end (only those within `window` {from, to}, when given), over the time the worker spent
// in the trainer between them (images_per_sec) and over the wall time (page_images_per_sec);
// null when fewer than two reports qualify. On a pool, also where replica 0's time per batch went
// over the same batches (the means of the reports after the first up to the last, each about the
// chunk of batches before it): its own shards, the wait for the others' parts, and the step.
function runRates(reports, window = null) {
  const timed = reports.filter((r) => !window || (r.at >= window.from && r.at <= window.to));
  const first = timed[0];
  const last = timed.findLast((r) => !r.end && r !== first) ?? (window ? null : timed.at(-1));
  const images = last && last !== first ? last.done - first.done : null;
  const within = last ? timed.slice(1, timed.indexOf(last) + 1) : [];
  const mean = (key) => {
    const values = within.map((r) => r[key]).filter((v) => v !== undefined);
    return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
  };
  return { workers: reports.at(-1).workers, reports: reports.length,
    images_per_sec: images && images / ((last.busyMs - first.busyMs) / 1000),
    page_images_per_sec: images && images / ((last.at - first.at) / 1000),
    own_ms_per_batch: mean('ownMs'), wait_ms_per_batch: mean('waitMs'),
    step_ms_per_batch: mean('stepMs') };
}

async function pageRun(page, arch, trainer, limit, workers, options) {
  return runRates(await pageReports(page, arch, trainer, limit, workers, options));
}

// Two lone runs at once, one in each page (two lab workers that never wait for each other): what
// this machine gives two workers on this row. Each run's rate is taken over the time both were
// training, so neither's tail alone counts.
async function pairRun(pages, arch, trainer, limit, batch) {
  const runs = await Promise.all(pages.map((page) => pageReports(page, arch, trainer, limit, 1,
    { batch })));
  const window = { from: Math.max(...runs.map((r) => r[0].at)),
    to: Math.min(...runs.map((r) => (r.findLast((x) => !x.end) ?? r.at(-1)).at)) };
  const each = runs.map((r) => runRates(r, window).images_per_sec);
  return { workers: 2, each,
    images_per_sec: each.every((rate) => rate) ? each[0] + each[1] : null };
}

// A row's run, as the page's form gives it: one epoch of `limit` images (the page adds its shards).
function runSettings(arch, trainer, limit, batch) {
  return { epochs: 1, batch, lr: LR[arch], seed: 1, limit, arch, eps: EPS, attack: trainer,
    ratio: 1,
    ...(trainer === 'fbf' ? { robust: { eps: EPS, check: 0 } } : {}) };
}

// The whole preset as the page's button runs it: the wall time from the train op's call to its
// answer, and the SHA-256 of the weights' tensors (what follows the safetensors header, whose
// metadata differs by run), here and in the shipped model that make-weights.sh trains natively.
async function wholePresetRun(page, workers) {
  const run = await page.evaluate(async (w) => {
    const { settings } = await window.call('trainPreset', { name: 'robust' });
    let last = null;
    const start = performance.now();
    await window.call('train', { which: 'defended', settings: { ...settings, workers: w } },
      { onProgress: (p) => { if (p.kind === 'train') last = p; } });
    const seconds = (performance.now() - start) / 1000;
    const { bytes } = await window.call('exportModel', { slot: 'defended' });
    const header = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const digest = await crypto.subtle.digest('SHA-256', bytes.subarray(8 + header));
    return { seconds, workers: last.workers, images: settings.epochs * (settings.limit || 60000),
      tensors_sha256: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0'))
        .join('') };
  }, workers);
  const shipped = readFileSync(join(repoRoot, 'data', 'weights', PRESET_MODEL));
  const shippedDigest = createHash('sha256')
    .update(shipped.subarray(8 + Number(shipped.readBigUInt64LE(0)))).digest('hex');
  return { ...run, preset: 'robust', whole: true, minutes: run.seconds / 60,
    images_per_sec: run.images / run.seconds,
    same_bits_as_shipped: run.tensors_sha256 === shippedDigest };
}

// The page run's trainer in Node, on one thread: the images of its batches after the first tenth
// over their time.
function nodeRun(lab, train, arch, trainer, limit, batch) {
  const settings = { ...runSettings(arch, trainer, limit, batch), shards: PAGE_SHARDS };
  const net = lab.createNet({ arch, maxBatch: batch, seed: 1 });
  let t;
  try {
    t = trainerFor(net, trainer === 'clean' ? 'standard' : 'defended', train, settings);
    const batches = Math.ceil(limit / batch);
    const warm = Math.max(1, Math.floor(batches / 10));
    t.run(warm);
    const start = performance.now();
    t.run(batches - warm);
    return { threads: 1, images_per_sec: ((batches - warm) * batch) /
      ((performance.now() - start) / 1000) };
  } finally {
    t?.free();
    net.free();
  }
}

function nativeRun(arch, trainer, limit, threads, batch) {
  const dir = mkdtempSync(join(os.tmpdir(), 'advlab-train-pool-'));
  try {
    const robust = trainer === 'clean' ? [] : ['--trainer', trainer, '--eps', String(EPS),
      ...(trainer === 'fbf' ? ['--check', '0'] : ['--max-iter', '7', '--eps-step', String(2.5 * EPS / 7)]),
      ...(trainer === 'pgd-ramp' ? ['--ramp', '1'] : [])];
    const out = JSON.parse(execFileSync(NATIVE, ['train', '--arch', arch, '--epochs', '1',
      '--limit', String(limit), '--batch', String(batch), '--lr', String(LR[arch]), '--shards', '8',
      '--threads', String(threads),
      ...robust, '--json', '--out', join(dir, 'm.safetensors')], { cwd: repoRoot, encoding: 'utf8' }));
    return { threads, images_per_sec: limit / out.train_seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function torchRun(arch, trainer, batches, threads) {
  const out = JSON.parse(execFileSync(PYTHON, [join(repoRoot, 'bench', 'torch_train_speed.py'),
    '--arch', arch, '--trainer', TORCH_TRAINER[trainer], '--threads', String(threads),
    '--batches', String(batches)], { cwd: join(repoRoot, 'bench'), encoding: 'utf8' }));
  return { threads, images_per_sec: out.images_per_sec };
}

// The run of median rate among a pool size's turns (the lower of the two middle ones for an even
// count), with every turn's rate; the first failure when none ran.
function medianRun(runs) {
  const ok = runs.filter((r) => r.status === 'ok' && r.images_per_sec)
    .sort((a, b) => a.images_per_sec - b.images_per_sec);
  if (!ok.length) return runs.find((r) => r.status !== 'ok') ?? runs[0];
  return { ...ok[(ok.length - 1) >> 1], turns: runs.map((r) => r.images_per_sec ?? null),
    failed: runs.length - ok.length };
}

// The median over turns of a turn's rate in `runs` over twice its rate in `lone` (1 worker), with
// every turn's; null when no turn has both.
function medianRatio(runs, lone) {
  const ratios = runs.map((r, turn) => (r.status === 'ok' && r.images_per_sec &&
    lone[turn]?.status === 'ok' && lone[turn].images_per_sec
    ? r.images_per_sec / (2 * lone[turn].images_per_sec) : null));
  const known = ratios.filter((x) => x !== null).sort((a, b) => a - b);
  return known.length ? { median: known[(known.length - 1) >> 1], turns: ratios } : null;
}

// Each figure in its own try, so one that fails is reported and the rest still run.
async function attempt(fn) {
  try {
    return { status: 'ok', ...(await fn()) };
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  }
}

// A page with the lab's worker alone, started.
async function openLab(browser, server) {
  const page = await browser.newPage();
  await page.goto(`${server.url}/tests/browser/lab_worker.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(() => window.call('init'));
  return page;
}

async function main() {
  const { mode } = stageOptions();
  const peers = !process.argv.includes('--no-peers');
  const presetFull = process.argv.includes('--preset-full');
  const archs = mode === 'smoke' ? SMOKE.archs : Object.keys(POOL_ARCHS);
  const trainers = mode === 'smoke' ? SMOKE.trainers : Object.keys(STEPS);
  const server = await serveStatic(repoRoot);
  const browser = await launchChromium();
  const rows = [];
  const lab = await createLab();
  const mnistTrain = readMnist('train');
  const train = lab.loadDataset(mnistTrain.images, mnistTrain.labels, mnistTrain.name);
  try {
    const [page, twin] = [await openLab(browser, server), await openLab(browser, server)];
    // The tutorial's runs first: a madry run in the standard slot would leave the defended
    // tutorial runs nothing to start from.
    const specs = archs.flatMap((arch) => [
      ...trainers.map((trainer) => ({ arch, trainer, batch: 64 })),
      ...(arch === 'tutorial' && mode !== 'smoke'
        ? LARGE_STEPS.map((batch) => ({ arch, trainer: 'clean', batch })) : []),
    ]);
    for (const { arch, trainer, batch } of specs) {
      const limit = limitFor(arch, trainer, mode);
      const row = { arch, trainer, batch, limit, flops_per_image: flopsPerImage(arch, trainer) };
      const runs = WORKERS[mode].map(() => []);
      const pairs = [];
      const native = NATIVE_THREADS.map(() => []);
      for (let turn = 0; turn < TURNS[mode]; turn++) {
        for (const [i, workers] of WORKERS[mode].entries()) {
          runs[i].push(await attempt(() => pageRun(page, arch, trainer, limit, workers,
            { batch })));
        }
        pairs.push(await attempt(() => pairRun([page, twin], arch, trainer, limit, batch)));
        for (const [i, threads] of NATIVE_THREADS.entries()) {
          native[i].push(await attempt(() => nativeRun(arch, trainer, limit, threads, batch)));
        }
      }
      row.chromium = runs.map(medianRun);
      row.chromium_pair = medianRun(pairs);
      row.chromium_scaling = medianRatio(runs[1], runs[0]);
      row.chromium_pair_scaling = medianRatio(pairs, runs[0]);
      row.node = await attempt(() => nodeRun(lab, train, arch, trainer, limit, batch));
      row.native = native.map(medianRun);
      row.native_scaling = medianRatio(native[1], native[0]);
      row.torch = [];
      if (peers && batch === 64 && TORCH_TRAINER[trainer] && existsSync(PYTHON)) {
        const batches = Math.max(2, Math.round(limit / 64 / (mode === 'full' ? 2 : 4)));
        for (const threads of [1, 2]) {
          row.torch.push(await attempt(() => torchRun(arch, trainer, batches, threads)));
        }
      }
      rows.push(row);
    }
    const presetWorkers = Math.min(os.availableParallelism(), 4);
    const presetRun = await attempt(async () => {
      if (presetFull) return wholePresetRun(page, presetWorkers);
      const run = await pageRun(page, null, 'preset', PRESET_IMAGES[mode], presetWorkers,
        { preset: 'robust' });
      // And on one worker, for the pool's scaling on the run a student's button starts.
      const alone = await pageRun(page, null, 'preset', PRESET_IMAGES[mode], 1,
        { preset: 'robust' });
      return { ...run, preset: 'robust', images: PRESET_IMAGES[mode],
        estimated_minutes: PRESET_TOTAL_IMAGES / run.page_images_per_sec / 60,
        one_worker_images_per_sec: alone.images_per_sec,
        scaling: run.images_per_sec / (run.workers * alone.images_per_sec) };
    });
    // After the whole preset, the model it trained (in the defended slot); else the shipped one.
    const presetAutoattack = await pageAudit(page,
      presetFull && presetRun.status === 'ok' ? null : PRESET_MODEL, PRESET_AUDIT_IMAGES[mode]);
    emit({ status: 'ok', cores: os.availableParallelism(), shards: PAGE_SHARDS, eps: EPS, rows,
      preset: presetRun, preset_autoattack: presetAutoattack });
  } finally {
    await browser.close();
    await server.close();
    train.free();
  }
}

main().catch((e) => {
  emit({ status: 'failed', error: errorText(e) });
  process.exitCode = 1;
});
