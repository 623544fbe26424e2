// advlab.js: the JavaScript face of the advlab engine (C compiled to WebAssembly).
//
// One ES module that runs unchanged in Node 20 and in a module Web Worker:
//
//   import { createLab } from './advlab.js';
//   const lab = await createLab();
//   const train = lab.loadDataset(imagesBytes, labelsBytes, 'train');
//   const net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 1 });
//   await net.train(train, { epochs: 1 }, { onEpoch: (p) => console.log(p) });
//   net.input.set(image);          // one 28x28 image, floats in [0,1]
//   net.predict(1);
//   console.log(net.probs.subarray(0, net.classes));
//
// Errors: every failing C call throws an Error whose message is
// advlab_last_error(), with `status` (the advlab_status number) and `code`
// (its name, e.g. 'ADVLAB_E_FORMAT').
//
// Memory views: `input`, `labels`, `probs`, `grad`, `params()`, `grads()`,
// `tensors()` and `Dataset#labels` are views straight onto wasm memory, with no
// copies. Growing wasm memory detaches them (their length becomes 0). A view
// stays valid until the next call that can allocate: loadDataset, createNet,
// netFromWeights, net.trainer and net.train, saveWeights, loadWeights, setMeta,
// meta. Calls that work inside memory sized at creation (predict, lossGrad,
// inputGradient, evaluate, Trainer#run) keep them valid. Re-read the getter
// when in doubt; it is cheap.
//
// Handles own C memory: call free() on datasets, nets and trainers when done.
// Freeing a net or a dataset also frees the trainers that borrow it.

import createAdvlabCore from './gen/advlab_core.mjs';

const STATUS_NAMES = [
  'ADVLAB_OK', 'ADVLAB_E_ARG', 'ADVLAB_E_FORMAT', 'ADVLAB_E_IO', 'ADVLAB_E_NOMEM',
  'ADVLAB_E_NUMERIC',
];

// The C exports used, without their `_advlab_wasm_` prefix (see src/wasm_api.c).
const EXPORTS = [
  'version', 'last_error', 'alloc', 'free', 'buffer_free',
  'dataset_from_idx', 'dataset_free', 'dataset_count', 'dataset_height', 'dataset_width',
  'dataset_pixels', 'dataset_labels',
  'net_create', 'net_from_weights', 'net_free', 'net_arch', 'net_classes', 'net_input_size',
  'net_max_batch', 'net_init', 'net_param_count', 'net_params', 'net_grads',
  'net_x', 'net_y', 'net_probs', 'net_grad', 'net_confusion', 'net_loss', 'net_accuracy',
  'net_tensor_count', 'net_tensor', 'tensor_name', 'tensor_rank', 'tensor_dim', 'tensor_count',
  'tensor_data', 'net_set_meta', 'net_meta', 'net_predict', 'net_loss_grad', 'net_input_grad',
  'net_evaluate', 'weights_save', 'weights_load',
  'train_defaults', 'trainer_create', 'trainer_free', 'trainer_run', 'trainer_progress',
  'trainer_finished',
];

// advlab_train_config as scalars, in the order advlab_wasm_train_defaults
// writes them and advlab_wasm_trainer_create takes them.
const CONFIG_KEYS = ['optimizer', 'lr', 'momentum', 'beta1', 'beta2', 'epsilon', 'epochs',
  'batch', 'seed', 'limit'];
const OPTIMIZERS = ['adam', 'sgd'];
const INT_KEYS = new Set(['epochs', 'batch', 'limit']);

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

async function defaultWasmBinary(url) {
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}

// A 64-bit unsigned seed (a safe-integer Number or a BigInt) as [lo, hi] u32.
function seedHalves(seed, what) {
  let big;
  if (typeof seed === 'bigint') big = seed;
  else if (Number.isSafeInteger(seed)) big = BigInt(seed);
  else throw new Error(`${what}: seed must be an integer, got ${String(seed)}`);
  if (big < 0n || big >= 1n << 64n) throw new Error(`${what}: seed ${big} is outside 0..2^64-1`);
  return [Number(big & 0xffffffffn), Number(big >> 32n)];
}

