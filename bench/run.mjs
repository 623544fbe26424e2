#!/usr/bin/env node
// advlab's benchmark, in one run: advlab native, as WASM in Node and as WASM
// in a Chromium module Web Worker (training, inference, FGSM, PGD-40 and
// adversarial-training images/s of the tutorial CNN on MNIST, APGD-CE-100
// images/s and Square queries/s on the shipped PGD-trained model, the live
// latency, the memory of a training worker, the single-core SIMD128 peak, and
// the wall time of AutoAttack on one thread and on the page's pool of
// workers), then the peers (TF.js cpu and wasm backends, ConvNetJS, PyTorch)
// as ratios. Prints tables, then the JSON document, which also goes to
// bench/out/results.json. See bench/README.md.
//
//   node bench/run.mjs [--quick|--smoke] [--json] [--no-peers] [--no-chromium] [--native PATH]
//                      [--out FILE] [--preset-full]
//   ADVLAB_PYTHON=PATH picks the python3 that has torch (default /usr/bin/python3).
//
// Each engine runs in its own child process, one after the other, so none
// disturbs another's JIT or caches. This is a benchmark, never a test: it
// reports what it measured and fails nothing for being slow. --smoke (tiny
// sizes, for CI) exits non-zero only when an advlab stage failed to run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';

import {
  ATTACKS, CERTIFY, benchDir, errorText, EVALUATE, flopModel, median, mnistDir, MODES, repoRoot,
  RESULT_MARK, ROBUST, TUTORIAL,
} from './lib.mjs';

// The issue's figures, measured earlier on this machine (not re-measured here).
const REFERENCE = [
  { engine: 'PyTorch 1.13 native, 1 thread', train: 4250, infer: 16900, fgsm: 5750 },
  { engine: 'PyTorch 1.13 native, 2 threads', train: 5800 },
  { engine: 'TF.js 4.22 cpu, Chromium worker', train: 102 },
  { engine: 'TF.js 4.22 webgl, software renderer', train: 176 },
  { engine: 'TF.js 4.22 wasm', train: null, infer: 15400, fgsm: 1780, note: 'cannot train' },
  { engine: 'ConvNetJS 0.3', train: 326 },
  { engine: 'single-core ceiling (38 GFLOP/s / 716 kFLOP)', train: 55000 },
];

// Issue 5's targets: one core, WASM in a Chromium Web Worker, batch 64.
const TARGETS = [
  { figure: 'train', min: 12000 },
  { figure: 'fgsm', min: 15000 },
  { figure: 'infer', min: 40000 },
  { figure: 'adv_train', min: 6000 },
  { figure: 'live', maxMs: 16 },
];
const MEMORY_TARGET_BYTES = 200 * 1024 * 1024;
// Issue 13's target: the standard AutoAttack on 1000 test images in the page, on the pool of
// this 2-core machine, in under 60 s for the shipped PGD-trained model.
const AUTOATTACK_TARGET = { images: 1000, maxSeconds: 60 };

// The figures of every engine, and the FLOPs each counts (lib.mjs's flopModel).
const FIGURES = [
  { key: 'train', label: 'train', flops: 'train_flops_per_image' },
  { key: 'infer', label: 'infer', flops: 'forward_flops_per_image' },
  { key: 'fgsm', label: 'FGSM', flops: 'fgsm_flops_per_image' },
  { key: 'pgd', label: 'PGD-40', flops: 'pgd_flops_per_image' },
  { key: 'apgd', label: 'APGD-CE-100', flops: 'apgd_flops_per_image' },
  { key: 'square', label: 'Square q/s', flops: 'square_flops_per_query', rate: 'queries_per_sec' },
  { key: 'adv_train', label: 'adv. train', flops: 'adv_train_flops_per_image' },
  { key: 'live', label: 'live', flops: 'live_flops_per_update', latency: true },
];

const PEERS = [
  { key: 'tfjs_cpu', label: 'TF.js cpu backend', pkg: '@tensorflow/tfjs', script: 'peer_tfjs.mjs', args: ['cpu'] },
  { key: 'tfjs_wasm', label: 'TF.js wasm backend', pkg: '@tensorflow/tfjs-backend-wasm', also: ['@tensorflow/tfjs'],
    script: 'peer_tfjs.mjs', args: ['wasm'] },
  { key: 'convnetjs', label: 'ConvNetJS', pkg: 'convnetjs', script: 'peer_convnetjs.mjs', args: [] },
  { key: 'pytorch', label: 'PyTorch CPU, 1 thread', python: 'torch_tutorial.py' },
];

// PyTorch is Debian's python3-torch, which lives in the system Python (a
// python3 earlier on PATH, from pyenv or a venv, usually lacks it).
const PYTHON = process.env.ADVLAB_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const USAGE = 'usage: node bench/run.mjs [--quick|--smoke] [--json] [--no-peers] [--no-chromium] ' +
  '[--native PATH] [--out FILE] [--preset-full]';

function parseArgs(argv) {
  const o = {
    mode: 'full', json: false, peers: true, chromium: true, presetFull: false,
    native: join(repoRoot, 'build', 'native', 'advlab_bench'),
    out: join(benchDir, 'out', 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick' && o.mode !== 'smoke') o.mode = 'quick';
    else if (a === '--smoke') o.mode = 'smoke';
    else if (a === '--json') o.json = true;
    else if (a === '--no-peers') o.peers = false;
    else if (a === '--no-chromium') o.chromium = false;
    else if (a === '--preset-full') o.presetFull = true;
    else if (a === '--native' && i + 1 < argv.length) o.native = argv[++i];
    else if (a === '--out' && i + 1 < argv.length) o.out = argv[++i];
    else {
      console.error(USAGE);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const modeArgs = opts.mode === 'full' ? [] : [`--${opts.mode}`];
// Progress and notices go to stderr so that stdout is the table and the JSON.
const note = (msg) => console.error(msg);

/** Runs a child to completion; resolves with its stdout, stderr, exit code and time. */
function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: stderr + e.message, seconds: 0 }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `killed by ${signal} (timeout ${timeoutMs / 1000} s?)` : code, stdout, stderr,
        seconds: (performance.now() - t0) / 1000 });
    });
  });
}

