#!/usr/bin/env node
// advlab's benchmark, in one run: advlab native and WASM-in-Node (training and
// inference images/s of the tutorial CNN on MNIST, and the single-core
// SIMD128 peak), then the peers (TF.js cpu and wasm backends, ConvNetJS,
// PyTorch) as ratios. Prints a table, then the JSON document, which also goes
// to bench/out/results.json. See bench/README.md.
//
//   node bench/run.mjs [--quick] [--json] [--no-peers] [--native PATH] [--out FILE]
//   ADVLAB_PYTHON=PATH picks the python3 that has torch (default /usr/bin/python3).
//
// Each engine runs in its own child process, one after the other, so none
// disturbs another's JIT or caches. This is a benchmark, never a test: it
// reports what it measured and fails nothing for being slow.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';

import { benchDir, errorText, flopModel, median, mnistDir, repoRoot, RESULT_MARK, TUTORIAL } from './lib.mjs';

// Figures quoted in the issue, measured earlier on this machine (not re-measured here).
const REFERENCE = {
  tfjs_chromium_worker_train: { images_per_sec: 100, note: 'TF.js in a Chromium worker, ~100 img/s' },
  convnetjs_train: { images_per_sec: 330, note: 'ConvNetJS, 330 img/s' },
  pytorch_1thread_train: { images_per_sec: 4250, note: 'PyTorch, 1 thread, 4,250 img/s' },
  target_wasm_train: { images_per_sec: 4000, note: 'target: advlab WASM training >= 4,000 img/s' },
  single_core_ceiling_train: { images_per_sec: 55000, note: 'single-core ceiling, ~55,000 img/s' },
};

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

