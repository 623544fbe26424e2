// The scalar fallback module (web/gen/advlab_core_scalar.wasm, built without -msimd128 for
// browsers that lack WebAssembly SIMD) computes what the SIMD module and the native CLI compute,
// bit for bit: a few batches of training, FGSM, PGD and the probabilities of a prediction.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createLab, wasmUrl, wasmVariant } from '../../web/advlab.js';
import { bitDiff, images, loadMnist, mnistDir, repoRoot } from './helpers.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const SEED = 11;
const LIMIT = 512; // 8 batches of 64
const N = 64; // test images attacked and predicted
const TRAIN = ['--arch', 'tutorial', '--epochs', '1', '--batch', '64', '--lr', '0.01',
  '--seed', String(SEED), '--limit', String(LIMIT)];
const ATTACKS = [
  [{ name: 'fgsm', eps: 0.2 }, ['--attack', 'fgsm', '--eps', '0.2']],
  [{ name: 'pgd', eps: 0.3, eps_step: 0.05, max_iter: 10, num_random_init: 1, seed: 5 },
    ['--attack', 'pgd', '--eps', '0.3', '--eps-step', '0.05', '--max-iter', '10',
      '--num-random-init', '1', '--seed', '5']],
];

const raw = (bytes) => new Float32Array(bytes.buffer.slice(bytes.byteOffset,
  bytes.byteOffset + bytes.byteLength));

/** The images of a float32 IDX file (magic 0x00000D03, big-endian) as a Float32Array. */
function readFloatIdx(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(0), 0x00000d03, 'float32 IDX of rank 3');
  const out = new Float32Array((bytes.length - 16) / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(16 + 4 * i);
  return out;
}

function assertSameBits(what, got, want) {
  assert.equal(got.length, want.length, `${what}: length`);
  const d = bitDiff(got, want);
  assert.equal(d.count, 0,
    `${what}: ${d.count} of ${got.length} differ, first at ${d.first}: ${got[d.first]} vs ` +
    `${want[d.first]}`);
}

// The native CLI's results, computed once: trained weights, adversarial images, probabilities.
const nativeOut = {};
let dir;
before(() => {
  assert.ok(existsSync(native), `native CLI not found at ${native}: build it or set ADVLAB_NATIVE`);
  dir = mkdtempSync(join(tmpdir(), 'advlab-fallback-'));
  const run = (args) => execFileSync(native, [...args, '--data', mnistDir],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  const model = join(dir, 'model.safetensors');
  run(['train', ...TRAIN, '--out', model]);
  nativeOut.weights = readFileSync(model);
  for (const [config, flags] of ATTACKS) {
    const out = join(dir, `${config.name}.idx`);
    run(['attack', '--model', model, '--limit', String(N), ...flags, '--out', out]);
    nativeOut[config.name] = readFloatIdx(readFileSync(out));
  }
  const probs = join(dir, 'probs.f32');
  run(['predict', '--model', model, '--limit', String(N), '--inputs-out', join(dir, 'x.f32'),
    '--probs-out', probs]);
  nativeOut.probs = raw(readFileSync(probs));
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

test('the scalar module holds no SIMD instruction, the SIMD module does (binaryen validator)',
  (t) => {
    // wasm-opt (Debian binaryen) validates a module with SIMD switched off: it rejects any v128
    // type or instruction. Node 20 cannot switch SIMD off, so the check is on the binary.
    const check = (file) => spawnSync('wasm-opt', ['--all-features', '--disable-simd',
      fileURLToPath(file), '-o', '/dev/null'], { encoding: 'utf8' });
    const scalar = check(wasmUrl('scalar'));
    if (scalar.error?.code === 'ENOENT') {
      t.skip('wasm-opt not installed (apt-get install binaryen)');
      return;
    }
    assert.equal(scalar.status, 0, `scalar module: ${scalar.stderr.slice(0, 400)}`);
    const simd = check(wasmUrl('simd'));
    assert.notEqual(simd.status, 0, 'the SIMD module validates with SIMD off: is it built without ' +
      '-msimd128?');
    assert.match(simd.stderr, /SIMD is disabled/);
  });

test('createLab picks SIMD where the engine has it, and a forced variant runs that build',
  async () => {
    assert.equal(wasmVariant(), 'simd', 'Node 20 supports WebAssembly SIMD');
    assert.equal((await createLab()).variant, 'simd');
    assert.equal((await createLab({ variant: 'scalar' })).variant, 'scalar');
    await assert.rejects(createLab({ variant: 'sse' }), /variant must be 'simd' or 'scalar'/);
    // The wasm bytes must be the chosen variant's: the scalar glue runs the scalar bytes.
    const bytes = readFileSync(wasmUrl('scalar'));
    assert.equal((await createLab({ variant: 'scalar', wasmBinary: bytes })).variant, 'scalar');
  });

for (const variant of ['simd', 'scalar']) {
  test(`${variant}: training, FGSM, PGD and predictions equal native's bit for bit`, async () => {
    const lab = await createLab({ variant });
    assert.equal(lab.variant, variant);
    const train = loadMnist(lab, 'train');
    const testSet = loadMnist(lab, 'test');
    const net = lab.createNet({ arch: 'tutorial', maxBatch: N, seed: SEED });
    const fromNative = lab.createNet({ arch: 'tutorial', maxBatch: N, seed: SEED });
    try {
      const untrained = net.params().slice();
      await net.train(train, { epochs: 1, batch: 64, lr: 0.01, seed: SEED, limit: LIMIT });
      fromNative.loadWeights(nativeOut.weights, 'native model.safetensors');
      assertSameBits('trained parameters', net.params(), fromNative.params());
      assert.ok(bitDiff(net.params(), untrained).count > 0, 'training left the weights unchanged');

      const { x } = images(testSet, 0, N);
      for (const [config] of ATTACKS) {
        const attack = lab.createAttack(net, config);
        try {
          const adv = attack.run(x);
          assertSameBits(config.name, adv, nativeOut[config.name]);
          assert.ok(bitDiff(adv, x).count > N * 100, `${config.name} barely changed the images`);
        } finally {
          attack.free();
        }
      }

      net.input.set(x);
      net.predict(N);
      assertSameBits('probabilities', net.probs.subarray(0, N * net.classes), nativeOut.probs);
    } finally {
      net.free();
      fromNative.free();
      train.free();
      testSet.free();
    }
  });
}