// A failed stage's message: its own error, else the last line it printed on stderr.
function failure(r) {
  const lines = r.stderr.trim().split('\n').filter((l) => l.trim());
  return `exit ${r.code}${lines.length ? `: ${lines[lines.length - 1]}` : ''}`;
}

// Full mode's advlab stages include AutoAttack on 1000 images, minutes on one thread.
const timeoutMs = ({ smoke: 120, quick: 600, full: 1800 })[opts.mode] * 1000;

async function nativeStage() {
  if (!existsSync(opts.native)) {
    const msg = `advlab native not built: ${opts.native} is missing (cmake -S . -B build/native && cmake --build build/native -j2)`;
    note(msg);
    return { status: 'not built', error: msg };
  }
  note('running advlab native ...');
  const r = await run(opts.native, ['--data', mnistDir, ...modeArgs], timeoutMs);
  try {
    if (r.code !== 0) throw new Error(failure(r));
    return { status: 'ok', ...JSON.parse(r.stdout), wall_seconds: r.seconds };
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  }
}

// A node stage: a script of bench/ that ends with one RESULT_MARK line.
async function nodeStage(script, args) {
  const r = await run(process.execPath, [join(benchDir, script), ...args, ...modeArgs], timeoutMs);
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_MARK));
  if (!line) return { status: 'failed', error: failure(r) };
  const result = JSON.parse(line.slice(RESULT_MARK.length));
  const failed = result.error || r.code !== 0;
  return { status: failed ? 'failed' : 'ok', ...result, ...(failed && !result.error ? { error: failure(r) } : {}),
    wall_seconds: r.seconds };
}

async function wasmStage() {
  const wasm = join(repoRoot, 'web', 'gen', 'advlab_core.wasm');
  if (!existsSync(wasm)) {
    const msg = `advlab WASM not built: ${wasm} is missing (emcmake cmake -S . -B build/wasm && cmake --build build/wasm -j2)`;
    note(msg);
    return { status: 'not built', error: msg };
  }
  note('running advlab WASM in Node ...');
  return nodeStage('wasm.mjs', []);
}

// The fallback module for browsers without WebAssembly SIMD: its training and FGSM speed only.
const SCALAR_FIGURES = ['train', 'fgsm'];

async function wasmScalarStage() {
  const wasm = join(repoRoot, 'web', 'gen', 'advlab_core_scalar.wasm');
  if (!existsSync(wasm)) {
    const msg = `advlab scalar WASM not built: ${wasm} is missing (emcmake cmake -S . -B build/wasm && cmake --build build/wasm -j2)`;
    note(msg);
    return { status: 'not built', error: msg };
  }
  note('running advlab scalar WASM (no SIMD) in Node ...');
  return nodeStage('wasm.mjs', ['--variant', 'scalar']);
}

async function chromiumStage() {
  const missing = ['/usr/bin/chromium', join(repoRoot, 'node_modules', 'playwright-core')].filter((f) => !existsSync(f));
  if (missing.length) {
    const msg = `advlab in Chromium skipped: ${missing.join(' and ')} missing (apt-get install chromium; npm ci)`;
    note(msg);
    return { status: 'not installed', error: msg };
  }
  note('running advlab WASM in a Chromium module Web Worker ...');
  return nodeStage('chromium.mjs', []);
}

// The lab's curves in Chromium with one worker, then across the evaluation pool
// (web/engine/pool.js).
async function poolStage() {
  note('running the lab\'s curves in Chromium, one worker and then a pool ...');
  return nodeStage('pool.mjs', []);
}

// Training on every core (issue 20): the page's runs on 1, 2 and 4 workers in Chromium, the CLI
// on 1 and 2 threads, and PyTorch's.
async function trainPoolStage() {
  note('training on 1, 2 and 4 workers in Chromium, on 1 and 2 native threads, and in PyTorch ...');
  return nodeStage('train_pool.mjs', [...(opts.peers ? [] : ['--no-peers']),
    ...(opts.presetFull ? ['--preset-full'] : [])]);
}

// What one exchange between the pool's workers costs on its own (messages, and Atomics where the
// page is isolated).
async function exchangeStage() {
  note('timing messages between workers in Chromium, isolated and not ...');
  return nodeStage('exchange.mjs', []);
}

