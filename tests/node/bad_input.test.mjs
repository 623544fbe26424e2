// The bad-input catalogue through the wasm module (tests/test_bad_input.c is the native twin):
// every case throws an Error with the advlab code and a message naming the input and the
// problem, and the module stays usable: the next valid call of the same kind succeeds. Where a
// case is legitimately accepted, the test asserts the right result and says why. Then the
// memory cap: requests past it throw ADVLAB_E_NOMEM instead of killing the module.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { createLab, MAX_MEMORY_MIB } from '../../web/advlab.js';

let lab;
let net; // tutorial, maxBatch 8
let data; // 16 images of 28x28
before(async () => {
  lab = await createLab();
  net = lab.createNet({ arch: 'tutorial', maxBatch: 8, seed: 1 });
  const pixels = new Uint8Array(16 * 784).map((_, i) => (i * 37) % 256);
  data = lab.loadDataset(idx([16, 28, 28], pixels),
    idx([16], new Uint8Array(16).map((_, i) => i % 10)), 'sixteen');
});

/** Asserts fn throws an advlab Error with this code and a message containing every needle. */
function assertRejects(fn, code, ...needles) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.equal(err.code, code, `code of "${err.message}"`);
    for (const needle of needles) assert.ok(err.message.includes(needle), `"${err.message}" has "${needle}"`);
    return true;
  });
}

// ------------------------------------------------------------------ bytes

/** An IDX ubyte file: magic 00 00 08 <rank>, big-endian dims, then data (which need not fit). */
function idx(dims, data = new Uint8Array(0), magic = 0x0800 | dims.length) {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

/** safetensors: a declared little-endian u64 header length, the header, then the data. */
function safetensors(header, data, declared = BigInt(Buffer.byteLength(header))) {
  const text = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + text.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, declared, true);
  bytes.set(text, 8);
  bytes.set(data, 8 + text.length);
  return bytes;
}