function parseArgs(argv) {
  const o = {
    quick: false, json: false, peers: true,
    native: join(repoRoot, 'build', 'native', 'advlab_bench'),
    out: join(benchDir, 'out', 'results.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--no-peers') o.peers = false;
    else if (a === '--native' && i + 1 < argv.length) o.native = argv[++i];
    else if (a === '--out' && i + 1 < argv.length) o.out = argv[++i];
    else {
      console.error('usage: node bench/run.mjs [--quick] [--json] [--no-peers] [--native PATH] [--out FILE]');
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
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

const timeoutMs = (opts.quick ? 180 : 900) * 1000;

async function nativeStage() {
  if (!existsSync(opts.native)) {
    const msg = `advlab native not built: ${opts.native} is missing (cmake -S . -B build/native && cmake --build build/native -j2)`;
    note(msg);
    return { status: 'not built', error: msg };
  }
  note('running advlab native ...');
  const r = await run(opts.native, ['--data', mnistDir, ...(opts.quick ? ['--quick'] : [])], timeoutMs);
  try {
    if (r.code !== 0) throw new Error(failure(r));
    return { status: 'ok', ...JSON.parse(r.stdout), wall_seconds: r.seconds };
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  }
}

// A node stage: a script of bench/ that ends with one RESULT_MARK line.
async function nodeStage(script, args) {
  const r = await run(process.execPath, [join(benchDir, script), ...args, ...(opts.quick ? ['--quick'] : [])],
    timeoutMs);
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

// PyTorch: one process of `torch_tutorial.py --max-batches K --json` per
// repeat. Each leaves its first 20 batches out of its rate as warm-up.
async function torchStage(peer) {
  const probe = await run(PYTHON, ['-c', 'import torch; print(torch.__version__)'], 60 * 1000);
  if (probe.code !== 0) {
    const msg = `peer PyTorch not installed: ${PYTHON} cannot import torch (apt-get install python3-torch)`;
    note(msg);
    return { status: 'not installed', package: 'python3-torch', error: msg };
  }
  const version = probe.stdout.trim();
  const plan = opts.quick ? { batches: 100, repeats: 3 } : { batches: 300, repeats: 5 };
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
  return { status: 'ok', ...out, engine: last.settings.engine, threads: last.settings.threads,
    train: { status: 'ok', images_per_sec: median(rates), repeats: rates, batch: TUTORIAL.batch,
      warmup_batches: last.warmup_batches, timed_batches: runs.reduce((s, r) => s + r.timed_batches, 0),
      optimizer: 'adam (torch.optim.Adam)', lr: TUTORIAL.lr, mean_loss: last.epochs[0].loss,
      mean_accuracy: last.epochs[0].accuracy },
    wall_seconds: (performance.now() - t0) / 1000 };
}

// ------------------------------------------------------------- summary

const rate = (stage, what) => stage?.[what]?.images_per_sec ?? null;

function summarise(doc) {
  const model = doc.model;
  const { native, wasm } = doc.advlab;
  const peaks = { native: native.peak?.gflops ?? null, wasm: wasm.peak?.gflops ?? null };
  const wasmTrain = rate(wasm, 'train');
  const wasmInfer = rate(wasm, 'infer');
  const nativeTrain = rate(native, 'train');
  const nativeInfer = rate(native, 'infer');
  const rows = [];
  const add = (key, engine, stage, peakKind) => {
    const train = rate(stage, 'train');
    const infer = rate(stage, 'infer');
    const peak = peaks[peakKind];
    const trainFlops = train != null ? train * model.train_flops_per_image : null;
    const inferFlops = infer != null ? infer * model.forward_flops_per_image : null;
    rows.push({
      key, engine, status: stage.status,
      train_images_per_sec: train, infer_images_per_sec: infer,
      train_error: stage.train?.status === 'failed' ? stage.train.error : null,
      infer_error: stage.infer?.status === 'failed' ? stage.infer.error : null,
      error: stage.status === 'ok' ? null : stage.error ?? null,
      train_gflops: trainFlops != null ? trainFlops / 1e9 : null,
      infer_gflops: inferFlops != null ? inferFlops / 1e9 : null,
      peak_used: peak != null ? `${peakKind} SIMD128 peak` : null,
      train_fraction_of_peak: trainFlops != null && peak ? trainFlops / (peak * 1e9) : null,
      infer_fraction_of_peak: inferFlops != null && peak ? inferFlops / (peak * 1e9) : null,
      advlab_wasm_speedup_train: train && wasmTrain ? wasmTrain / train : null,
      advlab_wasm_speedup_infer: infer && wasmInfer ? wasmInfer / infer : null,
      advlab_native_speedup_train: train && nativeTrain ? nativeTrain / train : null,
      advlab_native_speedup_infer: infer && nativeInfer ? nativeInfer / infer : null,
    });
  };
  add('advlab_native', 'advlab native (gcc, SIMDe -> SSE4.1)', native, 'native');
  add('advlab_wasm', 'advlab WASM simd128 in Node', wasm, 'wasm');
  for (const peer of PEERS) {
    const p = doc.peers[peer.key];
    if (!p) continue;
    // The JS peers run in the same V8 on the same core as advlab's WASM, so they
    // are held against the WASM SIMD128 peak. PyTorch runs native AVX2 code,
    // which neither SIMD128 peak bounds, so it gets no %peak.
    const minor = p.version?.split('.').slice(0, 2).join('.');
    if (peer.python) add(peer.key, minor ? `PyTorch ${minor} CPU, 1 thread` : peer.label, p, null);
    else add(peer.key, `${peer.label}${p.version ? ` ${p.version}` : ''}`, p, 'wasm');
  }
  const ceilings = {
    native_train_images_per_sec: peaks.native ? peaks.native * 1e9 / model.train_flops_per_image : null,
    wasm_train_images_per_sec: peaks.wasm ? peaks.wasm * 1e9 / model.train_flops_per_image : null,
  };
  return { rows, peaks_gflops: peaks, ceilings_at_peak: ceilings,
    target_wasm_train_met: wasmTrain != null ? wasmTrain >= REFERENCE.target_wasm_train.images_per_sec : null };
}

// --------------------------------------------------------------- table

const int = (v) => (v == null ? '-' : Math.round(v).toLocaleString('en-US'));
const fix = (v, d) => (v == null ? '-' : v.toFixed(d));
const pct = (v) => (v == null ? '-' : `${(100 * v).toFixed(1)}%`);
const times = (v) => (v == null ? '-' : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
    .join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function render(doc) {
  const s = doc.summary;
  const m = doc.model;
  const out = [];
  out.push(`advlab bench (${doc.mode}) ${doc.date}`);
  out.push(`model: "tutorial" ${m.arch} on MNIST, batch ${m.batch}, Adam lr ${m.lr}, one thread; inference batch ${m.infer_batch}`);
  const load = (l) => l.map((v) => v.toFixed(2)).join(' ');
  out.push(`machine: ${doc.machine.cpu}, ${doc.machine.logical_cores} logical cores, Node ${doc.machine.node}; ` +
    `load average ${load(doc.machine.loadavg_at_start)} at start, ${load(doc.machine.loadavg_at_end)} at end`);
  out.push('');
  out.push(table(s.rows.map((r) => [
    r.engine,
    r.train_images_per_sec != null ? int(r.train_images_per_sec) : r.status === 'ok' && r.train_error ? 'FAILED' : r.status === 'ok' ? '-' : r.status.toUpperCase(),
    times(r.advlab_wasm_speedup_train),
    r.infer_error ? 'FAILED' : int(r.infer_images_per_sec), times(r.advlab_wasm_speedup_infer),
    fix(r.train_gflops, 2), pct(r.train_fraction_of_peak), pct(r.infer_fraction_of_peak),
  ]), ['engine', 'train img/s', 'wasm/this', 'infer img/s', 'wasm/this', 'train GFLOP/s', 'train %peak', 'infer %peak']));
  out.push('wasm/this = advlab WASM images/s divided by this engine\'s. %peak: advlab native vs the native peak, everything in Node vs the WASM peak, PyTorch (native AVX2) none.');
  const notes = s.rows.filter((r) => r.error || r.train_error || r.infer_error);
  for (const r of notes) {
    if (r.error) out.push(`  ${r.engine}: ${r.status}: ${r.error}`);
    if (r.train_error) out.push(`  ${r.engine}: training failed: ${r.train_error}`);
    if (r.infer_error) out.push(`  ${r.engine}: inference failed: ${r.infer_error}`);
  }
  const cj = doc.peers.convnetjs;
  if (cj?.optimizer) out.push(`  ConvNetJS optimizer: ${cj.optimizer}; it trains image by image in Float64Array.`);
  out.push('');
  out.push('single-core SIMD128 peak (bench/peak.c: independent f32x4 acc = acc*m + c chains, no FMA, 8 flop per mul+add):');
  for (const kind of ['native', 'wasm']) {
    const p = doc.advlab[kind]?.peak;
    if (!p) {
      out.push(`  ${kind.padEnd(6)}  not measured${doc.advlab[kind]?.peak_error ? `: ${doc.advlab[kind].peak_error}` : ''}`);
      continue;
    }
    const by = Object.entries(p.by_chains).map(([c, g]) => `${c}:${g.toFixed(1)}`).join(' ');
    out.push(`  ${kind.padEnd(6)}  ${p.gflops.toFixed(1)} GFLOP/s with ${p.chains} chains (by chains: ${by})` +
      ` -> training ceiling ${int(s.ceilings_at_peak[`${kind}_train_images_per_sec`])} img/s`);
  }
  out.push('');
  out.push(`FLOPs per image (analytic, bench/lib.mjs): MACs ${m.layers.map((l) => `${l.layer} ${int(l.macs)}`).join(', ')}` +
    ` = ${int(m.macs_per_image)}`);
  out.push(`  forward 2*MACs = ${int(m.forward_flops_per_image)}; training 6*MACs - 2*MACs(${m.layers[0].layer}) = ` +
    `${int(m.train_flops_per_image)} (the issue quotes ~716 kFLOP)`);
  out.push('');
  const w = s.rows.find((r) => r.key === 'advlab_wasm');
  const c = s.rows.find((r) => r.key === 'convnetjs');
  const t = s.rows.find((r) => r.key === 'tfjs_cpu');
  const pt = s.rows.find((r) => r.key === 'pytorch');
  out.push('reference, the issue\'s figures measured earlier on this machine (not re-measured):');
  out.push(table([
    ['TF.js in a Chromium worker', '~100', `TF.js cpu in Node here: ${int(t?.train_images_per_sec)}`],
    ['ConvNetJS', '330', `here: ${int(c?.train_images_per_sec)}`],
    ['PyTorch, 1 thread', '4,250', `PyTorch here: ${int(pt?.train_images_per_sec)}; advlab WASM here: ` +
      `${int(w?.train_images_per_sec)} (${times(w?.train_images_per_sec / 4250)} the issue's figure)`],
    ['target: WASM training', '>= 4,000', s.target_wasm_train_met == null ? 'not measured' : s.target_wasm_train_met ? 'met' : 'NOT met'],
    ['single-core ceiling', '~55,000', `WASM peak / training FLOPs here: ${int(s.ceilings_at_peak.wasm_train_images_per_sec)}`],
  ], ['training img/s', 'issue', 'this run']));
  return out.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const t0 = performance.now();
  const cpus = os.cpus();
  const model = { ...flopModel(TUTORIAL.arch), batch: TUTORIAL.batch, optimizer: 'adam', lr: TUTORIAL.lr,
    infer_batch: TUTORIAL.inferBatch, loss: 'categorical cross-entropy' };
  const doc = {
    schema: 'advlab-bench/1',
    date: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    machine: { cpu: cpus[0]?.model ?? 'unknown', logical_cores: cpus.length, platform: `${os.platform()} ${os.arch()}`,
      node: process.versions.node, v8: process.versions.v8, loadavg_at_start: os.loadavg() },
    model,
    advlab: {},
    peers: {},
  };
  doc.advlab.native = await nativeStage();
  doc.advlab.wasm = await wasmStage();
  if (opts.peers) {
    for (const peer of PEERS) doc.peers[peer.key] = await peerStage(peer);
  }
  doc.machine.loadavg_at_end = os.loadavg();
  doc.summary = summarise(doc);
  doc.reference = REFERENCE;
  doc.wall_seconds = (performance.now() - t0) / 1000;

  const json = JSON.stringify(doc, null, 2);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${json}\n`);
  if (!opts.json) {
    console.log(render(doc));
    console.log(`\n(${doc.wall_seconds.toFixed(0)} s; JSON also in ${opts.out})\n`);
  }
  console.log(json);
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e}`);
  process.exitCode = 1;
});