function installedVersion(pkg) {
  const p = join(benchDir, 'node_modules', pkg, 'package.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : null;
}

async function peerStage(peer) {
  if (peer.python) return torchStage(peer);
  const version = installedVersion(peer.pkg);
  const missing = [peer.pkg, ...(peer.also ?? [])].filter((p) => !installedVersion(p));
  if (missing.length) {
    const msg = `peer ${missing.join(' and ')} not installed: run npm ci --prefix bench`;
    note(msg);
    return { status: 'not installed', package: peer.pkg, error: msg };
  }
  note(`running peer ${peer.label} (${peer.pkg}@${version}) ...`);
  return { package: peer.pkg, version, ...(await nodeStage(peer.script, peer.args)) };
}

// PyTorch: training is one process of `torch_tutorial.py --max-batches K --json` per
// repeat, each leaving its first 20 batches out of its rate as warm-up; the other
// figures are one process of torch_attacks.py with figures.mjs's settings.
async function torchStage(peer) {
  const probe = await run(PYTHON, ['-c', 'import torch; print(torch.__version__)'], 60 * 1000);
  if (probe.code !== 0) {
    const msg = `peer PyTorch not installed: ${PYTHON} cannot import torch (apt-get install python3-torch)`;
    note(msg);
    return { status: 'not installed', package: 'python3-torch', error: msg };
  }
  const version = probe.stdout.trim();
  const plan = { smoke: { batches: 25, repeats: 1 }, quick: { batches: 100, repeats: 3 },
    full: { batches: 300, repeats: 5 } }[opts.mode];
  note(`running peer PyTorch ${version} (${PYTHON}) ...`);
  const out = { package: 'python3-torch', version, python: PYTHON, plan };
  const runs = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < plan.repeats; i++) {
      const r = await run(PYTHON, [join(benchDir, peer.python), '--max-batches', String(plan.batches), '--json'],
        timeoutMs);
      if (r.code !== 0) throw new Error(failure(r));
      runs.push(JSON.parse(r.stdout.trim().split('\n').pop()));
    }
  } catch (e) {
    return { status: 'failed', ...out, error: errorText(e) };
  }
  const rates = runs.map((r) => r.train_images_per_sec);
  const last = runs[runs.length - 1];
  const m = MODES[opts.mode];
  const settings = { seconds: m.seconds, repeats: m.repeats, attack_images: m.attackImages,
    pgd_images: m.attackImages, infer_batch: TUTORIAL.inferBatch, batch: TUTORIAL.batch,
    lr: TUTORIAL.lr, attacks: { ...ATTACKS, apgd: { ...ATTACKS.apgd, images: m.attackImages } } };
  const r = await run(PYTHON, [join(benchDir, 'torch_attacks.py'), '--settings', JSON.stringify(settings),
    '--weights', join(repoRoot, 'data', 'weights', ROBUST.file)], timeoutMs);
  let figures;
  try {
    if (r.code !== 0) throw new Error(failure(r));
    figures = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch (e) {
    const failed = { status: 'failed', error: errorText(e) };
    figures = Object.fromEntries(['infer', 'fgsm', 'pgd', 'apgd', 'adv_train', 'live'].map((k) => [k, failed]));
  }
  return { status: 'ok', ...out, engine: last.settings.engine, threads: last.settings.threads,
    train: { status: 'ok', images_per_sec: median(rates), repeats: rates, batch: TUTORIAL.batch,
      warmup_batches: last.warmup_batches,
      timed_batches: runs.reduce((s, x) => s + x.timed_batches, 0),
      optimizer: 'adam (torch.optim.Adam)', lr: TUTORIAL.lr, mean_loss: last.epochs[0].loss,
      mean_accuracy: last.epochs[0].accuracy },
    infer: figures.infer, fgsm: figures.fgsm, pgd: figures.pgd, apgd: figures.apgd,
    adv_train: figures.adv_train, live: figures.live,
    wall_seconds: (performance.now() - t0) / 1000 };
}

// ------------------------------------------------------------- summary

// An engine's figure: images/s (Square: queries/s), or for live the median ms.
const valueOf = (stage, fig) => {
  const f = stage?.[fig.key];
  return (fig.latency ? f?.median_ms : f?.[fig.rate ?? 'images_per_sec']) ?? null;
};

// How many times faster advlab is than `other` on this figure (for live: lower ms is faster).
const speedup = (advlab, other, fig) =>
  (advlab && other ? (fig.latency ? other / advlab : advlab / other) : null);

function summarise(doc) {
  const model = doc.model;
  const { native, wasm, chromium } = doc.advlab;
  const peaks = { native: native.peak?.gflops ?? null, wasm: wasm.peak?.gflops ?? null,
    chromium: chromium?.peak?.gflops ?? null };
  const rows = [];
  const add = (key, engine, stage, peakKind) => {
    const peak = peaks[peakKind] ?? null;
    const figures = {};
    for (const fig of FIGURES) {
      const value = valueOf(stage, fig);
      const perSecond = value == null ? null : fig.latency ? 1000 / value : value;
      const gflops = perSecond == null ? null : perSecond * model[fig.flops] / 1e9;
      figures[fig.key] = {
        value, unit: fig.latency ? 'ms' : fig.rate === 'queries_per_sec' ? 'queries/s' : 'images/s',
        error: stage?.[fig.key]?.status === 'failed' ? stage[fig.key].error : null,
        gflops, fraction_of_peak: gflops != null && peak ? gflops / peak : null,
        advlab_wasm_speedup: speedup(valueOf(wasm, fig), value, fig),
        advlab_chromium_speedup: speedup(valueOf(chromium, fig), value, fig),
      };
    }
    rows.push({ key, engine, status: stage?.status ?? 'not run', error: stage?.status === 'ok' ? null : stage?.error ?? null,
      peak_used: peak ? `${peakKind} SIMD128 peak` : null, figures });
  };
  add('advlab_native', 'advlab native (gcc, SIMDe -> SSE4.1)', native, 'native');
  add('advlab_wasm', 'advlab WASM simd128 in Node', wasm, 'wasm');
  add('advlab_wasm_scalar', 'advlab WASM scalar fallback (no SIMD) in Node', doc.advlab.wasm_scalar,
    'wasm');
  if (chromium) add('advlab_chromium', 'advlab WASM simd128, Chromium worker', chromium, 'chromium');
  for (const peer of PEERS) {
    const p = doc.peers[peer.key];
    if (!p) continue;
    // The JS peers run in the same V8 on the same core as advlab's WASM in Node, so
    // they are held against that WASM SIMD128 peak. PyTorch runs native AVX2 code,
    // which neither SIMD128 peak bounds, so it gets no %peak.
    const minor = p.version?.split('.').slice(0, 2).join('.');
    if (peer.python) add(peer.key, minor ? `PyTorch ${minor} CPU, 1 thread` : peer.label, p, null);
    else add(peer.key, `${peer.label}${p.version ? ` ${p.version}` : ''}`, p, 'wasm');
  }
  const ceilings = Object.fromEntries(Object.entries(peaks).map(([k, g]) =>
    [`${k}_train_images_per_sec`, g ? g * 1e9 / model.train_flops_per_image : null]));
  const targets = TARGETS.map((t) => {
    const fig = FIGURES.find((f) => f.key === t.figure);
    const measured = valueOf(chromium, fig);
    const node = valueOf(wasm, fig);
    const met = (v) => (v == null ? null : t.maxMs != null ? v < t.maxMs : v >= t.min);
    return { ...t, label: fig.label, chromium: measured, met: met(measured), wasm_node: node,
      met_in_node: met(node) };
  });
  const mem = chromium?.memory;
  const memory = mem ? {
    worker_peak_bytes: mem.worker_peak_bytes, renderer_peak_rss_bytes: mem.renderer_peak_rss_bytes,
    target_bytes: MEMORY_TARGET_BYTES,
    met: mem.worker_peak_bytes != null ? mem.worker_peak_bytes < MEMORY_TARGET_BYTES : null,
  } : null;
  return { rows, peaks_gflops: peaks, ceilings_at_peak: ceilings, targets, memory,
    autoattack: autoattackSummary(doc) };
}

