// WASM and native train to bit-identical weights.
//
// The native CLI (ADVLAB_NATIVE, default build/native/advlab) trains the
// tutorial net on the first 2048 MNIST images; the wasm module does the same
// through advlab.js. Loading the native file into a wasm net must give exactly
// the parameters wasm trained, bit for bit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const SEED = 7;

test('wasm training matches native training bit for bit', async () => {
  assert.ok(existsSync(native),
    `native CLI not found at ${native}: build it with ` +
    "'cmake -B build/native -S . && cmake --build build/native' or set ADVLAB_NATIVE");

  const dir = mkdtempSync(join(tmpdir(), 'advlab-parity-'));
  try {
    const out = join(dir, 'native.safetensors');
    execFileSync(native, [
      'train', '--arch', 'tutorial', '--epochs', '1', '--batch', '64', '--lr', '0.01',
      '--seed', String(SEED), '--limit', '2048', '--data', mnistDir, '--out', out,
    ], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    const nativeBytes = readFileSync(out);

    const lab = await createLab();
    const train = loadMnist(lab, 'train');
    const wasmNet = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: SEED });
    const nativeNet = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: SEED });
    try {
      const untrained = wasmNet.params().slice();
      await wasmNet.train(train, { epochs: 1, batch: 64, lr: 0.01, seed: SEED, limit: 2048 });
      nativeNet.loadWeights(nativeBytes, 'native.safetensors');

      const wasmTensors = wasmNet.tensors();
      const nativeTensors = nativeNet.tensors();
      assert.deepEqual(nativeTensors.map((t) => [t.name, t.shape]),
        wasmTensors.map((t) => [t.name, t.shape]));

      let differing = 0;
      let first = null;
      for (let i = 0; i < wasmTensors.length; i++) {
        const w = new Uint32Array(wasmTensors[i].data.buffer, wasmTensors[i].data.byteOffset,
          wasmTensors[i].data.length);
        const n = new Uint32Array(nativeTensors[i].data.buffer, nativeTensors[i].data.byteOffset,
          nativeTensors[i].data.length);
        for (let j = 0; j < w.length; j++) {
          if (w[j] === n[j]) continue;
          differing++;
          first ??= `${wasmTensors[i].name}[${j}]: wasm ${wasmTensors[i].data[j]} ` +
            `(0x${w[j].toString(16)}), native ${nativeTensors[i].data[j]} (0x${n[j].toString(16)})`;
        }
      }
      assert.equal(differing, 0,
        `${differing} of ${wasmNet.paramCount} parameters differ; first: ${first}`);

      // Guard against passing trivially: training moved the weights.
      const moved = wasmNet.params().some((v, i) => v !== untrained[i]);
      assert.ok(moved, 'training left the parameters unchanged');
    } finally {
      wasmNet.free();
      nativeNet.free();
      train.free();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