function isInt32(v) {
  return Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}

// An int argument for C; its range is checked there.
function intArg(n, what) {
  if (!isInt32(n)) throw new Error(`${what}: expected an integer, got ${String(n)}`);
  return n;
}

/**
 * Loads the WebAssembly module and returns a lab.
 * @param {object} [options]
 * @param {ArrayBuffer|Uint8Array} [options.wasmBinary] the bytes of advlab_core.wasm; by default
 *   read from the file next to this module (Node) or fetched from that URL (browser, worker).
 * @param {string|URL} [options.wasmUrl] where to find advlab_core.wasm instead.
 * @returns {Promise<Lab>}
 */
export async function createLab(options = {}) {
  const url = options.wasmUrl ?? new URL('./gen/advlab_core.wasm', import.meta.url);
  const wasmBinary = options.wasmBinary ?? (await defaultWasmBinary(url));
  return new Lab(new Core(await createAdvlabCore({ wasmBinary })));
}

// The module and the helpers Lab, Dataset, Net and Trainer share; not exported.
class Core {
  #module;
  #scratch; // 16 bytes of wasm memory for out-params (pointers, lengths)
  /** The C exports by their names without the advlab_wasm_ prefix. */
  c = {};

  constructor(module) {
    this.#module = module;
    for (const name of EXPORTS) {
      const fn = module[`_advlab_wasm_${name}`];
      if (typeof fn !== 'function') {
        throw new Error(`advlab_core is missing export advlab_wasm_${name}`);
      }
      this.c[name] = fn;
    }
    this.#scratch = this.alloc(16);
    this.trainDefaults = Object.freeze(this.#readDefaults());
  }

  /** The current wasm memory (replaced when memory grows). */
  get memory() { return this.#module.HEAPU8.buffer; }
  string(ptr) { return ptr ? this.#module.UTF8ToString(ptr) : null; }

  /** Throws the C error for a non-zero status. */
  check(status) {
    if (status === 0) return;
    const err = new Error(this.string(this.c.last_error()));
    err.status = status;
    err.code = STATUS_NAMES[status] ?? `ADVLAB_STATUS_${status}`;
    throw err;
  }

  /** malloc, throwing on failure. */
  alloc(n) {
    const p = this.c.alloc(Math.max(1, n));
    if (!p) throw new Error(`out of wasm memory for ${n} bytes`);
    return p;
  }

  /** Runs fn(ptr) with str as a temporary NUL-terminated UTF-8 string. */
  withString(str, fn) {
    const s = String(str);
    const n = this.#module.lengthBytesUTF8(s) + 1;
    const p = this.alloc(n);
    try {
      this.#module.stringToUTF8(s, p, n);
      return fn(p);
    } finally {
      this.c.free(p);
    }
  }

  /** Runs fn(ptr, len) with a temporary copy of bytes in wasm memory. */
  withBytes(bytes, fn) {
    const u8 = toBytes(bytes);
    const p = this.alloc(u8.length);
    try {
      new Uint8Array(this.memory, p, u8.length).set(u8);
      return fn(p, u8.length);
    } finally {
      this.c.free(p);
    }
  }

  /** Calls fn(outPtr), checks its status, returns the pointer written to outPtr. */
  out(fn) {
    this.#u32()[this.#scratch >> 2] = 0;
    this.check(fn(this.#scratch));
    return this.#u32()[this.#scratch >> 2];
  }

  /** Calls fn(outA, outB) and returns both u32 results. */
  out2(fn) {
    this.check(fn(this.#scratch, this.#scratch + 4));
    const u = this.#u32();
    return [u[this.#scratch >> 2], u[(this.#scratch >> 2) + 1]];
  }

  #u32() { return new Uint32Array(this.memory); }

  #readDefaults() {
    const p = this.alloc(8 * 11);
    try {
      this.c.train_defaults(p);
      const d = new Float64Array(this.memory, p, 11);
      return {
        optimizer: OPTIMIZERS[d[0]], lr: d[1], momentum: d[2], beta1: d[3], beta2: d[4],
        epsilon: d[5], epochs: d[6], batch: d[7], seed: d[8] + d[9] * 2 ** 32, limit: d[10],
      };
    } finally {
      this.c.free(p);
    }
  }
}

/** The engine: creates datasets and nets. One per module instance; made by createLab(). */
export class Lab {
  #core;

  /** @internal */
  constructor(core) {
    this.#core = core;
    /** @type {string} the engine version, e.g. "0.1.0" */
    this.version = core.string(core.c.version());
    /** The defaults of a train config, from advlab_train_config_default. */
    this.trainDefaults = core.trainDefaults;
  }

  /**
   * Builds a dataset from the bytes of an IDX image file and an IDX label file (uncompressed).
   * @param {Uint8Array|ArrayBuffer} imagesBytes
   * @param {Uint8Array|ArrayBuffer} labelsBytes
   * @param {string} [name] used in error messages, e.g. 'train-images-idx3-ubyte'
   * @returns {Dataset}
   */
  loadDataset(imagesBytes, labelsBytes, name = 'dataset') {
    const core = this.#core;
    const ptr = core.withString(name, (n) => core.withBytes(imagesBytes, (ip, il) =>
      core.withBytes(labelsBytes, (lp, ll) =>
        core.out((o) => core.c.dataset_from_idx(n, ip, il, lp, ll, o)))));
    return new Dataset(core, ptr);
  }

  /**
   * Creates and initialises a network.
   * @param {object} [opts]
   * @param {string} [opts.arch] a preset ('tutorial', 'madry') or a spec like 'c4k5-p2-d10'
   * @param {number} [opts.maxBatch] images per call of predict / lossGrad / inputGradient
   * @param {number|bigint} [opts.seed] weight initialisation seed (u64)
   * @returns {Net}
   */
  createNet({ arch = 'tutorial', maxBatch = 64, seed = 1 } = {}) {
    intArg(maxBatch, 'createNet: maxBatch');
    const [lo, hi] = seedHalves(seed, 'createNet');
    const core = this.#core;
    const ptr = core.withString(arch, (a) =>
      core.out((o) => core.c.net_create(a, maxBatch, lo, hi, o)));
    return new Net(core, ptr);
  }

  /**
   * Creates a network from a safetensors file; its arch comes from the file's metadata.
   * @param {Uint8Array|ArrayBuffer} bytes
   * @param {string} [name] used in error messages
   * @param {number} [maxBatch]
   * @returns {Net}
   */
  netFromWeights(bytes, name = 'weights.safetensors', maxBatch = 64) {
    intArg(maxBatch, 'netFromWeights: maxBatch');
    const core = this.#core;
    const ptr = core.withString(name, (n) => core.withBytes(bytes, (p, len) =>
      core.out((o) => core.c.net_from_weights(n, p, len, maxBatch, o))));
    return new Net(core, ptr);
  }
}

function toBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  throw new Error('expected a Uint8Array, ArrayBuffer or typed array of bytes');
}

// Trainers borrow a net and a dataset; freeing either frees its trainers first.
class Owned {
  #ptr;
  #name;
  /** @internal */ trainers = new Set();
  constructor(ptr, name) { this.#ptr = ptr; this.#name = name; }
  /** @internal The C handle; throws once freed. */
  get ptr() {
    if (!this.#ptr) throw new Error(`${this.#name} has been freed`);
    return this.#ptr;
  }
  /** @internal */ release() {
    for (const t of this.trainers) t.free();
    const p = this.#ptr;
    this.#ptr = 0;
    return p;
  }
  /** True once free() has been called. */
  get freed() { return !this.#ptr; }
}

/** MNIST-style images and labels held in wasm memory. */
export class Dataset extends Owned {
  #core;
  /** @internal */
  constructor(core, ptr) {
    super(ptr, 'Dataset');
    this.#core = core;
    const c = core.c;
    /** @type {number} */ this.count = c.dataset_count(ptr);
    /** @type {number} */ this.height = c.dataset_height(ptr);
    /** @type {number} */ this.width = c.dataset_width(ptr);
  }
  /** @returns {Uint8Array} the labels, a view (see "Memory views"). */
  get labels() {
    return new Uint8Array(this.#core.memory, this.#core.c.dataset_labels(this.ptr), this.count);
  }
  /** @returns {Uint8Array} count*height*width pixel bytes (0..255), a view. */
  get pixels() {
    return new Uint8Array(this.#core.memory, this.#core.c.dataset_pixels(this.ptr),
      this.count * this.height * this.width);
  }
  /** Frees the dataset and any trainer using it. Idempotent. */
  free() {
    if (this.freed) return;
    this.#core.c.dataset_free(this.release());
  }
}

/**
 * A network plus io buffers for maxBatch images in wasm memory. Write images
 * into `input` (and labels into `labels`), call predict / inputGradient /
 * lossGrad with the number of images n, read `probs` / `grad`.
 */
export class Net extends Owned {
  #core;
  /** @internal */
  constructor(core, ptr) {
    super(ptr, 'Net');
    this.#core = core;
    const c = core.c;
    /** @type {string} the canonical arch spec */ this.arch = core.string(c.net_arch(ptr));
    /** @type {number} */ this.classes = c.net_classes(ptr);
    /** @type {number} values per image (C*H*W) */ this.inputSize = c.net_input_size(ptr);
    /** @type {number} */ this.maxBatch = c.net_max_batch(ptr);
    /** @type {number} */ this.paramCount = c.net_param_count(ptr) >>> 0;
  }

  #f32(ptr, n) { return new Float32Array(this.#core.memory, ptr, n); }

  /** @returns {Float32Array} inputs, maxBatch*inputSize floats in [0,1], NCHW (a view). */
  get input() { return this.#f32(this.#core.c.net_x(this.ptr), this.maxBatch * this.inputSize); }
  /** @returns {Int32Array} labels, maxBatch class indices (a view). */
  get labels() {
    return new Int32Array(this.#core.memory, this.#core.c.net_y(this.ptr), this.maxBatch);
  }
  /** @returns {Float32Array} probabilities from predict, maxBatch*classes (a view). */
  get probs() { return this.#f32(this.#core.c.net_probs(this.ptr), this.maxBatch * this.classes); }
  /** @returns {Float32Array} input gradients from inputGradient, maxBatch*inputSize (a view). */
  get grad() { return this.#f32(this.#core.c.net_grad(this.ptr), this.maxBatch * this.inputSize); }

  /** @returns {Float32Array} all parameters, flat, tensor after tensor (a view; writable). */
  params() { return this.#f32(this.#core.c.net_params(this.ptr), this.paramCount); }
  /** @returns {Float32Array} the parameter gradients from the last lossGrad (a view). */
  grads() { return this.#f32(this.#core.c.net_grads(this.ptr), this.paramCount); }

  /**
   * The parameter tensors with PyTorch names and shapes.
   * @returns {{name: string, shape: number[], data: Float32Array}[]} data are views.
   */
  tensors() {
    const c = this.#core.c;
    const h = this.ptr;
    const out = [];
    for (let i = 0, n = c.net_tensor_count(h); i < n; i++) {
      this.#core.check(c.net_tensor(h, i));
      const shape = [];
      for (let d = 0, r = c.tensor_rank(h); d < r; d++) shape.push(c.tensor_dim(h, d));
      out.push({
        name: this.#core.string(c.tensor_name(h)),
        shape,
        data: this.#f32(c.tensor_data(h), c.tensor_count(h) >>> 0),
      });
    }
    return out;
  }

  /** Re-initialises the weights from seed, exactly as createNet does. */
  init(seed) {
    const [lo, hi] = seedHalves(seed, 'init');
    this.#core.c.net_init(this.ptr, lo, hi);
  }

  /**
   * Softmax probabilities of the first n images of `input`, into `probs`.
   * @param {number} n 1..maxBatch
   */
  predict(n) {
    this.#core.check(this.#core.c.net_predict(this.ptr, intArg(n, 'predict')));
  }

  /**
   * Mean cross-entropy of the first n images of `input` against `labels`, and its gradient with
   * respect to every parameter (into grads()).
   * @param {number} n 1..maxBatch
   * @returns {number} the mean loss
   */
  lossGrad(n) {
    this.#core.check(this.#core.c.net_loss_grad(this.ptr, intArg(n, 'lossGrad')));
    return this.#core.c.net_loss(this.ptr);
  }

  /**
   * The gradient of each image's own loss with respect to that image, into `grad`.
   * @param {number} n 1..maxBatch
   * @returns {number} the mean loss
   */
  inputGradient(n) {
    this.#core.check(this.#core.c.net_input_grad(this.ptr, intArg(n, 'inputGradient')));
    return this.#core.c.net_loss(this.ptr);
  }

  /**
   * Accuracy over the first `limit` samples of a dataset (all when limit <= 0).
   * @param {Dataset} dataset
   * @param {number} [limit]
   * @returns {{accuracy: number, confusion: Int32Array}} confusion is classes*classes, row = true
   *   class, col = predicted; a copy.
   */
  evaluate(dataset, limit = 0) {
    const c = this.#core.c;
    this.#core.check(c.net_evaluate(this.ptr, dataset.ptr, intArg(limit, 'evaluate: limit')));
    const confusion = new Int32Array(this.#core.memory, c.net_confusion(this.ptr),
      this.classes * this.classes).slice();
    return { accuracy: c.net_accuracy(this.ptr), confusion };
  }

  /**
   * Prepares training on a dataset; run it in chunks with Trainer#run.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @returns {Trainer}
   */
  trainer(dataset, config = {}) {
    return new Trainer(this.#core, this, dataset, resolveConfig(config, this.#core.trainDefaults));
  }

  /**
   * Trains for config.epochs, yielding to the event loop every `chunk` batches.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {object} [hooks]
   * @param {(p: Progress) => void} [hooks.onEpoch] after each epoch
   * @param {(p: Progress) => void} [hooks.onProgress] after each chunk
   * @param {number} [hooks.chunk] batches between yields
   * @param {AbortSignal} [hooks.signal] stops training (rejects with the signal's reason)
   * @returns {Promise<Progress>} the report of the last epoch
   */
  async train(dataset, config = {}, { onEpoch, onProgress, chunk = 50, signal } = {}) {
    const t = this.trainer(dataset, config);
    try {
      let p;
      while (!t.finished) {
        signal?.throwIfAborted();
        p = t.run(chunk);
        onProgress?.(p);
        if (p.epochDone) onEpoch?.(p);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return p;
    } finally {
      t.free();
    }
  }

  /** @returns {Uint8Array} the weights as safetensors (a copy). */
  saveWeights() {
    const c = this.#core.c;
    const [ptr, len] = this.#core.out2((b, l) => c.weights_save(this.ptr, b, l));
    try {
      return new Uint8Array(this.#core.memory, ptr, len).slice();
    } finally {
      c.buffer_free(ptr);
    }
  }

  /**
   * Replaces the parameters and metadata from a safetensors file of the same arch.
   * @param {Uint8Array|ArrayBuffer} bytes
   * @param {string} [name] used in error messages
   */
  loadWeights(bytes, name = 'weights.safetensors') {
    this.#core.withString(name, (n) => this.#core.withBytes(bytes, (p, len) =>
      this.#core.check(this.#core.c.weights_load(this.ptr, n, p, len))));
  }

  /** Sets a metadata string carried into saved weights. */
  setMeta(key, value) {
    this.#core.withString(key, (k) => this.#core.withString(value, (v) =>
      this.#core.check(this.#core.c.net_set_meta(this.ptr, k, v))));
  }

  /** @returns {string|null} a metadata value, or null. */
  meta(key) {
    return this.#core.withString(key, (k) => this.#core.string(this.#core.c.net_meta(this.ptr, k)));
  }

  /** Frees the net, its io buffers and any trainer using it. Idempotent. */
  free() {
    if (this.freed) return;
    this.#core.c.net_free(this.release());
  }
}

/**
 * @typedef {object} TrainConfig Mirrors advlab_train_config; missing keys take core.trainDefaults.
 * @property {'adam'|'sgd'} [optimizer]
 * @property {number} [lr]
 * @property {number} [momentum] SGD only
 * @property {number} [beta1] Adam
 * @property {number} [beta2] Adam
 * @property {number} [epsilon] Adam
 * @property {number} [epochs]
 * @property {number} [batch] <= the net's maxBatch
 * @property {number|bigint} [seed] shuffling seed (u64)
 * @property {number} [limit] train on the first `limit` samples; all when <= 0
 */

function resolveConfig(config, defaults) {
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new Error(`train config: unknown key '${key}' (known: ${CONFIG_KEYS.join(', ')})`);
    }
  }
  const cfg = { ...defaults, ...config };
  for (const key of CONFIG_KEYS) {
    const v = cfg[key];
    if (v === undefined) cfg[key] = defaults[key];
  }
  if (!OPTIMIZERS.includes(cfg.optimizer)) {
    throw new Error(`train config: optimizer must be 'adam' or 'sgd', got '${cfg.optimizer}'`);
  }
  for (const key of ['lr', 'momentum', 'beta1', 'beta2', 'epsilon']) {
    if (typeof cfg[key] !== 'number') {
      throw new Error(`train config: ${key} must be a number, got ${cfg[key]}`);
    }
  }
  for (const key of INT_KEYS) {
    intArg(cfg[key], `train config: ${key}`);
  }
  cfg.seedHalves = seedHalves(cfg.seed, 'train config');
  return cfg;
}

/**
 * @typedef {object} Progress
 * @property {number} epoch 1-based epoch this report is about
 * @property {number} epochs
 * @property {number} batchInEpoch batches done in this epoch
 * @property {number} batchesPerEpoch
 * @property {boolean} epochDone true once the epoch has finished
 * @property {number} loss mean training loss over the epoch so far
 * @property {number} accuracy training accuracy over the epoch so far
 * @property {number} imagesPerSec
 */

/** Training of a net on a dataset, run in chunks of batches. */
export class Trainer extends Owned {
  #core;
  #net;
  #dataset;
  /** @internal */
  constructor(core, net, dataset, cfg) {
    const c = core.c;
    const [lo, hi] = cfg.seedHalves;
    const optimizer = OPTIMIZERS.indexOf(cfg.optimizer);
    const ptr = core.out((o) => c.trainer_create(net.ptr, dataset.ptr, optimizer, cfg.lr,
      cfg.momentum, cfg.beta1, cfg.beta2, cfg.epsilon, cfg.epochs, cfg.batch, lo, hi, cfg.limit,
      o));
    super(ptr, 'Trainer');
    this.#core = core;
    this.#net = net;
    this.#dataset = dataset;
    net.trainers.add(this);
    dataset.trainers.add(this);
  }

  /**
   * Runs at most maxBatches batches, stopping early at the end of an epoch.
   * @param {number} [maxBatches]
   * @returns {Progress}
   */
  run(maxBatches = 50) {
    const c = this.#core.c;
    this.#core.check(c.trainer_run(this.ptr, intArg(maxBatches, 'run: maxBatches')));
    const d = new Float64Array(this.#core.memory, c.trainer_progress(this.ptr), 8);
    return {
      epoch: d[0], epochs: d[1], batchInEpoch: d[2], batchesPerEpoch: d[3], epochDone: d[4] !== 0,
      loss: d[5], accuracy: d[6], imagesPerSec: d[7],
    };
  }

  /** @returns {boolean} true once every epoch has run. */
  get finished() { return this.#core.c.trainer_finished(this.ptr) !== 0; }

  /** Frees the trainer (its optimizer state). Idempotent. */
  free() {
    if (this.freed) return;
    this.#net.trainers.delete(this);
    this.#dataset.trainers.delete(this);
    this.#core.c.trainer_free(this.release());
  }
}