// What two AutoAttack reports must share: everything but the seconds (the pool's merged report
// may list the warnings in another order).
function reportKey(r) {
  const members = r.members.map(({ name, accuracy, broke, gradient_calls: calls }) =>
    ({ name, accuracy, broke, gradient_calls: calls }));
  return JSON.stringify({ n: r.n, clean_accuracy: r.clean_accuracy,
    robust_accuracy: r.robust_accuracy, members, warnings: r.warnings.map((w) => w.id).sort() });
}

// AutoAttack's wall time on one thread in each engine and on the page's pool, and whether every
// engine's report is the same (the robust accuracy is the honest half of the figure).
function autoattackSummary(doc) {
  const measured = {
    native: ['advlab native', doc.advlab.native?.evaluate],
    wasm: ['advlab WASM in Node', doc.advlab.wasm?.evaluate],
    chromium: ['advlab WASM, one Chromium worker', doc.advlab.chromium?.evaluate],
    pool: ['the page\'s pool in Chromium (audit op)', doc.pool?.autoattack],
  };
  const runs = Object.entries(measured).filter(([, [, r]]) => r).map(([key, [engine, r]]) => ({
    key, engine, status: r.status, error: r.error ?? null, workers: r.workers ?? null,
    images: r.images ?? null, seconds: r.seconds ?? null,
    images_per_sec: r.seconds ? r.images / r.seconds : null,
    clean_accuracy: r.report?.clean_accuracy ?? null,
    robust_accuracy: r.report?.robust_accuracy ?? null,
    warnings: r.report?.warnings.map((w) => w.id) ?? null,
  }));
  const reports = Object.values(measured).map(([, r]) => r?.report).filter(Boolean);
  const pool = runs.find((r) => r.key === 'pool');
  const full = pool?.images === AUTOATTACK_TARGET.images && pool.seconds != null;
  return {
    model: ROBUST.file, ...EVALUATE, images: MODES[doc.mode].evaluateImages, runs,
    same_report: reports.length ? new Set(reports.map(reportKey)).size === 1 : null,
    target: { ...AUTOATTACK_TARGET, chromium_pool_seconds: pool?.seconds ?? null,
      met: full ? pool.seconds < AUTOATTACK_TARGET.maxSeconds : null,
      wasm_node_seconds: full ? runs.find((r) => r.key === 'wasm')?.seconds ?? null : null },
  };
}

// --------------------------------------------------------------- table