// A 396-parameter net, so whole weights files are written out here.
const TINY = 'c1k5-p2-p2-d10';
const META = `"__metadata__":{"arch":"${TINY}"}`;
const entry = (name, shape, begin, end, dtype = 'F32') =>
  `"${name}":{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;
const CONV_W = entry('conv1.weight', [1, 1, 5, 5], 0, 100);
const CONV_B = entry('conv1.bias', [1], 100, 104);
const FC_W = entry('fc1.weight', [10, 36], 104, 1544);
const FC_B = entry('fc1.bias', [10], 1544, 1584);
const tinyHeader = (...entries) => `{${[META, ...entries].join(',')}}`;
const GOOD = tinyHeader(CONV_W, CONV_B, FC_W, FC_B);
const ZEROS = new Uint8Array(1584);

// ------------------------------------------------------------------- IDX

describe('IDX files', () => {
  const images = idx([2, 2, 2], new Uint8Array(8));
  const labels = idx([2], new Uint8Array([1, 2]));
  const loadsAgain = () => lab.loadDataset(images, labels, 'good').free();

  test('truncated', () => {
    assertRejects(() => lab.loadDataset(idx([2, 2, 2], new Uint8Array(5)), labels, 'truncated'),
      'ADVLAB_E_FORMAT', 'truncated: truncated: header says 8 data bytes, file has 5');
    loadsAgain();
  });
  test('wrong magic', () => {
    assertRejects(() => lab.loadDataset(idx([1], new Uint8Array(1), 0x12345678), labels, 'magic'),
      'ADVLAB_E_FORMAT', 'magic: bad magic 0x12345678');
    loadsAgain();
  });
  test('dims that overflow (wasm32: 65536^2 bytes cannot be addressed)', () => {
    assertRejects(() => lab.loadDataset(idx([65536, 65536, 1]), labels, 'overflow'),
      'ADVLAB_E_FORMAT', 'overflow: dimensions 65536 x 65536 x 1 are too large to address');
    loadsAgain();
  });
  test('label and image counts differ', () => {
    assertRejects(() => lab.loadDataset(images, idx([1], new Uint8Array([1])), 'counts'),
      'ADVLAB_E_FORMAT', 'counts has 2 images but counts (labels) has 1 labels');
    loadsAgain();
  });
  test('a label outside 0..9', () => {
    assertRejects(() => lab.loadDataset(images, idx([2], new Uint8Array([3, 10])), 'ten'),
      'ADVLAB_E_FORMAT', 'ten (labels): label 1 is 10, expected 0..9');
    loadsAgain();
  });
});

// ------------------------------------------------------------ safetensors

describe('safetensors files', () => {
  let tiny;
  before(() => { tiny = lab.createNet({ arch: TINY, maxBatch: 1 }); });
  const bad = (name, bytes, code, ...needles) => {
    const before = tiny.params().slice();
    assertRejects(() => tiny.loadWeights(bytes, name), code, name, ...needles);
    assert.deepEqual(tiny.params(), before, 'a rejected file leaves the net as it was');
    tiny.loadWeights(safetensors(GOOD, ZEROS), 'good.safetensors');
    assert.ok(tiny.params().every((v) => v === 0), 'the next good file loads');
  };

  test('header length past the end', () => bad('past.safetensors', safetensors('{}', ZEROS.subarray(0, 0), 1000n),
    'ADVLAB_E_FORMAT', 'header length 1000 runs past the end of the file (10 bytes)'));
  test('header not JSON', () => bad('nojson.safetensors', safetensors('{"conv1.weight": [1,2', ZEROS),
    'ADVLAB_E_FORMAT', 'nojson.safetensors: header JSON'));
  test('wrong dtype', () => bad('f16.safetensors',
    safetensors(tinyHeader(CONV_W, entry('conv1.bias', [1], 100, 104, 'F16'), FC_W, FC_B), ZEROS),
    'ADVLAB_E_FORMAT', 'tensor conv1.bias: dtype F16 is not supported, expected F32'));
  test('wrong shape', () => bad('shape.safetensors',
    safetensors(tinyHeader(entry('conv1.weight', [1, 1, 25], 0, 100), CONV_B, FC_W, FC_B), ZEROS),
    'ADVLAB_E_FORMAT', 'tensor conv1.weight has shape [1,1,25], expected [1,1,5,5]'));
  test('shape not a list of integers', () => bad('shape2.safetensors',
    safetensors(tinyHeader(entry('conv1.weight', [1, 1, 10, 2.5], 0, 100), CONV_B, FC_W, FC_B), ZEROS),
    'ADVLAB_E_FORMAT', 'tensor conv1.weight: shape is not a list of non-negative integers'));
  test('overlapping offsets', () => bad('overlap.safetensors',
    safetensors(tinyHeader(CONV_W, entry('conv1.bias', [1], 96, 100), FC_W, FC_B), ZEROS),
    'ADVLAB_E_FORMAT', 'tensors conv1.weight and conv1.bias overlap'));
  test('out-of-range offsets', () => bad('range.safetensors',
    safetensors(tinyHeader(CONV_W, CONV_B, FC_W, entry('fc1.bias', [10], 1584, 1624)), ZEROS),
    'ADVLAB_E_FORMAT', 'tensor fc1.bias: data_offsets [1584,1624] run past the end of the data (1584 bytes)'));
  test('a NaN value', () => {
    const data = ZEROS.slice();
    new DataView(data.buffer).setFloat32(104 + 4 * 37, NaN, true);
    bad('nan.safetensors', safetensors(GOOD, data), 'ADVLAB_E_NUMERIC',
      'tensor fc1.weight[1,1] (flat index 37) is NaN');
  });
  test('an infinite value', () => {
    const data = ZEROS.slice();
    new DataView(data.buffer).setFloat32(104 + 4 * 37, -Infinity, true);
    bad('inf.safetensors', safetensors(GOOD, data), 'ADVLAB_E_NUMERIC',
      'tensor fc1.weight[1,1] (flat index 37) is -Inf');
  });
  test('a missing tensor', () => bad('missing.safetensors',
    safetensors(tinyHeader(CONV_W, CONV_B, FC_W), ZEROS.subarray(0, 1544)),
    'ADVLAB_E_FORMAT', 'tensor fc1.bias is missing'));
  test('an extra tensor', () => bad('extra.safetensors',
    safetensors(tinyHeader(CONV_W, CONV_B, FC_W, FC_B, entry('fc2.weight', [1], 1584, 1588)), ZEROS),
    'ADVLAB_E_FORMAT', `unexpected tensor "fc2.weight" (arch ${TINY} has no such tensor)`));
  test('huge declared sizes: header length 2^63', () => bad('huge.safetensors',
    safetensors('{}', ZEROS.subarray(0, 0), 1n << 63n),
    'ADVLAB_E_FORMAT', 'header length 9223372036854775808 runs past the end'));
  test('huge declared sizes: a tensor of 2^40 elements', () => bad('huge2.safetensors',
    safetensors(tinyHeader(entry('conv1.weight', [2 ** 40], 0, 100), CONV_B, FC_W, FC_B), ZEROS),
    'ADVLAB_E_FORMAT', 'tensor conv1.weight has shape [1099511627776], expected [1,1,5,5]'));
  test('huge declared sizes: offsets ending at 2^53-1', () => bad('huge3.safetensors',
    safetensors(tinyHeader(CONV_W, CONV_B, FC_W, entry('fc1.bias', [10], 1544, 2 ** 53 - 1)), ZEROS),
    'ADVLAB_E_FORMAT', 'data_offsets [1544,9007199254740991] run past the end of the data'));
  test('a file for another arch, through netFromWeights', () => {
    assertRejects(() => lab.netFromWeights(safetensors('{"__metadata__":{"arch":"lenet"}}', ZEROS.subarray(0, 0)),
      'other.safetensors'), 'ADVLAB_E_ARG', 'other.safetensors: arch "lenet": unknown layer "lenet"');
    lab.netFromWeights(safetensors(GOOD, ZEROS), 'good.safetensors').free();
  });
});

// ----------------------------------------------------------------- images

describe('images (preprocessDrawing: the browser decodes files, the engine takes ink)', () => {
  const drawing = new Float32Array(28 * 28).map((_, i) => (i % 28 >= 12 && i % 28 < 16 ? 1 : 0));
  const preprocessesAgain = () => assert.equal(lab.preprocessDrawing(drawing, 28, 28).length, 784);

  test('empty: 0x0', () => {
    assertRejects(() => lab.preprocessDrawing(new Float32Array(0), 0, 0), 'ADVLAB_E_ARG',
      'image to mnist: width 0 is outside 1..4096');
    preprocessesAgain();
  });
  test('huge: 5000x1', () => {
    assertRejects(() => lab.preprocessDrawing(new Float32Array(5000), 5000, 1), 'ADVLAB_E_ARG',
      'image to mnist: width 5000 is outside 1..4096');
    preprocessesAgain();
  });
  test('wrong buffer length', () => {
    assertRejects(() => lab.preprocessDrawing(new Float32Array(100), 28, 28), 'ADVLAB_E_ARG',
      'preprocessDrawing: 100 values for a 28x28 image (784)');
    preprocessesAgain();
  });
  test('a NaN pixel', () => {
    const a = drawing.slice();
    a[30] = NaN;
    assertRejects(() => lab.preprocessDrawing(a, 28, 28), 'ADVLAB_E_NUMERIC',
      'image to mnist: alpha at (x 2, y 1) is NaN');
    preprocessesAgain();
  });
  test('not an image', () => {
    assert.throws(() => lab.preprocessDrawing('a picture', 28, 28),
      /preprocessDrawing: expected a Float32Array of images/);
    preprocessesAgain();
  });
  test('accepted: 1x1 of ink is a valid drawing, a dot scaled to the 20x20 box', () => {
    const out = lab.preprocessDrawing(new Float32Array([1]), 1, 1);
    assert.equal(out.filter((v) => v === 1).length, 400);
    assert.equal(out.filter((v) => v === 0).length, 784 - 400);
  });
  test('accepted: byte alpha (canvas ImageData) and float alpha give the same digit', () => {
    const bytes = Uint8Array.from(drawing, (v) => v * 255);
    assert.deepEqual(lab.preprocessDrawing(bytes, 28, 28), lab.preprocessDrawing(drawing, 28, 28));
  });
});

// ------------------------------------------------------------- parameters

describe('parameters', () => {
  const attacksAgain = () => lab.createAttack(net, { name: 'fgsm', eps: 0.1 }).free();
  const trainsAgain = () => net.trainer(data, { batch: 8, epochs: 1 }).free();

  test('eps < 0', () => {
    assertRejects(() => lab.createAttack(net, { name: 'fgsm', eps: -0.1 }), 'ADVLAB_E_ARG',
      'attack fgsm: eps -0.1 must be finite and >= 0');
    attacksAgain();
  });
  test('eps NaN', () => {
    assertRejects(() => lab.createAttack(net, { name: 'fgsm', eps: NaN }), 'ADVLAB_E_ARG',
      'attack fgsm: eps nan must be finite and >= 0');
    attacksAgain();
  });
  test('eps_step > eps', () => {
    assertRejects(() => lab.createAttack(net, { name: 'pgd', eps: 0.1, eps_step: 0.25 }), 'ADVLAB_E_ARG',
      'attack pgd: eps_step 0.25 is larger than eps 0.1');
    attacksAgain();
  });
  test('unknown attack name', () => {
    assertRejects(() => lab.createAttack(net, { name: 'fgsn' }), 'ADVLAB_E_ARG',
      'attack "fgsn" is unknown; known: fgsm');
    attacksAgain();
  });
  for (const [ratio, shown] of [[-0.1, '-0.1'], [1.5, '1.5'], [NaN, 'nan']]) {
    test(`ratio ${ratio}`, () => {
      assertRejects(() => net.adversarialTrainer(data, { batch: 8 }, { ratio }), 'ADVLAB_E_ARG',
        `adversarial training: ratio ${shown} is out of range 0..1`);
      net.adversarialTrainer(data, { batch: 8 }, { ratio: 0.5 }).free();
    });
  }
  test('epochs 0', () => {
    assertRejects(() => net.trainer(data, { batch: 8, epochs: 0 }), 'ADVLAB_E_ARG',
      'train config: epochs 0 is out of range 1..10000');
    trainsAgain();
  });
  test('batch 0', () => {
    assertRejects(() => net.trainer(data, { batch: 0 }), 'ADVLAB_E_ARG',
      'train config: batch 0 is out of range 1..8');
    trainsAgain();
  });
  test('lr 0 and lr < 0', () => {
    assertRejects(() => net.trainer(data, { batch: 8, lr: 0 }), 'ADVLAB_E_ARG',
      'train config: lr 0 is out of range (0, 10]');
    assertRejects(() => net.trainer(data, { batch: 8, lr: -0.01 }), 'ADVLAB_E_ARG',
      'train config: lr -0.01 is out of range (0, 10]');
    trainsAgain();
  });
  test('accepted: a batch larger than the data is one short batch per epoch, as in Keras', () => {
    // Rejecting it would leave a handful of imported digits untrainable at the default batch.
    const t = net.trainer(data, { batch: 8, limit: 5, epochs: 1 });
    const p = t.run(10);
    assert.equal(p.batchesPerEpoch, 1);
    assert.equal(p.batchInEpoch, 1);
    assert.ok(t.finished);
    t.free();
  });
  test('unknown arch', () => {
    assertRejects(() => lab.createNet({ arch: 'lenet' }), 'ADVLAB_E_ARG',
      'arch "lenet": unknown layer "lenet" (expected cNkK[sS][pP], p2 or dN, or a preset: ' +
      'tutorial, madry, gowal-small)');
    lab.createNet({ arch: 'tutorial', maxBatch: 1 }).free();
  });
  test('conv stride and padding', () => {
    assertRejects(() => lab.createNet({ arch: 'c16k4s0-d10' }), 'ADVLAB_E_ARG',
      'arch "c16k4s0-d10": layer "c16k4s0" has stride 0 (must be >= 1)');
    assertRejects(() => lab.createNet({ arch: 'c8k3p3-d10' }), 'ADVLAB_E_ARG',
      'arch "c8k3p3-d10": layer "c8k3p3" pads 3, not less than its kernel size 3');
    const net = lab.createNet({ arch: 'gowal-small', maxBatch: 1 });
    assert.equal(net.arch, 'c16k4s2-c32k4-d100-d10');
    net.free();
  });
});

// ----------------------------------------------------------------- memory

describe(`memory past the ${MAX_MEMORY_MIB} MiB cap`, () => {
  const worksAgain = () => {
    const small = lab.createNet({ arch: 'tutorial', maxBatch: 4 });
    small.predict(4);
    assert.ok(small.probs.subarray(0, 10).every(Number.isFinite));
    small.free();
  };

  test('a huge batch: the madry net at 65536 images cannot be addressed', () => {
    assertRejects(() => lab.createNet({ arch: 'madry', maxBatch: 65536 }), 'ADVLAB_E_NOMEM',
      'arch "c32k5-p2-c64k5-p2-d1024-d10" at batch 65536 needs', 'more than this build can address');
    worksAgain();
  });
  test('a huge batch: malloc returns NULL past the cap, and the net says how much it needed', () => {
    assertRejects(() => lab.createNet({ arch: 'tutorial', maxBatch: 65536 }), 'ADVLAB_E_NOMEM',
      'arch "c4k5-p2-c10k5-p2-d100-d10": cannot allocate', 'MB for batch 65536');
    worksAgain();
  });
  test('a huge dataset import: images larger than the cap', () => {
    const huge = new Uint8Array(MAX_MEMORY_MIB * 2 ** 20 + 1); // zero pages: no real memory used
    assertRejects(() => lab.loadDataset(huge, idx([1], new Uint8Array(1)), 'huge'), 'ADVLAB_E_NOMEM',
      `huge: images: ${huge.length} bytes is more than wasm memory can hold (${MAX_MEMORY_MIB} MiB)`);
    worksAgain();
  });
  test('a huge weights file: as large as the cap, so malloc finds no room beside the stack', () => {
    const huge = new Uint8Array(MAX_MEMORY_MIB * 2 ** 20);
    assertRejects(() => net.loadWeights(huge, 'huge.safetensors'), 'ADVLAB_E_NOMEM',
      `huge.safetensors: out of wasm memory for ${huge.length} bytes`);
    worksAgain();
  });
});
