// The kernel bench (bench/kernels.h): every training kernel of the tutorial's and Madry's layers
// alone, natively (build/native/advlab_kernels) and as WebAssembly in Node
// (bench/gen/advlab_kernels.{mjs,wasm}), one after the other, each against the SIMD128 peak of
// its own run. Prints a table, then the JSON of both. It is the profile under the training rates
// of train_pool.mjs, not a stage of run.mjs, and never a test: its figures fail nothing.
//   node bench/kernels.mjs [--images N (8: one shard of a batch of 64)] [--rounds R (8)]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { benchDir, errorText, repoRoot } from './lib.mjs';

const NATIVE = join(repoRoot, 'build', 'native', 'advlab_kernels');
const WASM_DIR = join(benchDir, 'gen');
const OUT_BYTES = 1 << 16;

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

function native(images, rounds) {
  if (!existsSync(NATIVE)) throw new Error(`${NATIVE} is missing: cmake --build build/native`);
  return JSON.parse(execFileSync(NATIVE, [String(images), String(rounds)], { encoding: 'utf8' }));
}

async function wasm(images, rounds) {
  const mjs = join(WASM_DIR, 'advlab_kernels.mjs');
  const bytes = join(WASM_DIR, 'advlab_kernels.wasm');
  if (!existsSync(mjs) || !existsSync(bytes)) {
    throw new Error(`${bytes} is missing: emcmake cmake -S . -B build/wasm && cmake --build build/wasm`);
  }
  const { default: createKernels } = await import(pathToFileURL(mjs).href);
  const m = await createKernels({ wasmBinary: readFileSync(bytes) });
  const out = m._malloc(OUT_BYTES);
  try {
    const len = m._kernels_json(images, rounds, out, OUT_BYTES);
    if (len < 0) throw new Error(`kernels_json(${images}, ${rounds}) failed`);
    return JSON.parse(m.UTF8ToString(out, len));
  } finally {
    m._free(out);
  }
}

async function attempt(fn) {
  try {
    return { status: 'ok', ...(await fn()) };
  } catch (error) {
    return { status: 'failed', error: errorText(error) };
  }
}

function table(engines) {
  const pct = (f) => (f == null ? '-' : `${(100 * f).toFixed(1)}%`);
  const names = Object.keys(engines);
  const lines = [`${'kernel'.padEnd(50)}${names.map((n) => `${n} GFLOP/s  %peak`.padStart(24)).join('')}`];
  const rows = Object.values(engines).find((e) => e.status === 'ok')?.kernels ?? [];
  rows.forEach((k, i) => {
    const label = `${k.arch} ${k.layer} ${k.pass}${k.dy === 'pooled' ? ', pooled dy' : ''}`;
    lines.push(label.padEnd(50) + names.map((n) => {
      const r = engines[n].kernels?.[i];
      return (r ? `${r.gflops.toFixed(2).padStart(9)} ${pct(r.fraction_of_peak).padStart(7)}` : '-').padStart(24);
    }).join(''));
  });
  const crossover = Object.values(engines).find((e) => e.status === 'ok')?.crossover ?? [];
  if (crossover.length) {
    lines.push('', `the sparse path's time over the dense tiles' at dy's share of non-zeros ${crossover[0].nonzero.join(', ')}`);
    crossover.forEach((c, i) => {
      lines.push(`${c.arch} ${c.layer} ${c.pass}`.padEnd(50) + names.map((n) => {
        const r = engines[n].crossover?.[i];
        return (r ? r.sparse_over_dense.map((x) => x.toFixed(2)).join(' ') : '-').padStart(30);
      }).join(''));
    });
  }
  for (const n of names) {
    const e = engines[n];
    lines.push(e.status === 'ok' ? `${n}: peak ${e.peak_gflops.toFixed(2)} GFLOP/s, ${e.images} images a call, best of ${e.rounds} rounds`
      : `${n}: failed: ${e.error}`);
  }
  return lines.join('\n');
}

const images = option('--images', 8);
const rounds = option('--rounds', 8);
const engines = { native: await attempt(() => native(images, rounds)),
  wasm: await attempt(() => wasm(images, rounds)) };
console.log(table(engines));
console.log(JSON.stringify({ date: new Date().toISOString(), images, rounds, engines }, null, 2));
// .ci/test runs it once (--rounds 1) to check that both builds run; a failed engine fails that.
if (Object.values(engines).some((e) => e.status !== 'ok')) process.exitCode = 1;