const int = (v) => (v == null ? '-' : Math.round(v).toLocaleString('en-US'));
const pct = (v) => (v == null ? '-' : `${(100 * v).toFixed(1)}%`);
const times = (v) => (v == null ? '-' : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);
const ms = (v) => (v == null ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const mb = (v) => (v == null ? '-' : `${(v / 2 ** 20).toFixed(1)} MB`);

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
    .join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// One table of the rows: a cell per figure, from cell(row, figure, its summary).
function figureTable(rows, cell) {
  return table(
    rows.map((r) => [r.engine, ...FIGURES.map((fig) => cell(r, fig, r.figures[fig.key]))]),
    ['engine', ...FIGURES.map((f) => f.label)]);
}

// The measured value, or why there is none.
function valueCell(r, fig, f) {
  if (f.value != null) return fig.latency ? ms(f.value) : int(f.value);
  if (f.error) return 'FAILED';
  return r.status === 'ok' ? '-' : r.status.toUpperCase();
}

function render(doc) {
  const s = doc.summary;
  const m = doc.model;
  const out = [];
  out.push(`advlab bench (${doc.mode}) ${doc.date}`);
  out.push(`model: "tutorial" ${m.arch} on MNIST, batch ${m.batch}, Adam lr ${m.lr}, one thread; inference batch ${m.infer_batch}`);
  out.push(`attacks: FGSM eps ${ATTACKS.fgsm.eps} and PGD-40 (eps ${ATTACKS.pgd.eps}, eps_step ${ATTACKS.pgd.eps_step}, ` +
    `no random start) on ${MODES[doc.mode].attackImages} test images per call, labels = predictions; adversarial training ` +
    `FGSM eps ${ATTACKS.adv.attack.eps}, ratio ${ATTACKS.adv.ratio}, batch ${m.batch}`);
  out.push(`evaluation: APGD-CE-100 (eps ${ATTACKS.apgd.eps}, first step ${ATTACKS.apgd.eps_step}) on ` +
    `${MODES[doc.mode].attackImages} and Square L-inf (eps ${ATTACKS.square.eps}, ${ATTACKS.square.max_iter} queries) ` +
    `on ${MODES[doc.mode].squareImages} test images per call, labels = predictions, against ${ROBUST.file}`);
  const load = (l) => l.map((v) => v.toFixed(2)).join(' ');
  out.push(`machine: ${doc.machine.cpu}, ${doc.machine.logical_cores} logical cores, Node ${doc.machine.node}; ` +
    `load average ${load(doc.machine.loadavg_at_start)} at start, ${load(doc.machine.loadavg_at_end)} at end`);
  out.push('');
  out.push('images/s; Square: queries/s (forward passes); live: median ms from a new 28x28 image to both models\' ' +
    'FGSM and PGD-10 results (lower is better)');
  out.push(figureTable(s.rows, valueCell));
  for (const r of s.rows) {
    if (r.error) out.push(`  ${r.engine}: ${r.status}: ${r.error}`);
    for (const fig of FIGURES) {
      const e = r.figures[fig.key].error;
      if (e) out.push(`  ${r.engine}: ${fig.label} failed: ${e}`);
    }
  }
  const pgdImages = Object.entries(doc.peers)
    .filter(([, p]) => p.pgd?.images && p.pgd.images !== MODES[doc.mode].attackImages)
    .map(([k, p]) => `${k} ${p.pgd.images}`);
  if (pgdImages.length) out.push(`  PGD-40 images per call for the slow peers: ${pgdImages.join(', ')}.`);
  const cj = doc.peers.convnetjs;
  if (cj?.optimizer) out.push(`  ConvNetJS optimizer: ${cj.optimizer}; it trains image by image in Float64Array.`);
  const g = doc.peers.tfjs_wasm?.gradient_vs_cpu;
  if (g?.max_pool_grad_values) {
    out.push(`  TF.js wasm backend's gradients are wrong: MaxPoolGrad differs from the cpu backend's on ` +
      `${g.max_pool_grad_values_differing} of ${g.max_pool_grad_values} values (24x24x4, no ties); the model's input ` +
      `gradient differs by ${pct(g.relative_l2_difference)} (relative L2), sign agreement ${pct(g.sign_agreement)}.`);
  }
  out.push('');
  out.push('advlab WASM in Node / this engine (the JS peers run in the same Node; live: this engine\'s ms / advlab\'s)');
  const others = s.rows.filter((r) => !r.key.startsWith('advlab'));
  out.push(figureTable(s.rows.filter((r) => r.key !== 'advlab_wasm'), (r, fig, f) => times(f.advlab_wasm_speedup)));
  if (others.length) {
    out.push('');
    out.push('advlab WASM in a Chromium worker / this engine');
    out.push(figureTable(s.rows.filter((r) => r.key !== 'advlab_chromium'), (r, fig, f) => times(f.advlab_chromium_speedup)));
  }
  out.push('');
  out.push('fraction of the SIMD128 peak (FLOPs below): native vs the native peak, Node engines vs the Node WASM peak, ' +
    'Chromium vs the Chromium WASM peak; PyTorch (native AVX2+FMA) none');
  out.push(figureTable(s.rows, (r, fig, f) => pct(f.fraction_of_peak)));
  out.push('');
  out.push('single-core SIMD128 peak (bench/peak.c: independent f32x4 acc = acc*m + c chains, no FMA, 8 flop per mul+add):');
  for (const kind of ['native', 'wasm', 'chromium']) {
    const p = doc.advlab[kind]?.peak;
    const name = kind === 'wasm' ? 'Node' : kind;
    if (!p) {
      out.push(`  ${name.padEnd(8)}  not measured${doc.advlab[kind]?.peak_error ? `: ${doc.advlab[kind].peak_error}` : ''}`);
      continue;
    }
    const by = Object.entries(p.by_chains).map(([c, v]) => `${c}:${v.toFixed(1)}`).join(' ');
    out.push(`  ${name.padEnd(8)}  ${p.gflops.toFixed(1)} GFLOP/s with ${p.chains} chains (by chains: ${by})` +
      ` -> training ceiling ${int(s.ceilings_at_peak[`${kind}_train_images_per_sec`])} img/s`);
  }
  out.push('');
  out.push(`FLOPs (analytic, bench/figures.mjs): MACs ${m.layers.map((l) => `${l.layer} ${int(l.macs)}`).join(', ')}` +
    ` = ${int(m.macs_per_image)} per image`);
  out.push(`  forward 2*MACs = ${int(m.forward_flops_per_image)}; training 6*MACs - 2*MACs(${m.layers[0].layer}) = ` +
    `${int(m.train_flops_per_image)}; attack step (forward + input gradient) 4*MACs = ${int(m.fgsm_flops_per_image)}`);
  out.push(`  APGD-100 100 steps + 2 forward = ${int(m.apgd_flops_per_image)}; a Square query 1 forward = ` +
    `${int(m.square_flops_per_query)}`);
  out.push(`  FGSM 1 step; PGD-40 40 steps = ${int(m.pgd_flops_per_image)}; adversarial training = training + 0.5 * FGSM = ` +
    `${int(m.adv_train_flops_per_image)}; live = 2 nets * (predict + FGSM + PGD-10 + predict 2) = ` +
    `${int(m.live_flops_per_update)} per update`);
  out.push('');
  out.push('issue 5\'s targets (one core, advlab WASM in a Chromium module Web Worker, batch 64):');
  const targetValue = (t, v) => (v == null ? '-' : t.maxMs != null ? `${ms(v)} ms` : `${int(v)} img/s`);
  const verdict = (met) => (met == null ? 'not measured' : met ? 'met' : 'MISSED');
  const rows = s.targets.map((t) => [t.label, t.maxMs != null ? `< ${t.maxMs} ms` : `>= ${int(t.min)}`,
    targetValue(t, t.chromium), verdict(t.met), targetValue(t, t.wasm_node)]);
  const mem = doc.advlab.chromium?.memory;
  if (mem) {
    rows.push(['memory of a training worker', `< ${mb(MEMORY_TARGET_BYTES)}`, mb(mem.worker_peak_bytes),
      verdict(s.memory.met), '-']);
  }
  out.push(table(rows, ['figure', 'target', 'Chromium worker', 'verdict', 'in Node']));
  if (mem) {
    const t = mem.training;
    out.push(`  memory: wasm heap ${mb(mem.wasm_heap_bytes)} (HEAP8.buffer.byteLength after training; it never shrinks) + ` +
      `JS heap peak ${mb(mem.js_heap_peak_total_bytes)} (used ${mb(mem.js_heap_peak_used_bytes)}; ` +
      `Runtime.getHeapUsage, ${mem.js_heap_samples} samples) while training ${int(t.images)} MNIST images ` +
      `(${t.batches} batches of the full 60k set, ${int(t.images_per_sec)} img/s with progress events).`);
    out.push(`  The renderer process (page + worker, Blink and V8 included) peaked at ${mb(mem.renderer_peak_rss_bytes)} ` +
      `resident (VmHWM; ${mb(mem.renderer_rss_before_training_bytes)} before the worker started).`);
  }
  const node = doc.advlab.wasm?.memory;
  if (node?.max_rss_bytes) {
    out.push(`  Node (wasm.mjs, all stages): wasm heap ${mb(node.wasm_heap_bytes)}, process peak RSS ${mb(node.max_rss_bytes)}.`);
  }
  const target = s.autoattack.target;
  const seconds = (v) => (v == null ? '-' : `${v.toFixed(1)} s`);
  out.push('');
  out.push('issue 13\'s target (the page\'s "Is this defence real?", on its pool of workers in Chromium):');
  out.push(table([[`AutoAttack, ${int(target.images)} images, ${ROBUST.file}`, `< ${target.maxSeconds} s`,
    seconds(target.chromium_pool_seconds),
    target.met == null ? `not measured (${int(s.autoattack.images)} images in ${doc.mode} mode)` : verdict(target.met),
    seconds(target.wasm_node_seconds)]], ['figure', 'target', 'Chromium pool', 'verdict', 'in Node, 1 thread']));
  out.push('');
  out.push(`certification (issue 17), the tutorial net, IBP at eps ${CERTIFY.eps}; targets in a Chromium ` +
    'worker: the 10,000 test images verified in under 2 s, a card\'s live certificate in under 16 ms:');
  const certifyRows = [['advlab WASM, Chromium worker', doc.advlab.chromium], ['advlab WASM in Node', doc.advlab.wasm]]
    .filter(([, stage]) => stage?.ibp).map(([name, stage]) => [name,
      `${(10000 / stage.ibp.images_per_sec).toFixed(2)} s (${int(stage.ibp.images_per_sec)} img/s)`,
      `${ms(stage.certify_live.median_ms)} ms`, `${ms(stage.crown_live.median_ms)} ms`,
      times(stage.crown_live.median_ms / stage.certify_live.median_ms)]);
  out.push(certifyRows.length
    ? table(certifyRows, ['engine', '10k images verified', 'live eps* (IBP)', 'live eps* (CROWN)', 'CROWN / IBP'])
    : '  not measured');
  const { pool } = doc;
  if (pool?.status === 'ok') {
    out.push('');
    out.push(`both cores: the lab's curves (2 models x FGSM at ${pool.eps.length} eps on ${int(pool.images)} test images, ` +
      'web/engine/pool.js) in Chromium, same counts:');
    out.push(table(pool.runs.map((r) => [r.workers === 1 ? '1 (the lab\'s worker)' : `${r.workers} (a pool)`,
      r.seconds.toFixed(2), int(r.images_per_sec)]), ['workers', 'seconds', 'images/s']));
    out.push(`  speed-up ${times(pool.speedup)} on ${pool.cores} cores`);
  } else if (pool) {
    out.push(`  the pool's curves: ${pool.status}${pool.error ? `: ${pool.error}` : ''}`);
  }
  out.push(...renderTrainPool(doc));
  out.push(...renderExchange(doc));
  const evaluation = s.autoattack;
  out.push('');
  out.push(`AutoAttack (${evaluation.suite}: APGD-CE, APGD-T, FAB-T, Square 5000) at eps ${evaluation.eps} on the first ` +
    `${int(evaluation.images)} test images, ${evaluation.model}, wall time:`);
  out.push(evaluation.runs.length ? table(evaluation.runs.map((r) => [r.engine, r.workers ?? '-',
    r.status === 'ok' ? r.seconds.toFixed(2) : r.status.toUpperCase(), r.images_per_sec ? r.images_per_sec.toFixed(1) : '-',
    pct(r.clean_accuracy), pct(r.robust_accuracy), r.warnings ? r.warnings.join(' ') || 'none' : '-']),
  ['engine', 'workers', 'seconds', 'images/s', 'clean', 'robust', 'warnings']) : '  not measured');
  for (const r of evaluation.runs) if (r.error) out.push(`  ${r.engine}: ${r.status}: ${r.error}`);
  if (evaluation.same_report != null) {
    out.push(`  the same report (accuracies, images broken, gradient calls, warnings) in every engine: ` +
      `${evaluation.same_report ? 'yes' : 'NO'}`);
  }
  out.push('');
  out.push('the issue\'s peer figures, measured earlier on this machine (not re-measured; this run\'s are above):');
  out.push(table(
    REFERENCE.map((r) => [r.engine, r.train === null ? r.note : int(r.train), int(r.infer),
      int(r.fgsm)]),
    ['engine', 'train img/s', 'infer img/s', 'FGSM img/s']));
  return out.join('\n');
}

// A 2-worker run's batch as replica 0 spent it: own + wait + step, in ms.
function batchParts(r) {
  const parts = [r?.own_ms_per_batch, r?.wait_ms_per_batch, r?.step_ms_per_batch];
  if (parts.some((v) => v == null)) return '-';
  return parts.map((v) => v.toFixed(v < 10 ? 2 : 1)).join(' + ');
}

// Issue 20's table: training images/s by arch and trainer on each engine and pool size, the
// scaling and the fraction of the Chromium worker's SIMD128 peak per core.
function renderTrainPool(doc) {
  const stage = doc.train_pool;
  if (!stage) return [];
  if (stage.status !== 'ok') return ['', `training on every core: ${stage.status}: ${stage.error}`];
  const peak = doc.advlab.chromium?.peak?.gflops;
  const rate = (r) => (r?.status === 'ok' ? int(r.images_per_sec) : r ? r.status.toUpperCase() : '-');
  const ofPeak = (row, r) => (peak && r?.status === 'ok' && r.images_per_sec
    ? pct((r.images_per_sec * row.flops_per_image) / (r.workers * peak * 1e9)) : '-');
  const workers = Math.max(...stage.rows.map((row) => row.chromium.length));
  const sizes = Array.from({ length: workers }, (_, i) => [1, 2, 4][i]);
  const out = ['', `training on every core (issue 20; ${stage.shards} shards, eps ${stage.eps}, ` +
    `${stage.cores} cores), images/s; Chromium: the page's runs, no COOP/COEP, the same bits on ` +
    'every pool size, timed in the trainer; % of the Chromium worker\'s peak per core in use; ' +
    'scaling 2w: the 2-worker rate over twice the 1-worker rate, the median of the turns\' ratios; ' +
    'scaling pair: the same for two lone 1-worker runs at once in two pages, what the machine ' +
    'gives two workers that never wait for each other; scaling native: the CLI\'s 2 threads over ' +
    'twice its 1, in the same turns, what synchronous training without messages gets; ' +
    '2w ms/batch: replica 0\'s time per batch ' +
    'making its shards, waiting for the other\'s parts, and summing and stepping; ' +
    'page 2w: the 2-worker run over its wall time, the page\'s test checks included:'];
  out.push(table(stage.rows.map((row) => [row.arch,
    row.batch > 64 ? `${row.trainer}, batch ${row.batch}` : row.trainer,
    ...sizes.map((_, i) => rate(row.chromium[i])), ofPeak(row, row.chromium[0]),
    ofPeak(row, row.chromium[1]), pct(row.chromium_scaling?.median),
    pct(row.chromium_pair_scaling?.median), pct(row.native_scaling?.median),
    batchParts(row.chromium[1]), int(row.chromium[1]?.page_images_per_sec),
    rate(row.node), rate(row.native[0]), rate(row.native[1]), rate(row.torch[0]),
    rate(row.torch[1]),
    times(row.chromium[1]?.images_per_sec && row.torch[1]?.images_per_sec
      ? row.chromium[1].images_per_sec / row.torch[1].images_per_sec : null)]),
  ['arch', 'trainer', ...sizes.map((n) => `Chromium ${n}w`), '%peak 1w', '%peak 2w',
    'scaling 2w', 'scaling pair', 'scaling native', '2w ms/batch: own+wait+step', 'page 2w', 'Node 1t', 'native 1t', 'native 2t', 'PyTorch 1t',
    'PyTorch 2t',
    'Chromium 2w / PyTorch 2t']));
  const preset = stage.preset;
  const whole = preset?.status === 'ok' && preset.whole;
  if (whole) {
    out.push(`  the whole robust preset in the page (${preset.workers} workers): ` +
      `${preset.minutes.toFixed(1)} minutes, ${int(preset.images_per_sec)} images/s over ` +
      `${int(preset.images)} images; its weights are ${preset.same_bits_as_shipped ? '' : 'NOT '}` +
      'the bits of the shipped robust.safetensors');
  } else {
    out.push(preset?.status === 'ok'
      ? `  the robust preset in the page (${preset.workers} workers): ${int(preset.page_images_per_sec)} ` +
        `images/s over ${int(preset.images)} images, so its 10 epochs take about ` +
        `${preset.estimated_minutes.toFixed(1)} minutes; in the trainer ` +
        `${int(preset.images_per_sec)} images/s, ${int(preset.one_worker_images_per_sec)} on one ` +
        `worker (scaling ${times(preset.scaling)})`
      : `  the robust preset: ${preset?.status ?? 'not run'}${preset?.error ? `: ${preset.error}` : ''}`);
  }
  const audit = stage.preset_autoattack;
  const trained = whole ? 'the model it trained' :
    `its model (${audit?.model}, which make-weights.sh trains with the preset)`;
  out.push(audit?.status === 'ok'
    ? `  ${trained} under AutoAttack ` +
      `at eps ${audit.report.settings.eps.toFixed(1)} in the page, first ${int(audit.images)} test ` +
      `images: ${pct(audit.report.robust_accuracy)} robust, ${pct(audit.report.clean_accuracy)} ` +
      `clean (${audit.seconds.toFixed(1)} s on ${audit.workers} workers)`
    : `  the preset's model under AutoAttack: ${audit?.status ?? 'not run'}` +
      `${audit?.error ? `: ${audit.error}` : ''}`);
  return out;
}

// The exchange stage's round trips, then the share of a 2-worker batch that the pool's one
// message per batch (half a round trip of its arch's part, transferred, in a page like the lab's)
// takes, and that Atomics would take (in an isolated page), by the training rows of the same run.
function renderExchange(doc) {
  const stage = doc.exchange;
  if (!stage) return [];
  if (stage.status !== 'ok') return ['', `the exchange: ${stage.status}: ${stage.error}`];
  const us = (v) => (v == null ? '-' : v.toFixed(0));
  const key = (r) => `${r.between}|${r.how}|${r.payload}`;
  const isolated = new Map(stage.isolated.map((r) => [key(r), r.round_trip_us]));
  const out = ['', 'the exchange: mean round trip in microseconds between two idle module workers ' +
    '(or the page and one), over a port the page made, as the training pool sends its parts; ' +
    'a part is the net\'s parameter count in floats:'];
  const rows = [...stage.not_isolated, ...stage.isolated.filter((r) => r.how === 'atomics')];
  out.push(table(rows.map((r) => [r.between, r.how, r.payload, int(r.floats * 4),
    r.how === 'atomics' ? '-' : us(r.round_trip_us), us(isolated.get(key(r)))]),
  ['between', 'how', 'payload', 'bytes', 'not isolated us', 'isolated us']));
  // Half a round trip between the workers: the lab's page (not isolated) for messages.
  const hop = (rows, payload, how) => (rows.find((r) => r.between === 'workers' &&
    r.how === how && r.payload === payload)?.round_trip_us ?? NaN) / 2;
  const shares = (doc.train_pool?.rows ?? []).filter((row) => row.batch === 64)
    .flatMap((row) => {
      const rate = row.chromium[1]?.images_per_sec;
      if (!rate) return [];
      const batchUs = (64 / rate) * 1e6;
      return [`${row.arch} ${row.trainer} ${(batchUs / 1000).toFixed(1)} ms: ` +
        `${pct(hop(stage.not_isolated, `${row.arch} part`, 'transfer') / batchUs)} / ` +
        `${pct(hop(stage.isolated, 'none', 'atomics') / batchUs)}`];
    });
  if (shares.length) {
    out.push('  one message a batch, as a share of a 2-worker batch (messages / Atomics): ' +
      `${shares.join('; ')}`);
  }
  return out;
}

// ---------------------------------------------------------------- main

// --smoke: every advlab stage that could run must have produced every figure.
function smokeFailures(doc) {
  const problems = [];
  for (const [name, stage] of Object.entries(doc.advlab)) {
    if (stage.status !== 'ok') problems.push(`${name}: ${stage.status}${stage.error ? `: ${stage.error}` : ''}`);
    else {
      const scalar = name === 'wasm_scalar'; // measures SCALAR_FIGURES and no peak
      for (const fig of FIGURES) {
        if ((!scalar || SCALAR_FIGURES.includes(fig.key)) && valueOf(stage, fig) == null) {
          problems.push(`${name}: no ${fig.key} figure`);
        }
      }
      if (!scalar && !stage.peak) problems.push(`${name}: no peak${stage.peak_error ? `: ${stage.peak_error}` : ''}`);
      if (!scalar && stage.evaluate?.status !== 'ok') {
        problems.push(`${name}: no AutoAttack figure${stage.evaluate?.error ? `: ${stage.evaluate.error}` : ''}`);
      }
    }
  }
  if (doc.pool && doc.pool.status !== 'ok') problems.push(`pool: ${doc.pool.status}: ${doc.pool.error}`);
  if (doc.pool?.autoattack && doc.pool.autoattack.status !== 'ok') {
    problems.push(`pool: AutoAttack: ${doc.pool.autoattack.status}: ${doc.pool.autoattack.error}`);
  }
  if (doc.exchange && doc.exchange.status !== 'ok') {
    problems.push(`exchange: ${doc.exchange.status}: ${doc.exchange.error}`);
  }
  if (doc.train_pool && doc.train_pool.status !== 'ok') {
    problems.push(`train_pool: ${doc.train_pool.status}: ${doc.train_pool.error}`);
  }
  if (doc.train_pool?.preset && doc.train_pool.preset.status !== 'ok') {
    problems.push(`train_pool: the robust preset: ${doc.train_pool.preset.error}`);
  }
  const presetAudit = doc.train_pool?.preset_autoattack;
  if (presetAudit && presetAudit.status !== 'ok') {
    problems.push(`train_pool: the preset's model under AutoAttack: ${presetAudit.error}`);
  }
  for (const row of doc.train_pool?.rows ?? []) {
    for (const r of [...row.chromium, row.chromium_pair, ...row.native]) {
      if (r.status !== 'ok') problems.push(`train_pool: ${row.arch} ${row.trainer}: ${r.error}`);
    }
    row.chromium.forEach((r, i) => {
      if (r.status === 'ok' && r.workers !== i + 1) {
        problems.push(`train_pool: ${row.arch} ${row.trainer}: ${i + 1} workers asked, ${r.workers} trained`);
      }
    });
  }
  if (doc.summary.autoattack.same_report === false) problems.push('AutoAttack\'s reports differ between engines');
  return problems;
}

async function main() {
  const t0 = performance.now();
  const cpus = os.cpus();
  const model = { ...flopModel(TUTORIAL.arch), batch: TUTORIAL.batch, optimizer: 'adam', lr: TUTORIAL.lr,
    infer_batch: TUTORIAL.inferBatch, loss: 'categorical cross-entropy', attacks: ATTACKS };
  const doc = {
    schema: 'advlab-bench/2',
    date: new Date().toISOString(),
    mode: opts.mode,
    machine: { cpu: cpus[0]?.model ?? 'unknown', logical_cores: cpus.length, platform: `${os.platform()} ${os.arch()}`,
      node: process.versions.node, v8: process.versions.v8, loadavg_at_start: os.loadavg() },
    model,
    advlab: {},
    peers: {},
  };
  doc.advlab.native = await nativeStage();
  doc.advlab.wasm = await wasmStage();
  doc.advlab.wasm_scalar = await wasmScalarStage();
  if (opts.chromium) {
    doc.advlab.chromium = await chromiumStage();
    if (doc.advlab.chromium.status === 'ok') {
      doc.pool = await poolStage();
      doc.train_pool = await trainPoolStage();
      doc.exchange = await exchangeStage();
    }
  }
  if (opts.peers) {
    for (const peer of PEERS) doc.peers[peer.key] = await peerStage(peer);
  }
  doc.machine.loadavg_at_end = os.loadavg();
  doc.summary = summarise(doc);
  doc.reference = { figures: REFERENCE, targets: TARGETS,
    memory_target_bytes: MEMORY_TARGET_BYTES, autoattack_target: AUTOATTACK_TARGET };
  doc.wall_seconds = (performance.now() - t0) / 1000;

  const json = JSON.stringify(doc, null, 2);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${json}\n`);
  if (!opts.json) {
    console.log(render(doc));
    console.log(`\n(${doc.wall_seconds.toFixed(0)} s; JSON also in ${opts.out})\n`);
  }
  console.log(json);
  if (opts.mode === 'smoke') {
    const problems = smokeFailures(doc);
    for (const p of problems) console.error(`bench --smoke: ${p}`);
    if (problems.length) process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  process.exitCode = 1;
});
