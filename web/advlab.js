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
// Two builds: createLab loads the WebAssembly SIMD engine where the JavaScript engine supports
// SIMD and a scalar build of the same C elsewhere, with the same results to the bit;
// createLab({ variant: 'scalar' }) forces one, and lab.variant says which runs.
//
// Errors: every failing C call throws an Error whose message is
// advlab_last_error(), with `status` (the advlab_status number) and `code`
// (its name, e.g. 'ADVLAB_E_FORMAT'). A failed call leaves the module usable.
//
// Memory: the module's memory grows as needed up to MAX_MEMORY_MIB (1 GiB,
// -sMAXIMUM_MEMORY in CMakeLists.txt), several times what the lab needs at
// its largest (full MNIST, the madry net, an experiment: a few hundred MB).
// A request past it (a huge batch, dataset or weights file) throws an Error
// with code 'ADVLAB_E_NOMEM' naming what was too big; malloc returns NULL
// rather than aborting (-sABORTING_MALLOC=0), so the module lives on.
//
// Memory views: `input`, `labels`, `probs`, `grad`, `params()`, `grads()`,
// `tensors()` and `Dataset#labels` are views straight onto wasm memory, with no
// copies. Growing wasm memory detaches them (their length becomes 0). A view
// stays valid until the next call that can allocate: loadDataset, createNet,
// netFromWeights, net.trainer and net.train (and their adversarial twins),
// saveWeights, loadWeights, setMeta, meta, and every call of the attack,
// defence, metrics and experiment API below, which copy their inputs into wasm
// memory allocated for the call. Calls that work inside memory sized at
// creation (predict, lossGrad, inputGradient, evaluate, Trainer#run) keep them
// valid. Re-read the getter when in doubt; it is cheap. Passing a view as an
// input (attack.run(net.input)) is safe: it is copied before anything grows.
//
// Handles own C memory: call free() on datasets, nets, trainers, attacks,
// pre-processors and detectors when done. A handle that borrows another (a
// trainer its net and dataset, an attack its net and defence, a detector its
// net) is freed when the one it borrows is freed.
//
// Attacks and defences. Images cross as Float32Arrays of n*inputSize floats
// in [0,1] (any n; the C side chunks), labels as Int32Arrays or number
// arrays. Each call copies its inputs into wasm memory and returns copies, so
// these results are plain arrays, not views. Configs are objects of the C
// config's keys, e.g. {name: 'pgd', eps: 0.3, eps_step: 0.01, max_iter: 40,
// norm: Infinity, targeted: true, seed: 1}; camelCase keys are accepted
// (epsStep), booleans become 1/0 and norm may be 'inf'. Each key is set
// through the C setter, so unknown keys and bad values throw the C message.
//
//   const pgd = lab.createAttack(net, { name: 'pgd', eps: 0.3, eps_step: 0.01 });
//   const xAdv = pgd.run(x, { labels });        // or { targets } when targeted
//   const squeeze = lab.createPreprocessor({ name: 'squeeze', bit_depth: 1 });
//   pgd.setDefence(squeeze);                    // BPDA through the squeezer
//   pgd.setDefence(squeeze, { gradient: 'exact' }); // the naive attack: masked
//   const m = lab.attackMetrics(net, x, xAdv, labels, { defence: squeeze });
//   const labelsOnly = lab.postprocess({ name: 'class_labels' }, probs, 10);
//   const det = lab.squeezeDetector(net, { bitDepth: 1, window: 2 });
//   det.calibrate(clean, 0.05); const flags = det.detect(xAdv);
//   await net.trainAdversarial(train, { epochs: 1 }, { ratio: 0.5,
//     attack: { name: 'fgsm', eps: 0.2 } });
//   const report = await lab.experiment(train, test, { arch: 'tutorial', epochs: 2 },
//     { onProgress: (p) => console.log(p.stageName, p.fraction) });
//   report.nets.standard.free(); report.nets.defended.free();
//
// What the lab page measures comes from the same C, so the page computes none of it again:
//
//   lab.curveEps                                // [0, 0.05, ... 0.3]: the experiment's curve
//   lab.tutorialMeasurements({ eps: 0.2 })      // the experiment's five tutorial rows:
//   // [{name: 'clean_standard', model: 'standard', craftedOn: null, attack: null, eps: 0}, ...]
//   lab.countCorrect(net, x, labels)            // how many of x the net classifies right
//   lab.perturbationNorms(x, xAdv)              // {l0, l2, linf} of one image's xAdv - x
//
// The attacks: fgsm, bim, pgd, deepfool, newtonfool, cw, lbfgs, jsma, apgd, apgd-t, fab, and
// the black-box square, hopskipjump and boundary, which take no gradient and count their queries
// per image (attack.runQueries(x) -> {xAdv, queries}; attack.counts() -> {forwardImages,
// backwardImages}).
// Pre-processors:
// squeeze, median, jpeg, noise. Post-processors: reverse_sigmoid,
// high_confidence, rounded, class_labels. include/advlab.h lists every key.

// The engine comes in two builds of the same C (CMakeLists.txt): 'simd' uses WebAssembly SIMD,
// 'scalar' is for browsers without it (Safari < 16.4, Firefox < 89, Chrome < 91), where SIMDe
// lowers the same vector helpers to scalar code in the same order, so both give the same bits.
// The literal paths let bundlers and the package's file list see both.
const VARIANTS = {
  simd: {
    core: () => import('./gen/advlab_core.mjs'),
    wasm: new URL('./gen/advlab_core.wasm', import.meta.url),
  },
  scalar: {
    core: () => import('./gen/advlab_core_scalar.mjs'),
    wasm: new URL('./gen/advlab_core_scalar.wasm', import.meta.url),
  },
};

// The smallest module that uses a SIMD instruction: WebAssembly.validate accepts it only where
// WebAssembly SIMD is supported (the same probe as wasm-feature-detect's simd()).
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type section: () -> v128
  0x03, 0x02, 0x01, 0x00, //                         function section: one function of type 0
  0x0a, 0x0a, 0x01, 0x08, 0x00, //                   code section: one body of 8 bytes, no locals
  0x41, 0x00, 0xfd, 0x0f, //                         i32.const 0; i8x16.splat
  0xfd, 0x62, //                                     i8x16.popcnt
  0x0b, //                                           end
]);

/** The most memory the wasm module may grow to, in MiB (-sMAXIMUM_MEMORY in CMakeLists.txt). */
export const MAX_MEMORY_MIB = 1024;

const STATUS_NAMES = [
  'ADVLAB_OK', 'ADVLAB_E_ARG', 'ADVLAB_E_FORMAT', 'ADVLAB_E_IO', 'ADVLAB_E_NOMEM',
  'ADVLAB_E_NUMERIC',
];

// The C exports used, without their `_advlab_wasm_` prefix (see src/wasm/wasm_api.c).
const EXPORTS = [
  'version', 'last_error', 'alloc', 'free', 'buffer_free',
  'dataset_from_idx', 'dataset_free', 'dataset_count', 'dataset_height', 'dataset_width',
  'dataset_pixels', 'dataset_labels', 'dataset_mean',
  'net_create', 'net_from_weights', 'net_free', 'net_arch', 'net_classes', 'net_input_size',
  'net_max_batch', 'net_init', 'net_param_count', 'net_params', 'net_grads',
  'net_x', 'net_y', 'net_probs', 'net_grad', 'net_confusion', 'net_loss', 'net_accuracy',
  'net_tensor_count', 'net_tensor', 'tensor_name', 'tensor_rank', 'tensor_dim', 'tensor_count',
  'tensor_data', 'net_set_meta', 'net_meta', 'net_predict', 'net_loss_grad', 'net_input_grad',
  'net_evaluate', 'weights_save', 'weights_load',
  'layout', 'config_new', 'config_default', 'config_set', 'config_set_text', 'config_set_seed', 'config_json',
  'trainer_create', 'trainer_free', 'trainer_run', 'trainer_progress',
  'trainer_finished', 'trainer_state_size', 'trainer_state_save', 'trainer_state_restore',
  'trainer_shards', 'gradient_part_count', 'trainer_shard_gradient', 'trainer_step',
  'attack_create', 'attack_free', 'attack_set_preprocessor', 'attack_set_grad_mode', 'attack_run',
  'attack_run_queries', 'attack_counts', // the black-box attacks' queries, every attack's counts
  'preprocessor_create', 'preprocessor_free', 'preprocessor_apply', 'postprocess',
  'squeeze_detector_create', 'binary_detector_create', 'binary_detector_train', 'detector_free',
  'detector_score', 'detector_calibrate', 'detector_threshold', 'detector_set_threshold',
  'detector_detect',
  'adv_config_attack', 'adv_config_add_static',
  'adv_trainer_create', 'attack_metrics', 'empirical_robustness',
  'experiment_create', 'experiment_free', 'experiment_run', 'experiment_progress',
  'experiment_finished', 'experiment_report_json',
  'experiment_weights_save',
  'image_to_mnist',
  // The lab page's measures (the last section of wasm_api.c).
  'curve_eps_count', 'curve_eps', 'tutorial_count', 'tutorial', 'count_correct',
  'perturbation_norms',
  // The poisoning family (src/wasm/wasm_poison.c).
  'poison_config_mask', 'poison_dataset', 'poison_report_json', 'trigger_apply', 'poison_measure',
  'dataset_to_idx', 'cleanse_create', 'cleanse_free', 'cleanse_run', 'cleanse_finished',
  'cleanse_flags', 'cleanse_points', 'cleanse_clusters', 'cleanse_set_truth', 'cleanse_dataset',
  'cleanse_add_metrics', 'cleanse_report_json', 'strip_create', 'strip_free', 'strip_report_json',
  // Certification (wasm_certify.c).
  'certifier_create', 'certifier_free', 'certifier_bounds', 'certifier_run', 'certify_dataset',
  'certify_trainer_create',
  // Extraction and inference (wasm_extract.c).
  'extraction_create', 'extraction_free', 'extraction_run', 'extraction_finished',
  'extraction_queries', 'extraction_thief_weights', 'extraction_measure', 'membership_create',
  'membership_free', 'membership_run', 'membership_finished', 'membership_report',
  'membership_scores', 'membership_metrics', 'membership_roc', 'inversion_create', 'inversion_free', 'inversion_run',
  'inversion_finished', 'inversion_images', 'inversion_scores', 'inversion_active',
  // AutoAttack's evaluation (wasm_evaluate.c, issue 13).
  'evaluate',
  // The universal perturbation (wasm_universal.c, issue 13).
  'universal_fit', 'universal_fooling_rate',
  // Sweeps (wasm_sweep.c).
  'sweep_create', 'sweep_free', 'sweep_cell_count', 'sweep_measure_count', 'sweep_measure_name',
  'sweep_plan_json', 'sweep_results_json', 'sweep_csv', 'sweep_run', 'sweep_next_cell',
  'sweep_cell_done', 'sweep_cell_values', 'sweep_set_cell', 'sweep_restore',
  // The robust trainers (wasm_robust.c, issue 20).
  'robust_trainer_create', 'train_preset_json',
];

// What each config type is called in messages (advlab_wasm_config_new's types).
const CONFIG_WHAT = {
  train: 'train config', adv: 'adversarial training', attack: 'attack',
  preprocess: 'pre-processor', postprocess: 'post-processor', experiment: 'experiment',
  poison: 'poison', cleanse: 'cleanse', strip: 'strip',
  certify: 'certify', certify_train: 'certified training',
  extract: 'extraction', membership: 'membership inference', invert: 'inversion',
  evaluate: 'evaluate', robust_train: 'robust training',
  universal: 'universal',
};
// The side of a trigger's square image (ADVLAB_TRIGGER_SIDE).
const TRIGGER_SIDE = 28;
// advlab_grad_mode, by index.
const GRAD_MODES = ['bpda', 'exact'];

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

// Bytes rounded up to whole cache lines (64 bytes), as the core lays out its float buffers.
function alignLine(bytes) {
  return Math.ceil(bytes / 64) * 64;
}

// epsStep -> eps_step; snake_case keys pass unchanged.
function snakeCase(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// A sweep spec with camelCase setting names as C spells them (settings' keys, vary's keys).
function snakeSpec(spec) {
  if (typeof spec !== 'object' || spec === null) {
    throw new Error(`sweep: the spec must be an object or JSON text, got ${String(spec)}`);
  }
  const out = { ...spec };
  if (spec.settings && typeof spec.settings === 'object') {
    out.settings = Object.fromEntries(Object.entries(spec.settings)
      .map(([k, v]) => [snakeCase(k), v]));
  }
  if (Array.isArray(spec.vary)) {
    out.vary = spec.vary.map((a) => (a && typeof a.key === 'string' ? { ...a, key: snakeCase(a.key) } : a));
  }
  return out;
}

// A number argument for C (a rate, a threshold): numbers as they are, 'inf' as Infinity.
function numberArg(value, key, what) {
  if (value === 'inf' || value === 'Infinity') return Infinity;
  if (typeof value !== 'number') {
    throw new Error(`${what}: ${key} must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

// snake_case -> camelCase, for the fields of the C structs read through the layout.
function camelCase(key) {
  return key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

// Throws for keys of opts outside `known` (options handled in JS, not by C).
function checkKeys(opts, known, what) {
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) {
      throw new Error(`${what}: unknown option '${key}' (known: ${known.join(', ')})`);
    }
  }
}

// Labels for n images as an Int32Array.
function labelArray(y, n, what) {
  const a = y instanceof Int32Array ? y : Int32Array.from(y);
  if (a.length !== n) throw new Error(`${what}: ${a.length} labels for ${n} images`);
  return a;
}

// The number of images of `size` values in x.
function imageCount(x, size, what) {
  if (x.length % size !== 0) {
    throw new Error(`${what}: ${x.length} values is not a whole number of images of ${size}`);
  }
  return x.length / size;
}

// Resolves after the event loop has had a turn (a macrotask), so a Worker can
// take messages between chunks of work.
function nextTurn() {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * The engine build this JavaScript engine can run: 'simd' where it supports WebAssembly SIMD,
 * else 'scalar'.
 * @returns {'simd'|'scalar'}
 */
export function wasmVariant() {
  return WebAssembly.validate(SIMD_PROBE) ? 'simd' : 'scalar';
}

/**
 * Where a variant's .wasm file is: web/gen/advlab_core.wasm or web/gen/advlab_core_scalar.wasm.
 * @param {'simd'|'scalar'} [variant] by default wasmVariant()
 * @returns {URL}
 */
export function wasmUrl(variant = wasmVariant()) {
  return variantOf(variant).wasm;
}

function variantOf(name) {
  if (!Object.hasOwn(VARIANTS, name)) {
    throw new Error(`createLab: variant must be 'simd' or 'scalar', got ${String(name)}`);
  }
  return VARIANTS[name];
}

/**
 * Loads the WebAssembly module and returns a lab. Which build runs is chosen here (see
 * wasmVariant) unless options.variant forces one; lab.variant says which it is.
 * @param {object} [options]
 * @param {'simd'|'scalar'} [options.variant] the build to run; by default wasmVariant()
 * @param {ArrayBuffer|Uint8Array} [options.wasmBinary] the bytes of the chosen variant's .wasm
 *   (wasmUrl(variant)); by default read from the file next to this module (Node) or fetched from
 *   that URL (browser, worker).
 * @param {string|URL} [options.wasmUrl] where to find the chosen variant's .wasm instead.
 * @returns {Promise<Lab>}
 */
export async function createLab(options = {}) {
  const variant = options.variant ?? wasmVariant();
  const { core, wasm } = variantOf(variant);
  const [{ default: createAdvlabCore }, wasmBinary] = await Promise.all([core(),
    options.wasmBinary ?? defaultWasmBinary(options.wasmUrl ?? wasm)]);
  return new Lab(new Core(await createAdvlabCore({ wasmBinary })), variant);
}

// The module and the helpers Lab, Dataset, Net and Trainer share; not exported.
class Core {
  #module;
  #scratch; // 16 bytes of wasm memory for out-params (pointers, lengths)
  #layout; // advlab_wasm_layout: the result structs' fields by name
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
    this.#layout = JSON.parse(this.string(this.c.layout()));
    this.trainDefaults = Object.freeze(this.withConfig('train', undefined, {},
      (cfg) => JSON.parse(this.withString('train', (t) => this.string(this.c.config_json(t, cfg))))));
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

  /**
   * malloc, throwing ADVLAB_E_NOMEM on failure. Sizes past the cap are refused before the call,
   * because the C side takes a 32-bit size_t and a larger number would wrap around.
   */
  alloc(n, what = 'a buffer') {
    const limit = MAX_MEMORY_MIB * 2 ** 20;
    if (n > limit) {
      throw codedError(4, `${what}: ${n} bytes is more than wasm memory can hold (${MAX_MEMORY_MIB} MiB)`);
    }
    const p = this.c.alloc(Math.max(1, n));
    if (!p) {
      throw codedError(4, `${what}: out of wasm memory for ${n} bytes (it may grow to ` +
        `${MAX_MEMORY_MIB} MiB, and holds ${this.memory.byteLength >> 20} MiB now)`);
    }
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

  /**
   * Runs fn(ptr, len) with a temporary copy of bytes in wasm memory; `what` names
   * them in errors.
   */
  withBytes(bytes, fn, what = 'bytes') {
    const u8 = toBytes(bytes);
    const p = this.alloc(u8.length, what);
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

  /** Calls fn(outBytes, outLen) and returns a copy of the advlab buffer it wrote, then frees it. */
  bufferOut(fn) {
    const [ptr, len] = this.out2(fn);
    try {
      return new Uint8Array(this.memory, ptr, len).slice();
    } finally {
      this.c.buffer_free(ptr);
    }
  }

  /**
   * Runs fn(...ptrs) with one temporary allocation carved into blocks of the given byte sizes
   * (each 8-aligned; a size of null gives a null pointer, for optional arguments).
   */
  withScratch(sizes, fn, what = 'scratch memory') {
    const offsets = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(size === null ? -1 : total);
      total += Math.ceil((size ?? 0) / 8) * 8;
    }
    const p = this.alloc(total, what);
    try {
      return fn(...offsets.map((o) => (o < 0 ? 0 : p + o)));
    } finally {
      this.c.free(p);
    }
  }

  f32(ptr, n) { return new Float32Array(this.memory, ptr, n); }
  i32(ptr, n) { return new Int32Array(this.memory, ptr, n); }
  f64(ptr, n) { return new Float64Array(this.memory, ptr, n); }

  /**
   * Images as a Float32Array that survives a wasm allocation: a view onto wasm memory (net.input)
   * would be detached if memory grew, so it is copied first.
   */
  floats(x, what) {
    if (x instanceof Float32Array) return x.buffer === this.memory ? x.slice() : x;
    if (Array.isArray(x) || ArrayBuffer.isView(x)) return Float32Array.from(x);
    throw new Error(`${what}: expected a Float32Array of images, got ${String(x)}`);
  }

  /**
   * Runs fn(ptr) with a heap config of `type` (train, adv, attack, preprocess, postprocess,
   * experiment) made with the defaults of kind `name` (ignored by the types without kinds), then
   * set key by key through its C field table: numbers and booleans as numbers, names ('sgd',
   * 'inf') as text, seeds as u64 halves. Keys may be camelCase. Freed after fn.
   */
  withConfig(type, name, settings, fn) {
    const c = this.c;
    const what = name === undefined ? CONFIG_WHAT[type] : `${CONFIG_WHAT[type]} ${name}`;
    const ptr = this.withString(type, (t) =>
      this.withString(String(name), (n) => this.out((o) => c.config_new(t, n, o))));
    try {
      this.setConfig(type, ptr, settings, what);
      return fn(ptr);
    } finally {
      c.free(ptr);
    }
  }

  /** Sets the keys of `settings` on the config of `type` at ptr (see withConfig). */
  setConfig(type, ptr, settings, what) {
    const c = this.c;
    for (const [key, value] of Object.entries(settings)) {
      if (value === undefined) continue;
      const isName = typeof value === 'string' && Number.isNaN(Number(value));
      if (key !== 'seed' && !isName && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new Error(`${what}: ${key} must be a number, got ${JSON.stringify(value)}`);
      }
      this.withString(type, (t) => this.withString(snakeCase(key), (k) => {
        if (key === 'seed') {
          const [lo, hi] = seedHalves(value, what);
          this.check(c.config_set_seed(t, ptr, k, lo, hi));
        } else if (isName) {
          this.withString(value, (v) => this.check(c.config_set_text(t, ptr, k, v)));
        } else {
          this.check(c.config_set(t, ptr, k, Number(value)));
        }
      }));
    }
  }

  /** The C struct `layout` (advlab_wasm_layout) at ptr, as an object with camelCase keys. */
  read(layout, ptr) {
    const view = new DataView(this.memory);
    const out = {};
    for (const [name, [offset, type]] of Object.entries(this.#layout[layout].fields)) {
      const at = ptr + offset;
      out[camelCase(name)] = type === 'f64' ? view.getFloat64(at, true)
        : type === 'i32' ? view.getInt32(at, true)
          : type === 'ptr' ? view.getUint32(at, true)
            : this.string(view.getUint32(at, true));
    }
    return out;
  }

  /** Writes the numbers of obj (camelCase keys) into the C struct `layout` at ptr. */
  write(layout, ptr, obj) {
    const view = new DataView(this.memory);
    for (const [name, [offset, type]] of Object.entries(this.#layout[layout].fields)) {
      const value = obj[camelCase(name)];
      if (type === 'f64') view.setFloat64(ptr + offset, value, true);
      else if (type === 'i32') view.setInt32(ptr + offset, value, true);
      else if (type === 'ptr') view.setUint32(ptr + offset, value, true);
    }
  }

  /** The byte size of a layout's struct, for out-params. */
  sizeOf(layout) { return this.#layout[layout].size; }

  #u32() { return new Uint32Array(this.memory); }
}

/**
 * The engine: creates datasets, nets, attacks and defences, measures attacks and runs the
 * tutorial experiment. One per module instance; made by createLab().
 */
export class Lab {
  #core;

  /** @private made by createLab */
  constructor(core, variant) {
    this.#core = core;
    /** @type {string} the engine version, e.g. "0.1.0" */
    this.version = core.string(core.c.version());
    /** @type {'simd'|'scalar'} which build of the engine runs (see wasmVariant) */
    this.variant = variant;
    /**
     * The defaults of a train config, from advlab_train_config_default.
     * @type {Readonly<Required<TrainConfig>>}
     */
    this.trainDefaults = core.trainDefaults;
  }

  /**
   * A training preset (issue 20) by name: an arch, a robust trainer and the settings of both
   * configs, as Net#robustTrainer takes them (the keys are the C fields'); `advlab train --preset
   * NAME` trains the same run. An unknown name throws, listing the known ones.
   * @param {string} name 'robust'
   * @returns {{name: string, about: string, arch: string, trainer: string,
   *   train: TrainConfig, robust: object}}
   */
  trainPreset(name) {
    const core = this.#core;
    const ptr = core.withString(name, (n) => core.out((o) => core.c.train_preset_json(n, o)));
    try {
      return JSON.parse(core.string(ptr));
    } finally {
      core.c.buffer_free(ptr);
    }
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
        core.out((o) => core.c.dataset_from_idx(n, ip, il, lp, ll, o)), `${name}: labels`),
    `${name}: images`));
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
      core.out((o) => core.c.net_from_weights(n, p, len, maxBatch, o)), name));
    return new Net(core, ptr);
  }

  /**
   * Creates an attack on a net (borrowed: freeing the net frees the attack).
   * @param {Net} net
   * @param {AttackConfig} config {name, ...keys of advlab_attack_config}: missing keys take ART's
   *   defaults for that attack.
   * @returns {Attack}
   */
  createAttack(net, { name, ...settings } = {}) {
    const core = this.#core;
    const ptr = core.withConfig('attack', name, settings, (cfg) =>
      core.out((o) => core.c.attack_create(net.ptr, cfg, o)));
    const targeted = Boolean(settings.targeted);
    return new Attack(core, ptr, net, String(name), targeted);
  }

  /**
   * Creates a pre-processor (a defence applied to the input) for height x width images.
   * @param {{name: 'squeeze'|'median'|'jpeg'|'noise', height?: number, width?: number}
   *   & ConfigKeys} config {name, height = 28, width = 28, ...keys}: squeeze (bit_depth), median
   *   (window), jpeg (quality), noise (sigma, seed).
   * @returns {Preprocessor}
   */
  createPreprocessor({ name, height = 28, width = 28, ...settings } = {}) {
    intArg(height, 'createPreprocessor: height');
    intArg(width, 'createPreprocessor: width');
    const core = this.#core;
    const ptr = core.withConfig('preprocess', name, settings, (cfg) =>
      core.out((o) => core.c.preprocessor_create(cfg, height, width, o)));
    return new Preprocessor(core, ptr, String(name), height * width);
  }

  /**
   * Applies a post-processor to probabilities.
   * @param {{name: 'reverse_sigmoid'|'high_confidence'|'rounded'|'class_labels'} & ConfigKeys}
   *   config {name, ...keys}: reverse_sigmoid (beta, gamma), high_confidence (cutoff), rounded
   *   (decimals), class_labels.
   * @param {Float32Array|number[]} probs n*classes probabilities, row after row
   * @param {number} classes
   * @returns {Float32Array} the processed probabilities (a copy)
   */
  postprocess({ name, ...settings } = {}, probs, classes) {
    const core = this.#core;
    intArg(classes, 'postprocess: classes');
    const p = core.floats(probs, 'postprocess');
    const n = classes > 0 ? imageCount(p, classes, 'postprocess') : 0;
    return core.withConfig('postprocess', name, settings, (cfg) =>
      core.withScratch([p.byteLength], (ptr) => {
        core.f32(ptr, p.length).set(p);
        core.check(core.c.postprocess(cfg, ptr, n, classes, ptr));
        return core.f32(ptr, p.length).slice();
      }));
  }

  /**
   * The feature-squeezing detector (Xu et al.) on a net (borrowed). A squeezer set to 0 is off.
   * @param {Net} net
   * @param {{bitDepth?: number, window?: number}} [opts] defaults: 1 bit and a 2x2 median
   *   filter, Xu et al.'s squeezers for MNIST.
   * @returns {Detector}
   */
  squeezeDetector(net, opts = {}) {
    checkKeys(opts, ['bitDepth', 'window'], 'squeezeDetector');
    const { bitDepth = 1, window = 2 } = opts;
    intArg(bitDepth, 'squeezeDetector: bitDepth');
    intArg(window, 'squeezeDetector: window');
    const core = this.#core;
    const ptr = core.out((o) => core.c.squeeze_detector_create(net.ptr, bitDepth, window, o));
    return new Detector(core, ptr, net, 'squeeze');
  }

  /**
   * ART's BinaryInputDetector: detectorNet (borrowed) is a 2-class net, 0 clean and 1
   * adversarial; the score is its probability of class 1. Train it with Detector#train.
   * @param {Net} detectorNet
   * @returns {Detector}
   */
  binaryDetector(detectorNet) {
    const core = this.#core;
    const ptr = core.out((o) => core.c.binary_detector_create(detectorNet.ptr, o));
    return new Detector(core, ptr, detectorNet, 'binary');
  }

  /**
   * How an attack did on a net, behind an optional defence.
   * @param {Net} net
   * @param {Float32Array} x clean images, n*inputSize
   * @param {Float32Array} xAdv their adversarial versions
   * @param {Int32Array|number[]} labels the true classes
   * @param {{targets?: Int32Array|number[], defence?: Preprocessor|null}} [opts] with targets,
   *   success means reaching the target (ART)
   * @returns {{n: number, cleanAccuracy: number, advAccuracy: number, successRate: number,
   *   meanL0: number, meanL2: number, meanLinf: number, confusion: Int32Array}} confusion is
   *   classes*classes on xAdv, row = true class, col = predicted.
   */
  attackMetrics(net, x, xAdv, labels, opts = {}) {
    checkKeys(opts, ['targets', 'defence'], 'attackMetrics');
    const { targets, defence = null } = opts;
    const core = this.#core;
    const xs = core.floats(x, 'attackMetrics: x');
    const as = core.floats(xAdv, 'attackMetrics: xAdv');
    const n = imageCount(xs, net.inputSize, 'attackMetrics: x');
    if (as.length !== xs.length) {
      throw new Error(`attackMetrics: xAdv has ${as.length} values, x ${xs.length}`);
    }
    const y = labelArray(labels, n, 'attackMetrics');
    const t = targets === undefined ? null : labelArray(targets, n, 'attackMetrics: targets');
    const k = net.classes;
    const sizes = [xs.byteLength, as.byteLength, 4 * n, t ? 4 * n : null,
      core.sizeOf('attack_metrics'), 4 * k * k];
    return core.withScratch(sizes, (px, pa, py, pt, pout, pcm) => {
      core.f32(px, xs.length).set(xs);
      core.f32(pa, as.length).set(as);
      core.i32(py, n).set(y);
      if (t) core.i32(pt, n).set(t);
      core.check(core.c.attack_metrics(net.ptr, defence ? defence.ptr : 0, px, pa, py, pt, n,
        pout, pcm));
      return { ...core.read('attack_metrics', pout), confusion: core.i32(pcm, k * k).slice() };
    });
  }

  /**
   * ART's empirical_robustness: minimal FGSM (steps of eps_step up to eps, in `norm`), then the
   * mean of ||xAdv - x|| / ||x|| over the images whose prediction flipped; 0 when none did.
   * @param {Net} net
   * @param {Float32Array} x n*inputSize images
   * @param {ConfigKeys} [config] FGSM keys: eps, eps_step, norm (ART's defaults 0.3, 0.1, inf)
   * @returns {number}
   */
  empiricalRobustness(net, x, config = {}) {
    const core = this.#core;
    const xs = core.floats(x, 'empiricalRobustness');
    const n = imageCount(xs, net.inputSize, 'empiricalRobustness');
    return core.withConfig('attack', 'fgsm', config, (cfg) =>
      core.withScratch([xs.byteLength, 8], (px, pout) => {
        core.f32(px, xs.length).set(xs);
        core.check(core.c.empirical_robustness(net.ptr, cfg, px, n, pout));
        return core.f64(pout, 1)[0];
      }));
  }

  /**
   * MNIST's normalisation of a drawn or uploaded digit (advlab_image_to_mnist): the ink's bounding
   * box scaled to 20 pixels on its longer side keeping the aspect ratio (area-averaged), then
   * shifted whole pixels so its centre of mass lands on pixel (14,14) of 28x28. No ink gives
   * zeros. Like the attack API, it copies its input into wasm memory allocated for the call.
   * @param {Uint8Array|Uint8ClampedArray|Float32Array|number[]} alpha width*height ink values,
   *   row after row, ink = 1: bytes are read as p/255, floats must be in [0,1]
   * @param {number} width 1..4096
   * @param {number} height 1..4096
   * @returns {Float32Array} 784 floats in [0,1], ink = 1 (a copy)
   */
  preprocessDrawing(alpha, width, height) {
    intArg(width, 'preprocessDrawing: width');
    intArg(height, 'preprocessDrawing: height');
    const core = this.#core;
    const bytes = alpha instanceof Uint8Array || alpha instanceof Uint8ClampedArray;
    const a = bytes
      ? Float32Array.from(alpha, (p) => p / 255)
      : core.floats(alpha, 'preprocessDrawing');
    if (a.length !== width * height) {
      throw codedError(1, `preprocessDrawing: ${a.length} values for a ${width}x${height} image ` +
        `(${width * height})`);
    }
    return core.withScratch([a.byteLength, 4 * 784], (pa, pout) => {
      core.f32(pa, a.length).set(a);
      core.check(core.c.image_to_mnist(pa, width, height, pout));
      return core.f32(pout, 784).slice();
    }, 'preprocessDrawing');
  }

  /**
   * The tutorial experiment end to end (see advlab.h, "experiment"), in chunks that yield to the
   * event loop between them.
   * @param {Dataset} train
   * @param {Dataset} test
   * @param {{arch?: string} & ConfigKeys} [settings] {arch = 'tutorial', ...keys of
   *   advlab_experiment_config}, e.g. train_limit, test_limit, epochs, adv_epochs, pgd_limit,
   *   pgd_iter, curve, defences, seed
   * @param {object} [hooks]
   * @param {(p: ExperimentProgress) => void} [hooks.onProgress] after each chunk
   * @param {number} [hooks.chunk] units (a training batch, or 256 attacked images) per chunk
   * @param {AbortSignal} [hooks.signal] stops the experiment (rejects with the signal's reason)
   * @returns {Promise<ExperimentReport>} the report (JSON.parse of
   *   advlab_experiment_report_json) plus `nets: {standard, defended}`: new Nets (maxBatch 64)
   *   holding copies of the two models' weights. They are the caller's to free; the experiment
   *   itself is freed before this resolves.
   */
  async experiment(train, test, settings = {}, { onProgress, chunk = 8, signal } = {}) {
    const { arch = 'tutorial', ...config } = settings;
    intArg(chunk, 'experiment: chunk');
    const core = this.#core;
    const ptr = core.withConfig('experiment', undefined, config, (cfg) =>
      core.withString(arch, (a) =>
        core.out((o) => core.c.experiment_create(train.ptr, test.ptr, a, cfg, o))));
    const e = new Experiment(core, ptr, [train, test]);
    try {
      while (!e.finished) {
        signal?.throwIfAborted();
        const p = e.run(chunk);
        onProgress?.(p);
        await nextTurn();
      }
      const report = JSON.parse(e.reportJson());
      const standard = this.netFromWeights(e.weights(0), 'experiment standard model');
      try {
        report.nets = { standard, defended: this.netFromWeights(e.weights(1),
          'experiment defended model') };
      } catch (err) {
        standard.free();
        throw err;
      }
      return report;
    } finally {
      e.free();
    }
  }

  // ------------------------------------------------ sweeps (issue 18)
  //
  //   const spec = { settings: { trainLimit: 1000, epochs: 1 }, seeds: [1, 2, 3],
  //     vary: [{ key: 'eps', range: [0, 0.3, 0.05] }, { key: 'ratio', values: [0.3, 0.5] }],
  //     measure: ['fgsm_defended'] };
  //   const { results, csv, pointsCsv } = await lab.sweep(train, test, spec, { onProgress });
  //   // the page's pool: plan, one cell per worker, then assemble in C
  //   const { cells } = lab.sweepPlan(spec);
  //   const r = await lab.sweepCell(train, test, spec, i);   // {cell, values, seconds}
  //   lab.sweepResults(spec, [r, ...]).json                  // === lab.sweep's

  /**
   * Checks a sweep spec and expands it (advlab_sweep_plan_json): the spec in full, as the results
   * will hold it, and the cells in their fixed order.
   * @param {SweepSpec|string} spec the spec, or its JSON text (a sweep's results JSON also works)
   * @returns {SweepPlan}
   */
  sweepPlan(spec) {
    const core = this.#core;
    return this.#withSweep(spec, (s) => {
      const json = core.string(core.c.sweep_plan_json(s.ptr));
      if (json === null) throw codedError(4, 'sweepPlan: out of memory for the plan');
      return JSON.parse(json);
    });
  }

  /**
   * Runs one cell of a sweep: one tutorial experiment, with the stages its measurements do not
   * need skipped, or one attack or poison family's cell. Any worker can run any cell;
   * sweepResults assembles them.
   * @param {Dataset} train
   * @param {Dataset} test
   * @param {SweepSpec|string} spec
   * @param {number} cell 0..cells-1 (sweepPlan)
   * @param {SweepHooks} [hooks]
   * @returns {Promise<SweepCellResult>}
   */
  async sweepCell(train, test, spec, cell, hooks = {}) {
    intArg(cell, 'sweepCell: cell');
    const s = this.#sweepHandle(spec);
    try {
      await this.#runCell(s, train, test, cell, hooks);
      return this.#cellResult(s, cell);
    } finally {
      s.free();
    }
  }

  /**
   * Assembles a sweep's results from cells computed anywhere (sweepCell in other workers), by the
   * same C that lab.sweep and `advlab sweep` use.
   * @param {SweepSpec|string} spec
   * @param {SweepCellResult[]} cells finished cells, in any order; others are left out
   * @param {{checkpoint?: string|object}} [options] a results JSON whose cells to take first
   * @returns {SweepResults}
   */
  sweepResults(spec, cells, { checkpoint } = {}) {
    return this.#withSweep(spec, (s) => {
      if (checkpoint !== undefined) this.#restore(s, checkpoint);
      for (const r of cells) this.#setCell(s, r);
      return this.#results(s);
    });
  }

  /**
   * A whole sweep, cell after cell, yielding between chunks. Equal, bit for bit except the timings,
   * to `advlab sweep --json` with the same spec.
   * @param {Dataset} train
   * @param {Dataset} test
   * @param {SweepSpec|string} spec
   * @param {SweepHooks & {checkpoint?: string|object,
   *   onCell?: (r: SweepCellResult & {checkpoint: string}) => void}} [hooks] checkpoint: a results
   *   JSON to resume from (its cells are not run again); onCell: after each finished cell, with the
   *   results JSON so far to save as the next checkpoint
   * @returns {Promise<SweepResults>}
   */
  async sweep(train, test, spec, hooks = {}) {
    const core = this.#core;
    const s = this.#sweepHandle(spec);
    try {
      if (hooks.checkpoint !== undefined) this.#restore(s, hooks.checkpoint);
      for (let cell; (cell = core.c.sweep_next_cell(s.ptr)) >= 0;) {
        await this.#runCell(s, train, test, cell, hooks);
        if (hooks.onCell) {
          hooks.onCell({ ...this.#cellResult(s, cell),
            checkpoint: core.string(core.c.sweep_results_json(s.ptr)) });
        }
      }
      return this.#results(s);
    } finally {
      s.free();
    }
  }

  #sweepHandle(spec) {
    const core = this.#core;
    const text = typeof spec === 'string' ? spec : JSON.stringify(snakeSpec(spec));
    const ptr = core.withBytes(new TextEncoder().encode(text), (p, n) =>
      core.out((o) => core.c.sweep_create(p, n, o)), 'sweep spec');
    return new Handle(core, ptr, 'Sweep', 'sweep_free', []);
  }

  #withSweep(spec, fn) {
    const s = this.#sweepHandle(spec);
    try {
      return fn(s);
    } finally {
      s.free();
    }
  }

  async #runCell(s, train, test, cell, { onProgress, signal, chunk = 8 } = {}) {
    const core = this.#core;
    intArg(chunk, 'sweep: chunk');
    s.borrow(train);
    s.borrow(test);
    // Not withScratch: the block must outlive the awaits.
    const pp = core.alloc(core.sizeOf('sweep_progress'), 'sweep progress');
    try {
      do {
        signal?.throwIfAborted();
        core.check(core.c.sweep_run(s.ptr, train.ptr, test.ptr, cell, chunk, pp));
        onProgress?.(core.read('sweep_progress', pp));
        await nextTurn();
      } while (!core.c.sweep_cell_done(s.ptr, cell));
    } finally {
      core.c.free(pp);
    }
  }

  #measureNames(s) {
    const core = this.#core;
    const n = core.c.sweep_measure_count(s.ptr);
    return Array.from({ length: n }, (_, m) => core.string(core.c.sweep_measure_name(s.ptr, m)));
  }

  #cellResult(s, cell) {
    const core = this.#core;
    const names = this.#measureNames(s);
    return core.withScratch([8 * names.length, 8], (pv, ps) => {
      core.check(core.c.sweep_cell_values(s.ptr, cell, pv, ps));
      const v = core.f64(pv, names.length);
      return { cell, values: Object.fromEntries(names.map((name, m) => [name, v[m]])),
        seconds: core.f64(ps, 1)[0] };
    }, 'sweep cell');
  }

  #setCell(s, { cell, values, seconds = 0 }) {
    const core = this.#core;
    intArg(cell, 'sweepResults: cell');
    const names = this.#measureNames(s);
    const v = names.map((name) => {
      const x = values?.[name];
      if (typeof x !== 'number') {
        throw new Error(`sweepResults: cell ${cell}: ${name} is not a number (${String(x)})`);
      }
      return x;
    });
    core.withScratch([8 * v.length], (pv) => {
      core.f64(pv, v.length).set(v);
      core.check(core.c.sweep_set_cell(s.ptr, cell, pv, numberArg(seconds, 'seconds', 'sweepResults')));
    }, 'sweep cell');
  }

  #restore(s, checkpoint) {
    const core = this.#core;
    const text = typeof checkpoint === 'string' ? checkpoint : JSON.stringify(checkpoint);
    core.withBytes(new TextEncoder().encode(text), (p, n) =>
      core.check(core.c.sweep_restore(s.ptr, p, n)), 'sweep checkpoint');
  }

  #results(s) {
    const core = this.#core;
    const text = (fn, what) => {
      const t = core.string(fn());
      if (t === null) throw codedError(4, `sweep: out of memory for the ${what}`);
      return t;
    };
    const json = text(() => core.c.sweep_results_json(s.ptr), 'results');
    return { results: JSON.parse(json), json,
      csv: text(() => core.c.sweep_csv(s.ptr, 0), 'CSV'),
      pointsCsv: text(() => core.c.sweep_csv(s.ptr, 1), 'CSV') };
  }

  // ------------------------------------------------ poisoning (issue 15)
  //
  //   const { dataset: poisoned, rows, report } = lab.poison(train, { source: 0, fraction: 0.1 });
  //   const net = lab.createNet({ arch: 'tutorial' });
  //   await net.train(poisoned, { epochs: 5 }, { onProgress });
  //   lab.poisonMetrics(net, test, { source: 0 })          // {cleanAccuracy, attackSuccess, ...}
  //   const found = await lab.cleanse(net, poisoned, { defence: 'ac' },
  //     { rows, test, poison: { source: 0 }, retrain: { epochs: 5 }, onProgress });
  //   found.report.recall; found.flags; found.points; found.net.free(); found.cleaned.free();
  //   lab.strip(net, cleanImages, lab.addTrigger(drawing, { trigger: 'pattern' }))

  /**
   * Poisons a copy of a training set (ART's PoisoningAttackBackdoor, or with cleanLabel its
   * PoisoningAttackCleanLabelBackdoor): round(fraction * eligible) of the eligible rows get the
   * trigger and their target label (clean label: PGD on `proxy` first, labels kept).
   * @param {Dataset} dataset 28x28 images, 10 classes
   * @param {PoisonSettings} [settings]
   * @param {{proxy?: Net}} [opts] the clean label's proxy model
   * @returns {{dataset: Dataset, rows: Int32Array, report: object}} the poisoned copy (the
   *   caller's to free), the poisoned rows ascending, and the report `advlab poison --json` prints
   */
  poison(dataset, settings = {}, { proxy } = {}) {
    const core = this.#core;
    const { c } = core;
    return this.#poisonConfig(settings, (cfg) => core.withScratch([4, 4, 4, 4], (pOut, pRows, pN,
      pJson) => {
      core.check(c.poison_dataset(dataset.ptr, cfg, proxy ? proxy.ptr : 0, pOut, pRows, pN));
      const poisoned = new Dataset(core, core.i32(pOut, 1)[0]);
      const rowsPtr = core.i32(pRows, 1)[0];
      const n = core.i32(pN, 1)[0];
      try {
        const rows = core.i32(rowsPtr, n).slice();
        core.check(c.poison_report_json(cfg, poisoned.ptr, rowsPtr, n, pJson));
        const json = core.i32(pJson, 1)[0];
        try {
          return { dataset: poisoned, rows, report: JSON.parse(core.string(json)) };
        } finally {
          c.buffer_free(json);
        }
      } catch (err) {
        poisoned.free();
        throw err;
      } finally {
        c.buffer_free(rowsPtr);
      }
    }, 'poison'));
  }

  /**
   * The images with the trigger of `settings` written in (advlab_trigger_apply): a copy.
   * @param {Float32Array} x n*784 images
   * @param {PoisonSettings} [settings] trigger, mask, distance and value are used
   * @returns {Float32Array}
   */
  addTrigger(x, settings = {}) {
    const core = this.#core;
    const xs = core.floats(x, 'addTrigger');
    const n = imageCount(xs, TRIGGER_SIDE * TRIGGER_SIDE, 'addTrigger');
    return this.#poisonConfig(settings, (cfg) => core.withScratch([xs.byteLength], (px) => {
      core.f32(px, xs.length).set(xs);
      core.check(core.c.trigger_apply(cfg, px, n));
      return core.f32(px, xs.length).slice();
    }, 'addTrigger'));
  }

  /**
   * A model's clean accuracy and the attack's success rate: triggered test images of the source
   * classes (not already of their target) classified as their target (advlab_poison_measure).
   * @param {Net} net
   * @param {Dataset} test
   * @param {PoisonSettings} [settings] the poisoning whose trigger and targets are measured
   * @param {{limit?: number}} [opts] the first `limit` test images (all by default)
   * @returns {PoisonMetrics}
   */
  poisonMetrics(net, test, settings = {}, { limit = 0 } = {}) {
    intArg(limit, 'poisonMetrics: limit');
    const core = this.#core;
    return this.#poisonConfig(settings, (cfg) => core.withScratch([core.sizeOf('poison_metrics')],
      (out) => {
        core.check(core.c.poison_measure(net.ptr, test.ptr, cfg, limit, out));
        return core.read('poison_metrics', out);
      }));
  }

  /**
   * Finds the poison in a training set from the last hidden layer of the model trained on it:
   * ART's ActivationDefence ('ac') or SpectralSignatureDefense ('spectral'), in chunks. With the
   * poisoned rows, the report has precision and recall; with test and poison, the model's clean
   * accuracy and attack success ("poisoned"); with retrain, a new model of the same arch
   * (maxBatch = the batch, seeded by the training's seed) is trained on the rows left and
   * measured ("retrained"), as `advlab cleanse --retrain --json` does.
   * @param {Net} net the model trained on `dataset`
   * @param {Dataset} dataset the (poisoned) training set
   * @param {CleanseSettings} [settings]
   * @param {CleanseOptions} [opts]
   * @returns {Promise<CleanseResult>}
   */
  async cleanse(net, dataset, settings = {}, opts = {}) {
    checkKeys(opts, ['rows', 'test', 'poison', 'retrain', 'onProgress', 'chunk', 'signal'],
      'cleanse');
    const { rows, test, poison, retrain, onProgress, chunk = 4, signal } = opts;
    intArg(chunk, 'cleanse: chunk');
    const { defence = 'ac', ...keys } = settings;
    const core = this.#core;
    const { c } = core;
    const ptr = core.withConfig('cleanse', defence, keys, (cfg) =>
      core.out((o) => c.cleanse_create(net.ptr, dataset.ptr, cfg, o)));
    const h = new Cleanse(core, ptr, [net, dataset]);
    const made = [];
    try {
      await runToEnd(core, 'cleanse', h, chunk, signal,
        (done, total) => onProgress?.({ stage: 'cleanse', done, total }));
      if (rows !== undefined) {
        const r = Int32Array.from(rows);
        core.withScratch([r.byteLength], (p) => {
          core.i32(p, r.length).set(r);
          core.check(c.cleanse_set_truth(h.ptr, p, r.length));
        }, 'cleanse: rows');
      }
      const measure = (model, name) => {
        if (!test || !poison) return;
        this.#poisonConfig(poison, (cfg) => core.withScratch([core.sizeOf('poison_metrics')],
          (m) => {
            core.check(c.poison_measure(model.ptr, test.ptr, cfg, 0, m));
            core.withString(name, (n) => core.check(c.cleanse_add_metrics(h.ptr, n, m)));
          }));
      };
      measure(net, 'poisoned');
      const result = {};
      if (retrain) {
        const config = retrain === true ? {} : retrain;
        const { batch, seed } = { ...core.trainDefaults, ...config };
        result.cleaned = new Dataset(core, core.out((o) => c.cleanse_dataset(h.ptr, o)));
        made.push(result.cleaned);
        result.net = this.createNet({ arch: net.arch, maxBatch: batch, seed });
        made.push(result.net);
        await result.net.train(result.cleaned, config, {
          onProgress: (p) => onProgress?.({ stage: 'retrain', ...p }), signal,
        });
        measure(result.net, 'retrained');
      }
      const json = core.string(c.cleanse_report_json(h.ptr));
      if (json === null) throw new Error('cleanse: the report could not be built');
      const n = dataset.count;
      result.report = JSON.parse(json);
      result.flags = new Uint8Array(core.memory, c.cleanse_flags(h.ptr), n).slice();
      result.clusters = new Uint8Array(core.memory, c.cleanse_clusters(h.ptr), n).slice();
      result.points = core.f32(c.cleanse_points(h.ptr), 2 * n).slice();
      made.length = 0;
      return result;
    } finally {
      for (const m of made) m.free();
      h.free();
    }
  }

  /**
   * STRIP (Gao et al.): each input is superimposed with numSamples of the clean images,
   * (x + clean) / 2, and flagged when its predictions' mean entropy is at most the threshold
   * the clean images' own entropies set at the false acceptance rate.
   * @param {Net} net
   * @param {Float32Array} clean n*784 clean images: the pool, and the calibration
   * @param {Float32Array} x m*784 inputs to judge
   * @param {ConfigKeys} [settings] numSamples (20), falseAcceptanceRate (0.01), seed
   * @returns {StripReport} the report `advlab strip --json` prints
   */
  strip(net, clean, x, settings = {}) {
    const core = this.#core;
    const { c } = core;
    const pool = core.floats(clean, 'strip: clean');
    const xs = core.floats(x, 'strip');
    const nPool = imageCount(pool, net.inputSize, 'strip: clean');
    const n = imageCount(xs, net.inputSize, 'strip');
    return core.withConfig('strip', undefined, settings, (cfg) =>
      core.withScratch([pool.byteLength, xs.byteLength, 4], (pp, px, pJson) => {
        core.f32(pp, pool.length).set(pool);
        core.f32(px, xs.length).set(xs);
        const s = core.out((o) => c.strip_create(net.ptr, pp, nPool, cfg, o));
        try {
          core.check(c.strip_report_json(s, px, n, pJson));
          const json = core.i32(pJson, 1)[0];
          try {
            return JSON.parse(core.string(json));
          } finally {
            c.buffer_free(json);
          }
        } finally {
          c.strip_free(s);
        }
      }, 'strip'));
  }

  /**
   * AutoAttack's evaluation (advlab_evaluate, issue 13): each member of the suite attacks the
   * images the earlier ones left correctly classified, so the robust accuracy is each image's
   * worst case; then the checks behind AutoAttack's warnings. The same report as
   * `advlab evaluate --json` prints under "report"; the same seed gives the same report but for
   * the members' seconds.
   * @param {Net} net
   * @param {Float32Array} x n*inputSize images in [0,1]
   * @param {Int32Array|number[]} labels their true classes
   * @param {{suite?: 'quick'|'autoattack'|'full', eps?: number, norm?: number|'inf',
   *   seed?: number|bigint, first?: number, checks?: boolean, defence?: Preprocessor|null}} [opts]
   *   suite (autoattack), eps (0.3), norm (inf), seed (1); for a part of a larger set, first (the
   *   index of its first image, 0) and checks (false on the later parts); and the pre-processor
   *   in front of the net (borrowed)
   * @returns {EvaluateReport}
   */
  evaluate(net, x, labels, opts = {}) {
    checkKeys(opts, ['suite', 'eps', 'norm', 'seed', 'first', 'checks', 'defence'], 'evaluate');
    const { defence = null, ...settings } = opts;
    const core = this.#core;
    const xs = core.floats(x, 'evaluate');
    const n = imageCount(xs, net.inputSize, 'evaluate');
    const y = labelArray(labels, n, 'evaluate');
    return core.withConfig('evaluate', undefined, settings, (cfg) =>
      core.withScratch([xs.byteLength, 4 * n, 4], (px, py, pJson) => {
        core.f32(px, xs.length).set(xs);
        core.i32(py, n).set(y);
        core.check(core.c.evaluate(net.ptr, defence ? defence.ptr : 0, cfg, px, py, n, 1, pJson));
        const json = core.i32(pJson, 1)[0];
        try {
          return JSON.parse(core.string(json));
        } finally {
          core.c.buffer_free(json);
        }
      }, 'evaluate'));
  }

  /**
   * A universal adversarial perturbation (advlab_universal_fit, issue 13; Moosavi-Dezfooli et
   * al., as ART's UniversalPerturbation with DeepFool): one v fitted on the images x, then, on the
   * held-out images if given, the share whose prediction clip(x + v) changes. The same numbers
   * as `advlab universal --json` prints for the same images and settings.
   * @param {Net} net
   * @param {Float32Array} x n*inputSize fitting images in [0,1]
   * @param {{labels?: Int32Array|number[], heldOut?: Float32Array, eps?: number,
   *   norm?: number|'inf', delta?: number, maxIter?: number, attackerMaxIter?: number,
   *   overshoot?: number, seed?: number|bigint}} [opts] labels of x (the model's own answers when
   *   absent, as ART); heldOut, images never fitted on; eps (0.3), norm (inf), delta (0.2: stop at
   *   a fooling rate of 1 - delta), maxIter (20 passes), DeepFool's attackerMaxIter (100) and
   *   overshoot (0.02), seed (1: the order of each pass)
   * @returns {UniversalResult}
   */
  universal(net, x, opts = {}) {
    const known = ['labels', 'heldOut', 'eps', 'norm', 'delta', 'maxIter', 'attackerMaxIter',
      'overshoot', 'seed'];
    checkKeys(opts, known, 'universal');
    const { labels, heldOut, ...settings } = opts;
    const core = this.#core;
    const xs = core.floats(x, 'universal');
    const n = imageCount(xs, net.inputSize, 'universal');
    const y = labels === undefined ? null : labelArray(labels, n, 'universal');
    const held = heldOut === undefined ? null : core.floats(heldOut, 'universal: heldOut');
    const m = held ? imageCount(held, net.inputSize, 'universal: heldOut') : 0;
    const d = net.inputSize;
    const sizes = [xs.byteLength, y ? 4 * n : null, 4 * d, core.sizeOf('universal_report'),
      held ? held.byteLength : null, 4, 8];
    return core.withConfig('universal', undefined, settings, (cfg) =>
      core.withScratch(sizes, (px, py, pv, pr, ph, pFooled, pRate) => {
        core.f32(px, xs.length).set(xs);
        if (y) core.i32(py, n).set(y);
        core.check(core.c.universal_fit(net.ptr, cfg, px, py, n, pv, pr));
        const fit = core.read('universal_report', pr);
        const result = {
          perturbation: core.f32(pv, d).slice(), foolingRate: fit.foolingRate, fooled: fit.fooled,
          n: fit.n, passes: fit.passes, norm: fit.norm,
          heldOutFoolingRate: null, heldOutFooled: null, heldOutN: m,
        };
        if (held) {
          core.f32(ph, held.length).set(held);
          core.check(core.c.universal_fooling_rate(net.ptr, pv, ph, m, pFooled, pRate));
          result.heldOutFooled = core.i32(pFooled, 1)[0];
          result.heldOutFoolingRate = core.f64(pRate, 1)[0];
        }
        return result;
      }, 'universal'));
  }

  /**
   * Runs fn(cfg) with a heap poison config from settings: the trigger kind, a drawn mask,
   * 'all' and 'next' for source and target, the rest set by key.
   */
  #poisonConfig(settings, fn) {
    const core = this.#core;
    const { trigger = 'pattern', mask, source, target, ...keys } = settings;
    if (source !== undefined) keys.source = source === 'all' ? -1 : source;
    if (target !== undefined) keys.target = target === 'next' ? -1 : target;
    return core.withConfig('poison', trigger, keys, (cfg) => {
      if (mask !== undefined) {
        if (trigger !== 'mask') throw new Error(`poison ${trigger}: a mask needs trigger 'mask'`);
        const size = TRIGGER_SIDE * TRIGGER_SIDE;
        if (mask?.length !== size) {
          throw new Error(`poison mask: ${mask?.length} values, a trigger is ` +
            `${TRIGGER_SIDE}x${TRIGGER_SIDE} = ${size}`);
        }
        const bytes = new Uint8Array(core.memory, core.c.poison_config_mask(cfg), size);
        for (let i = 0; i < size; i++) bytes[i] = Number(mask[i]) !== 0 ? 1 : 0;
      }
      return fn(cfg);
    });
  }

  // ------------------------------------------------ the lab page's measures

  /**
   * The FGSM eps of the experiment's accuracy curve (advlab_experiment_curve_eps), increasing.
   * @returns {number[]} e.g. [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
   */
  get curveEps() {
    const { c } = this.#core;
    return Array.from({ length: c.curve_eps_count() }, (_, i) => shortestDecimal(c.curve_eps(i)));
  }

  /**
   * The tutorial's measurements as the experiment plans them (advlab_experiment_tutorial), in
   * its order: each is the accuracy of `model` on the clean test images (attack null) or on
   * images that `attack` (with its defaults, at eps) made against `craftedOn`.
   * @param {ConfigKeys} [settings] keys of advlab_experiment_config, e.g. {eps: 0.3}
   * @returns {{name: string, model: ExperimentModel, craftedOn: ExperimentModel|null,
   *   attack: string|null, eps: number}[]} name as in the experiment's report
   */
  tutorialMeasurements(settings = {}) {
    const core = this.#core;
    const { c } = core;
    return core.withConfig('experiment', undefined, settings, (cfg) =>
      core.withScratch([4, 4, 4, 4, 8], (pName, pModel, pCrafted, pAttack, pEps) =>
        Array.from({ length: c.tutorial_count() }, (_, i) => {
          core.check(c.tutorial(cfg, i, pName, pModel, pCrafted, pAttack, pEps));
          const crafted = core.i32(pCrafted, 1)[0];
          return {
            name: core.string(core.i32(pName, 1)[0]),
            model: EXPERIMENT_MODELS[core.i32(pModel, 1)[0]],
            craftedOn: crafted < 0 ? null : EXPERIMENT_MODELS[crafted],
            attack: core.string(core.i32(pAttack, 1)[0]),
            eps: shortestDecimal(core.f64(pEps, 1)[0]),
          };
        })));
  }

  // ---- extraction and inference (issue 16): steal a model, infer membership, invert it
  //   const { report, thief } = await lab.extract(victim, train, { test, queries: 1000,
  //     postprocess: 'reverse_sigmoid', onProgress });
  //   const { report, scores } = await lab.inferMembership(net, train, test, { method: 'rule' });
  //   const { images, scores } = await lab.invert(net, { start: meanImage, onProgress });

  /**
   * Steals `victim` through its answers (ART's CopycatCNN or KnockoffNets): the victim answers
   * `queries` images of the thief set through predict, behind `postprocess`; the thief, a
   * tutorial-arch net, trains on the answers' argmax. Then, on `test`, the report
   * `advlab extract --json` prints: the victim's and the thief's accuracy, their fidelity, and
   * FGSM (eps) made on the thief against the victim beside white-box FGSM.
   * @param {Net} victim
   * @param {Dataset|null} thief the thief set; null: seeded uniform noise
   * @param {ExtractOptions} opts
   * @returns {Promise<{report: ExtractReport, thief: Net}>} thief: the caller's to free
   */
  async extract(victim, thief, opts) {
    const { test, limit = 0, postprocess, method = 'copycat', onProgress, chunk = 16, signal,
      ...settings } = opts ?? {};
    if (!test) throw new Error('extract: opts.test (a Dataset) is required');
    intArg(limit, 'extract: limit');
    intArg(chunk, 'extract: chunk');
    const core = this.#core;
    const { c } = core;
    const post = typeof postprocess === 'string' ? { name: postprocess } : postprocess;
    const { name: postName, ...postKeys } = post ?? {};
    const withPost = (fn) => (post ? core.withConfig('postprocess', postName, postKeys, fn) : fn(0));
    const ptr = core.withConfig('extract', method, settings, (cfg) => withPost((pc) =>
      core.out((o) => c.extraction_create(victim.ptr, pc, thief ? thief.ptr : 0, cfg, o))));
    const h = new Handle(core, ptr, 'Extraction', 'extraction_free',
      thief ? [victim, thief, test] : [victim, test]);
    try {
      await runToEnd(core, 'extraction', h, chunk, signal,
        (done, total) => onProgress?.({ done, total, queries: c.extraction_queries(h.ptr) }));
      const report = core.withScratch([core.sizeOf('extract_report')], (out) => {
        core.check(c.extraction_measure(h.ptr, test.ptr, limit, out));
        return core.read('extract_report', out);
      }, 'extract');
      const bytes = core.bufferOut((b, l) => c.extraction_thief_weights(h.ptr, b, l));
      return { report, thief: this.netFromWeights(bytes, 'thief.safetensors', victim.maxBatch) };
    } finally {
      h.free();
    }
  }

  /**
   * Membership inference (ART's MembershipInferenceBlackBoxRuleBased 'rule',
   * MembershipInferenceBlackBox 'blackbox', LabelOnlyDecisionBoundary 'label_only'): the first
   * `members` rows of each set; the attack fits on the first half of each and is measured on
   * the second, as `advlab infer --json` reports.
   * @param {Net} net
   * @param {Dataset} members the net's training set
   * @param {Dataset} nonmembers images it never saw
   * @param {MembershipOptions} [opts]
   * @returns {Promise<{report: MembershipReport, scores: Float32Array}>} scores of the measured
   *   rows, members first (for a ROC curve)
   */
  async inferMembership(net, members, nonmembers, opts = {}) {
    const { method = 'rule', onProgress, chunk = 16, signal, ...settings } = opts;
    intArg(chunk, 'inferMembership: chunk');
    const core = this.#core;
    const { c } = core;
    const ptr = core.withConfig('membership', method.replace('-', '_'), settings, (cfg) =>
      core.out((o) => c.membership_create(net.ptr, members.ptr, nonmembers.ptr, cfg, o)));
    const h = new Handle(core, ptr, 'Membership', 'membership_free', [net, members, nonmembers]);
    try {
      await runToEnd(core, 'membership', h, chunk, signal,
        (done, total) => onProgress?.({ done, total }));
      const report = core.withScratch([core.sizeOf('membership_report')], (out) => {
        core.check(c.membership_report(h.ptr, out));
        return core.read('membership_report', out);
      }, 'inferMembership');
      const n = report.members + report.nonmembers;
      return { report, scores: core.f32(c.membership_scores(h.ptr), n).slice() };
    } finally {
      h.free();
    }
  }

  /**
   * The membership metrics of hand-made scores (advlab_membership_metrics): a row is called a
   * member when its score is above the threshold.
   * @param {Float32Array|number[]} scores
   * @param {Uint8Array|boolean[]|number[]} isMember
   * @param {number} threshold
   * @returns {MembershipReport}
   */
  membershipMetrics(scores, isMember, threshold) {
    const core = this.#core;
    const s = core.floats(scores, 'membershipMetrics');
    const truth = Uint8Array.from(isMember, Number);
    if (truth.length !== s.length) {
      throw new Error(`membershipMetrics: ${truth.length} truths for ${s.length} scores`);
    }
    return core.withScratch([s.byteLength, truth.length, core.sizeOf('membership_report')],
      (ps, pt, out) => {
        core.f32(ps, s.length).set(s);
        new Uint8Array(core.memory, pt, truth.length).set(truth);
        core.check(core.c.membership_metrics(ps, pt, s.length, threshold, out));
        return core.read('membership_report', out);
      }, 'membershipMetrics');
  }

  /**
   * The ROC curve of membership scores (advlab_membership_roc): one point per distinct score,
   * from (0, 0) to (1, 1), the threshold falling.
   * @param {Float32Array|number[]} scores
   * @param {Uint8Array|boolean[]|number[]} isMember
   * @returns {{fpr: Float32Array, tpr: Float32Array}}
   */
  membershipRoc(scores, isMember) {
    const core = this.#core;
    const s = core.floats(scores, 'membershipRoc');
    const truth = Uint8Array.from(isMember, Number);
    if (truth.length !== s.length) {
      throw new Error(`membershipRoc: ${truth.length} truths for ${s.length} scores`);
    }
    const n = s.length + 1;
    return core.withScratch([s.byteLength, truth.length, 4 * n, 4 * n, 4],
      (ps, pt, pf, pr, pk) => {
        core.f32(ps, s.length).set(s);
        new Uint8Array(core.memory, pt, truth.length).set(truth);
        core.check(core.c.membership_roc(ps, pt, s.length, pf, pr, pk));
        const points = core.i32(pk, 1)[0];
        return { fpr: core.f32(pf, points).slice(), tpr: core.f32(pr, points).slice() };
      }, 'membershipRoc');
  }

  /**
   * Model inversion (ART's MIFace): one image per class by gradient ascent on its logit, from
   * `start` (one image; default: the grey `init`), until the paper's rule stops each class.
   * @param {Net} net
   * @param {InvertOptions} [opts]
   * @returns {Promise<{images: Float32Array, scores: Float32Array, steps: number}>} images:
   *   classes*inputSize; scores: each class's probability of its own image
   */
  async invert(net, opts = {}) {
    const { start, onProgress, chunk = 50, signal, ...settings } = opts;
    intArg(chunk, 'invert: chunk');
    const core = this.#core;
    const { c } = core;
    const xs = start === undefined ? null : core.floats(start, 'invert: start');
    if (xs && xs.length !== net.inputSize) {
      throw codedError(1, `invert: start has ${xs.length} values, one image is ${net.inputSize}`);
    }
    const ptr = core.withConfig('invert', undefined, settings, (cfg) =>
      core.withScratch([xs ? xs.byteLength : 4], (px) => {
        if (xs) core.f32(px, xs.length).set(xs);
        return core.out((o) => c.inversion_create(net.ptr, cfg, xs ? px : 0, o));
      }, 'invert'));
    const h = new Handle(core, ptr, 'Inversion', 'inversion_free', [net]);
    try {
      let steps = 0;
      await runToEnd(core, 'inversion', h, chunk, signal, (done, total) => {
        steps = done;
        onProgress?.({ done, total });
      });
      const k = net.classes;
      return { images: core.f32(c.inversion_images(h.ptr), k * net.inputSize).slice(),
        scores: core.f32(c.inversion_scores(h.ptr), k).slice(), steps };
    } finally {
      h.free();
    }
  }

  // ---- certification (issue 17): one image live, a batch, or a test set

  /**
   * The certificate of ONE image, with the bounds behind it: whether `method` proves that no
   * perturbation within eps changes the answer, and the largest eps it proves (eps*). Built for a
   * page's worker: plain data in and out, and fast for ibp (a bisection of about ten interval
   * passes). Copies x into wasm memory allocated for the call.
   * @param {Net} net
   * @param {Float32Array|number[]} x one image, inputSize floats in [0,1]
   * @param {CertifyOptions} [opts]
   * @returns {Certificate}
   */
  certify(net, x, opts = {}) {
    const { method = 'ibp', label, ...settings } = opts;
    const core = this.#core;
    const xs = core.floats(x, 'certify');
    if (xs.length !== net.inputSize) {
      throw codedError(1, `certify: ${xs.length} values, one image is ${net.inputSize}`);
    }
    if (label !== undefined) intArg(label, 'certify: label');
    const k = net.classes;
    return withCertifier(core, net, method, settings, (c, cfg) =>
      core.withScratch([xs.byteLength, 4, core.sizeOf('certificate'), 4 * k, 4 * k, 4 * k],
        (px, py, pc, pl, pu, pm) => {
          core.f32(px, xs.length).set(xs);
          if (label !== undefined) core.i32(py, 1)[0] = label;
          core.check(core.c.certifier_run(c, px, label === undefined ? 0 : py, 1, pc));
          const cert = certificate(core.read('certificate', pc));
          const out = { method, eps: cfg.eps, ...cert, lower: null, upper: null, margin: null };
          if (method === 'smoothing') return out;
          core.check(core.c.certifier_bounds(c, px, cert.label, cfg.eps, pl, pu, pm));
          return { ...out, lower: core.f32(pl, k).slice(), upper: core.f32(pu, k).slice(),
            margin: core.f32(pm, k).slice() };
        }, 'certify'));
  }

  /**
   * Certificates of n images, as certify's without the bounds.
   * @param {Net} net
   * @param {Float32Array} x n*inputSize images
   * @param {CertifyOptions & {labels?: Int32Array|number[]}} [opts] labels: the classes to
   *   certify (default: the net's answers)
   * @returns {Certificate[]}
   */
  certifyBatch(net, x, opts = {}) {
    const { method = 'ibp', labels, ...settings } = opts;
    const core = this.#core;
    const xs = core.floats(x, 'certifyBatch');
    const n = imageCount(xs, net.inputSize, 'certifyBatch');
    const y = labels === undefined ? null : labelArray(labels, n, 'certifyBatch');
    const size = core.sizeOf('certificate');
    return withCertifier(core, net, method, settings, (c, cfg) =>
      core.withScratch([xs.byteLength, y ? 4 * n : null, size * n], (px, py, pc) => {
        core.f32(px, xs.length).set(xs);
        if (y) core.i32(py, n).set(y);
        core.check(core.c.certifier_run(c, px, py, n, pc));
        return Array.from({ length: n }, (_, i) =>
          ({ method, eps: cfg.eps, ...certificate(core.read('certificate', pc + i * size)) }));
      }, 'certifyBatch'));
  }

  /**
   * Verified accuracy at eps over the first `limit` images of a dataset: the share whose true
   * label is proved (smoothing: certified at L2 radius eps), beside the clean accuracy.
   * @param {Net} net
   * @param {Dataset} dataset
   * @param {CertifyOptions & {limit?: number}} [opts] limit: images (0, the default: all)
   * @returns {VerifiedAccuracy}
   */
  verifiedAccuracy(net, dataset, opts = {}) {
    const { method = 'ibp', limit = 0, ...settings } = opts;
    intArg(limit, 'verifiedAccuracy: limit');
    const core = this.#core;
    const n = limit > 0 ? Math.min(limit, dataset.count) : dataset.count;
    const size = core.sizeOf('certificate');
    return withCertifier(core, net, method, settings, (c, cfg) =>
      core.withScratch([core.sizeOf('certify_summary'), size * n], (ps, pc) => {
        core.check(core.c.certify_dataset(c, dataset.ptr, limit, ps, pc));
        const summary = core.read('certify_summary', ps);
        const radii = new Float64Array(n), certified = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          const cert = core.read('certificate', pc + i * size);
          radii[i] = cert.radius;
          certified[i] = cert.certified;
        }
        return { method, eps: cfg.eps, ...summary, radii, certified };
      }, 'verifiedAccuracy'));
  }

  /**
   * How many of the images x the net classifies as labels (advlab_net_count_correct).
   * @param {Net} net
   * @param {Float32Array} x n*inputSize images
   * @param {Int32Array|number[]} labels n classes
   * @returns {number}
   */
  countCorrect(net, x, labels) {
    const core = this.#core;
    const xs = core.floats(x, 'countCorrect');
    const n = imageCount(xs, net.inputSize, 'countCorrect');
    const y = labelArray(labels, n, 'countCorrect');
    return core.withScratch([xs.byteLength, 4 * n, 4], (px, py, pout) => {
      core.f32(px, xs.length).set(xs);
      core.i32(py, n).set(y);
      core.check(core.c.count_correct(net.ptr, px, py, n, pout));
      return core.i32(pout, 1)[0];
    }, 'countCorrect');
  }

  /**
   * The size of xAdv - x for one image (advlab_perturbation_norms): values changed, Euclidean
   * length and largest change, as attackMetrics averages them.
   * @param {Float32Array} x one image
   * @param {Float32Array} xAdv the same image changed
   * @returns {{l0: number, l2: number, linf: number}}
   */
  perturbationNorms(x, xAdv) {
    const core = this.#core;
    const xs = core.floats(x, 'perturbationNorms: x');
    const as = core.floats(xAdv, 'perturbationNorms: xAdv');
    if (as.length !== xs.length) {
      throw new Error(`perturbationNorms: xAdv has ${as.length} values, x ${xs.length}`);
    }
    return core.withScratch([xs.byteLength, as.byteLength, 8, 8, 8], (px, pa, p0, p2, pi) => {
      core.f32(px, xs.length).set(xs);
      core.f32(pa, as.length).set(as);
      core.c.perturbation_norms(px, pa, xs.length, p0, p2, pi);
      return { l0: core.f64(p0, 1)[0], l2: core.f64(p2, 1)[0], linf: core.f64(pi, 1)[0] };
    }, 'perturbationNorms');
  }
}

/**
 * @typedef {object} CertifyOptions The method and the keys of advlab_certify_config.
 * @property {'ibp'|'crown'|'smoothing'} [method] 'ibp' (default), 'crown' or 'smoothing'
 * @property {number} [eps] the radius to prove: L-inf for ibp and crown, L2 for smoothing (0.1)
 * @property {number} [label] certify: the class to certify (default: the net's answer)
 * @property {boolean} [radius] ibp, crown: also find eps* by bisection to 1e-3 (true)
 * @property {number} [sigma] smoothing: the noise's std (0.25)
 * @property {number} [n0] smoothing: samples that choose the class (100)
 * @property {number} [n] smoothing: samples that bound its probability (1000)
 * @property {number} [alpha] smoothing: failure probability (0.001)
 * @property {number} [batch] smoothing: noisy images per forward pass (100)
 * @property {number|bigint} [seed] smoothing: the noise (1); each call restarts it
 */

/**
 * @typedef {object} Certificate One image's certificate (advlab_certificate).
 * @property {string} method
 * @property {number} eps the radius asked for
 * @property {number} predicted the net's class; smoothing: PREDICT's, -1 when it abstains
 * @property {number} label the class certified
 * @property {boolean} certified the label is proved at eps
 * @property {number} radius ibp, crown: eps*, the largest proved L-inf eps (0: none; -1 with
 *   radius false); smoothing: the certified L2 radius (0: abstains)
 * @property {number} bound ibp, crown: the smallest lower bound of z_label - z_j at eps (> 0
 *   proves it); smoothing: the lower confidence bound of pA
 * @property {Float32Array|null} [lower] certify, ibp and crown: lower bounds of the logits at eps
 * @property {Float32Array|null} [upper] upper bounds of the logits at eps
 * @property {Float32Array|null} [margin] lower bounds of z_label - z_j for each j (0 at label)
 */

/**
 * @typedef {object} VerifiedAccuracy
 * @property {string} method
 * @property {number} eps
 * @property {number} n images
 * @property {number} cleanAccuracy
 * @property {number} verifiedAccuracy
 * @property {Float64Array} radii each image's radius (see Certificate)
 * @property {Uint8Array} certified 1 where the true label is proved at eps
 */

/**
 * @typedef {object} CertifiedTraining advlab_certify_train_config, for Net#certifiedTrainer
 * @property {'ibp'|'noise'|'crown-ibp'} certify ibp (Gowal et al.), Gaussian noise (for
 *   smoothing) or crown-ibp (Zhang et al.: CROWN-IBP's bounds mixed in by beta, 1 -> 0 over
 *   the ramp)
 * @property {number} [eps] ibp, crown-ibp: the training eps after the ramp (0.1)
 * @property {number} [warmup] ibp, crown-ibp: epochs of natural training first (1)
 * @property {number} [ramp] ibp, crown-ibp: epochs over which eps rises and kappa and beta fall (5)
 * @property {number} [kappa] ibp, crown-ibp: the natural loss's final weight (0.5)
 * @property {number} [sigma] noise: the noise's std (0.25)
 */

/**
 * @typedef {object} RobustTraining advlab_robust_train_config, for Net#robustTrainer
 * @property {'fbf'|'trades'|'pgd-ramp'} trainer fast AT (Wong et al.), TRADES (Zhang et al.) or
 *   Madry's PGD training with eps ramped up
 * @property {number} [eps] the L-inf radius (pgd-ramp: after the ramp) (0.3)
 * @property {number} [epsStep] trades, pgd-ramp: PGD's step (0.01)
 * @property {number} [maxIter] trades, pgd-ramp: PGD's steps (40)
 * @property {number} [beta] trades: the KL term's weight (1)
 * @property {number} [epsStart] pgd-ramp: eps at the first batch (0)
 * @property {number} [ramp] pgd-ramp: epochs over which eps rises (5)
 * @property {number} [clip] fbf: gradient norm clip; 0: none (0.5)
 * @property {number} [check] fbf: held-out images of the per-epoch PGD check; 0: none (512)
 * @property {number} [checkIter] fbf: the check's PGD steps (10)
 * @property {number} [drop] fbf: the fall in check accuracy that rolls back (0.2)
 */

// Runs fn(certifier, config) with a certifier of `method` for net, then frees it; config holds
// the values that were set, as numbers (advlab__cfg_json).
function withCertifier(core, net, method, settings, fn) {
  return core.withConfig('certify', method, settings, (cfg) => {
    const values = JSON.parse(core.withString('certify', (t) =>
      core.string(core.c.config_json(t, cfg))));
    const c = core.out((o) => core.c.certifier_create(net.ptr, cfg, o));
    try {
      return fn(c, values);
    } finally {
      core.c.certifier_free(c);
    }
  });
}

// A certificate as read through the layout, with certified as a boolean.
function certificate(raw) {
  return { ...raw, certified: raw.certified !== 0 };
}

/**
 * @typedef {object} ExperimentProgress
 * @property {number} stage 0-based stage in progress
 * @property {number} stages
 * @property {string} stageName 'train', 'fgsm_standard', 'adv_train', ...
 * @property {number} done units (batches or chunks of images) of this stage done
 * @property {number} total units of this stage
 * @property {number} epoch training stages; 0 otherwise
 * @property {number} epochs
 * @property {number} loss training stages: the epoch loss so far
 * @property {number} fraction of the whole experiment's estimated work, 0..1
 */

/** @typedef {'standard'|'defended'} ExperimentModel */

/**
 * A sweep (see advlab.h, "sweep"): one or two settings of a family's stage over lists of values,
 * times seeds. Setting names may be camelCase; a choice (the attack family's attack and defence)
 * takes names, as does a norm ('inf').
 * @typedef {object} SweepSpec
 * @property {'experiment'|'attack'|'poison'} [family] the stage each cell runs: the tutorial
 *   experiment (the default); attack: train the standard model, attack it, optionally through a
 *   defence; poison: plant the backdoor in the training rows, train on them
 * @property {string} [arch] 'tutorial' by default
 * @property {{[key: string]: number|string}} [settings] the family's other settings (not seed)
 * @property {{key: string, values?: (number|string)[], range?: [number, number, number]}[]} vary
 *   one or two, each with its values (names for a choice) or a range [start, stop, step] (stop
 *   included)
 * @property {number[]} [seeds] [1234] by default
 * @property {string[]} measure the family's measurement names, e.g. 'fgsm_defended', or the
 *   attack family's clean_accuracy, robust_accuracy, success_rate, mean_l2, mean_linf, or the
 *   poison family's clean_accuracy, attack_success
 */

/**
 * @typedef {object} SweepPlan
 * @property {SweepSpec} spec the spec in full (every setting), as results hold it
 * @property {number} cells
 * @property {number} points cells / seeds
 * @property {number} work estimated image passes
 * @property {{[key: string]: number|string}[]} cell_settings each cell's varied settings (a
 *   choice by name) and its seed
 */

/**
 * @typedef {object} SweepProgress
 * @property {number} cell the cell in progress, -1 when none
 * @property {number} cells
 * @property {number} cellsDone
 * @property {string} stageName the cell's experiment stage, '' between cells
 * @property {number} fraction of the sweep's cells, 0..1
 */

/**
 * @typedef {object} SweepHooks
 * @property {(p: SweepProgress) => void} [onProgress] after each chunk
 * @property {AbortSignal} [signal] stops between chunks (rejects with the signal's reason)
 * @property {number} [chunk] units per chunk (see experiment)
 */

/** @typedef {{cell: number, values: {[name: string]: number}, seconds: number}} SweepCellResult */

/**
 * @typedef {object} SweepResults
 * @property {object} results the results JSON, parsed: format, engine, spec, cells, points (mean
 *   and sample standard deviation over seeds), timings
 * @property {string} json its text, which is also the sweep's checkpoint
 * @property {string} csv a row per finished cell
 * @property {string} pointsCsv a row per finished point: each measurement's mean and std
 */

/**
 * @typedef {{nets: {standard: Net, defended: Net}} & {[key: string]: unknown}} ExperimentReport
 *   advlab_experiment_report_json's fields (see advlab.h), and the two trained models
 */

// The experiment's models by their number (advlab_experiment_net).
const EXPERIMENT_MODELS = ['standard', 'defended'];

/**
 * A float32 from C as the shortest decimal that is the same float (0.2f is 0.2, not
 * 0.20000000298023224): the number its source wrote, for people and for JSON.
 */
function shortestDecimal(f) {
  for (let digits = 1; digits < 9; digits++) {
    const d = Number(f.toPrecision(digits));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

/** An Error carrying an advlab status and its name, as Core#check throws for C failures. */
function codedError(status, message) {
  const err = new Error(message);
  err.status = status;
  err.code = STATUS_NAMES[status];
  return err;
}

function toBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  throw new Error('expected a Uint8Array, ArrayBuffer or typed array of bytes');
}

// A handle on C memory. A handle that borrows others (a trainer its net and
// dataset) registers as their dependent; freeing a handle frees its dependents
// first, so C never sees a borrowed pointer after it was freed.
class Owned {
  #ptr;
  #name;
  #borrowed = new Set();
  /** @internal handles that borrow this one @type {Set<Owned>} */ dependents = new Set();
  /**
   * @param {number} ptr the C handle
   * @param {string} name what it is, in errors
   * @param {Owned[]} [borrowed]
   */
  constructor(ptr, name, borrowed = []) {
    this.#ptr = ptr;
    this.#name = name;
    for (const h of borrowed) this.borrow(h);
  }
  /** @internal The C handle; throws once freed. @returns {number} */
  get ptr() {
    if (!this.#ptr) throw new Error(`${this.#name} has been freed`);
    return this.#ptr;
  }
  /** @internal Starts borrowing h: freeing h will free this. @param {Owned} h */
  borrow(h) {
    this.#borrowed.add(h);
    h.dependents.add(this);
  }
  /** @internal Stops borrowing h. @param {Owned} h */
  unborrow(h) {
    this.#borrowed.delete(h);
    h.dependents.delete(this);
  }
  /** @internal Frees the dependents, forgets the borrowed. @returns {number} the C handle */
  release() {
    for (const d of this.dependents) d.free();
    for (const h of this.#borrowed) this.unborrow(h);
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
  /** @private made by Lab#loadDataset */
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
  /**
   * The mean image (height*width floats in [0,1]; advlab_dataset_mean), where ART's MIFace
   * notebook starts its reconstructions.
   * @returns {Float32Array}
   */
  mean() {
    const core = this.#core;
    const size = this.height * this.width;
    return core.withScratch([4 * size], (p) => {
      core.check(core.c.dataset_mean(this.ptr, p));
      return core.f32(p, size).slice();
    }, 'Dataset.mean');
  }
  /**
   * The dataset as the two IDX files Lab#loadDataset reads, for example to give a worker the
   * same set.
   * @returns {{images: Uint8Array, labels: Uint8Array}} copies
   */
  toIdx() {
    const core = this.#core;
    return core.withScratch([4, 4, 4, 4], (pi, pni, pl, pnl) => {
      core.check(core.c.dataset_to_idx(this.ptr, pi, pni, pl, pnl));
      const u32 = new Uint32Array(core.memory);
      const take = (p, pn) => {
        const ptr = u32[p >> 2];
        try {
          return new Uint8Array(core.memory, ptr, u32[pn >> 2]).slice();
        } finally {
          core.c.buffer_free(ptr);
        }
      };
      return { images: take(pi, pni), labels: take(pl, pnl) };
    }, 'Dataset.toIdx');
  }

  /** Frees the dataset and any trainer or experiment using it. Idempotent. */
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
  /** @private made by Lab#createNet and Lab#netFromWeights */
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

  /**
   * Re-initialises the weights from seed, exactly as createNet does.
   * @param {number|bigint} seed u64
   */
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
    const core = this.#core;
    const ptr = core.withConfig('train', undefined, config, (cfg) =>
      core.out((o) => core.c.trainer_create(this.ptr, dataset.ptr, cfg, o)));
    return new Trainer(core, ptr, [this, dataset]);
  }

  /**
   * Prepares ART's AdversarialTrainer: each batch has ceil(ratio*batch) samples replaced by
   * adversarial examples crafted (with the true labels) against the weights of that moment, or,
   * in turn, against each static net (ensemble adversarial training). Run it like a Trainer.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {AdversarialOptions} [adversarial]
   * @returns {Trainer}
   */
  adversarialTrainer(dataset, config = {}, adversarial = {}) {
    checkKeys(adversarial, ['ratio', 'attack', 'staticNets'], 'adversarial training');
    const { ratio, attack, staticNets = [] } = adversarial;
    const core = this.#core;
    const c = core.c;
    const ptr = core.withConfig('train', undefined, config, (train) =>
      core.withConfig('adv', undefined, { ratio }, (adv) => {
        if (attack !== undefined) {
          // The attack starts from ART's defaults for its name, as createAttack's does.
          const { name, ...settings } = attack;
          const a = c.adv_config_attack(adv);
          core.withString('attack', (t) => core.withString(String(name), (n) =>
            core.check(c.config_default(t, n, a))));
          core.setConfig('attack', a, settings, `attack ${name}`);
        }
        for (const net of staticNets) core.check(c.adv_config_add_static(adv, net.ptr));
        return core.out((o) => c.adv_trainer_create(this.ptr, dataset.ptr, train, adv, o));
      }));
    return new Trainer(core, ptr, [this, dataset, ...staticNets]);
  }

  /**
   * Trains for config.epochs, yielding to the event loop every `chunk` batches.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {TrainHooks} [hooks]
   * @returns {Promise<Progress>} the report of the last epoch
   */
  async train(dataset, config = {}, hooks = {}) {
    return runTrainer(this.trainer(dataset, config), hooks);
  }

  /**
   * Adversarial training (see adversarialTrainer), run as train runs.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {AdversarialOptions} [adversarial] as for adversarialTrainer
   * @param {TrainHooks} [hooks]
   * @returns {Promise<Progress>} the report of the last epoch
   */
  async trainAdversarial(dataset, config = {}, adversarial = {}, hooks = {}) {
    return runTrainer(this.adversarialTrainer(dataset, config, adversarial), hooks);
  }

  /**
   * Prepares training for certification (Gowal et al.'s IBP training, Zhang et al.'s CROWN-IBP,
   * or Gaussian noise for randomized smoothing) through the ordinary trainer; run it like a
   * Trainer.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {CertifiedTraining} [certified]
   * @returns {Trainer}
   */
  certifiedTrainer(dataset, config = {}, certified = { certify: 'ibp' }) {
    const core = this.#core;
    const ptr = core.withConfig('train', undefined, config, (train) =>
      core.withConfig('certify_train', undefined, certified, (cert) =>
        core.out((o) => core.c.certify_trainer_create(this.ptr, dataset.ptr, train, cert, o))));
    return new Trainer(core, ptr, [this, dataset]);
  }

  /**
   * Certified training (see certifiedTrainer), run as train runs.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {CertifiedTraining} [certified]
   * @param {TrainHooks} [hooks]
   * @returns {Promise<Progress>} the report of the last epoch
   */
  async trainCertified(dataset, config = {}, certified = { certify: 'ibp' }, hooks = {}) {
    return runTrainer(this.certifiedTrainer(dataset, config, certified), hooks);
  }

  /**
   * Prepares robust training (issue 20): fast AT, TRADES or PGD training with an eps ramp,
   * through the ordinary trainer; run it like a Trainer. Fast AT's roll-back, when its check
   * finds a collapse, is told by the net's metadata "rolled_back".
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {RobustTraining} [robust]
   * @returns {Trainer}
   */
  robustTrainer(dataset, config = {}, robust = { trainer: 'fbf' }) {
    const { trainer, ...settings } = robust;
    const core = this.#core;
    const ptr = core.withConfig('train', undefined, config, (train) =>
      core.withConfig('robust_train', trainer, settings, (cfg) =>
        core.out((o) => core.c.robust_trainer_create(this.ptr, dataset.ptr, train, cfg, o))));
    return new Trainer(core, ptr, [this, dataset]);
  }

  /**
   * Robust training (see robustTrainer), run as train runs.
   * @param {Dataset} dataset
   * @param {TrainConfig} [config]
   * @param {RobustTraining} [robust]
   * @param {TrainHooks} [hooks]
   * @returns {Promise<Progress>} the report of the last epoch
   */
  async trainRobust(dataset, config = {}, robust = { trainer: 'fbf' }, hooks = {}) {
    return runTrainer(this.robustTrainer(dataset, config, robust), hooks);
  }

  /** @returns {Uint8Array} the weights as safetensors (a copy). */
  saveWeights() {
    return this.#core.bufferOut((b, l) => this.#core.c.weights_save(this.ptr, b, l));
  }

  /**
   * Replaces the parameters and metadata from a safetensors file of the same arch.
   * @param {Uint8Array|ArrayBuffer} bytes
   * @param {string} [name] used in error messages
   */
  loadWeights(bytes, name = 'weights.safetensors') {
    this.#core.withString(name, (n) => this.#core.withBytes(bytes, (p, len) =>
      this.#core.check(this.#core.c.weights_load(this.ptr, n, p, len)), name));
  }

  /**
   * Sets a metadata string carried into saved weights.
   * @param {string} key
   * @param {string} value
   */
  setMeta(key, value) {
    this.#core.withString(key, (k) => this.#core.withString(value, (v) =>
      this.#core.check(this.#core.c.net_set_meta(this.ptr, k, v))));
  }

  /**
   * @param {string} key
   * @returns {string|null} a metadata value, or null.
   */
  meta(key) {
    return this.#core.withString(key, (k) => this.#core.string(this.#core.c.net_meta(this.ptr, k)));
  }

  /** Frees the net, its io buffers and every trainer, attack or detector using it. Idempotent. */
  free() {
    if (this.freed) return;
    this.#core.c.net_free(this.release());
  }
}

/**
 * @typedef {{[key: string]: number|boolean|string|bigint|undefined}} ConfigKeys Keys of a C config
 *   (snake_case or camelCase), each set through its C setter: numbers, booleans (1/0), names
 *   ('sgd', 'inf') and seeds (u64).
 */

/**
 * @typedef {'fgsm'|'bim'|'pgd'|'deepfool'|'newtonfool'|'cw'|'square'|'hopskipjump'|'boundary'|
 *   'apgd'|'apgd-t'|'fab'|'lbfgs'|'jsma'} AttackName
 */

/**
 * @typedef {{name: AttackName} & ConfigKeys} AttackConfig {name, ...keys of advlab_attack_config}
 */

/**
 * @typedef {object} AdversarialOptions ART's AdversarialTrainer, for Net#adversarialTrainer
 * @property {number} [ratio] fraction of each batch replaced, 0..1 (0.5)
 * @property {AttackConfig} [attack] as for createAttack, untargeted (default: FGSM eps 0.2, the
 *   tutorial's); a given attack starts from ART's defaults
 * @property {Net[]} [staticNets] up to 4 fixed pre-trained nets, borrowed
 */

/**
 * @typedef {object} TrainConfig Mirrors advlab_train_config; missing keys take Lab#trainDefaults.
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
 * @property {number} [shards] a power of two up to 64: each batch's gradient is summed over this
 *   many shards in a fixed tree, so replicas can share them out (Trainer#shardGradient)
 */

/**
 * @typedef {object} TrainHooks
 * @property {(p: Progress) => void} [onEpoch] after each epoch
 * @property {(p: Progress) => void} [onProgress] after each chunk
 * @property {number} [chunk] batches between yields (50)
 * @property {AbortSignal} [signal] stops training (rejects with the signal's reason)
 */

// Runs a trainer to the end in chunks, yielding between them, then frees it.
async function runTrainer(t, { onEpoch, onProgress, chunk = 50, signal } = {}) {
  try {
    let p;
    while (!t.finished) {
      signal?.throwIfAborted();
      p = t.run(chunk);
      onProgress?.(p);
      if (p.epochDone) onEpoch?.(p);
      await nextTurn();
    }
    return p;
  } finally {
    t.free();
  }
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

/**
 * @typedef {object} GradientPart a node of a batch's gradient tree (Trainer#shardGradient)
 * @property {number} level the node covers shards [index << level, (index + 1) << level)
 * @property {number} index
 * @property {number} rows the batch rows in those shards
 * @property {number} correct of them, those the net classified right
 * @property {number} loss their summed loss
 * @property {Float32Array} grad the node's share of the batch's gradient
 */

/** Training of a net on a dataset, run in chunks of batches. */
export class Trainer extends Owned {
  #core;
  #params; // the net's parameter count: each gradient part's length
  #kept = null; // {ptr, parts}: the parts of shardGradient's `keep`, in the engine until a step
  /** @private ptr from trainer_create or adv_trainer_create; borrowed: net, dataset, ... */
  constructor(core, ptr, borrowed) {
    super(ptr, 'Trainer', borrowed);
    this.#core = core;
    this.#params = borrowed[0].paramCount;
  }

  /**
   * Runs at most maxBatches batches, stopping early at the end of an epoch.
   * @param {number} [maxBatches]
   * @returns {Progress}
   */
  run(maxBatches = 50) {
    const c = this.#core.c;
    this.#dropKept(); // of the batch it runs whole
    this.#core.check(c.trainer_run(this.ptr, intArg(maxBatches, 'run: maxBatches')));
    const p = this.#core.read('train_progress', c.trainer_progress(this.ptr));
    return { ...p, epochDone: p.epochDone !== 0 };
  }

  /** @returns {boolean} true once every epoch has run. */
  get finished() { return this.#core.c.trainer_finished(this.ptr) !== 0; }

  /**
   * The trainer's checkpoint state: everything but the weights that the run needs to continue
   * exactly where it stopped (optimizer moments and step, epoch and batch, shuffle RNG, settings).
   * Save the weights with Net#saveWeights alongside.
   * @returns {Uint8Array} a copy
   */
  saveState() {
    const core = this.#core;
    const len = core.c.trainer_state_size(this.ptr) >>> 0;
    const p = core.alloc(len);
    try {
      core.check(core.c.trainer_state_save(this.ptr, p, len));
      return new Uint8Array(core.memory, p, len).slice();
    } finally {
      core.c.free(p);
    }
  }

  /**
   * Continues from a state saved by a trainer with the same settings on a net holding the saved
   * weights; then the run finishes bit-identically to one that never stopped. Bytes from another
   * arch or settings, of the wrong size, or with NaNs throw, and the trainer is left as it was.
   * @param {Uint8Array|ArrayBuffer} bytes
   */
  restoreState(bytes) {
    const core = this.#core;
    core.withBytes(bytes, (p, len) => core.check(core.c.trainer_state_restore(this.ptr, p, len)));
    this.#dropKept(); // of another batch
  }

  /** @returns {number} the shards each batch is cut into (TrainConfig shards). */
  get shards() { return this.#core.c.trainer_shards(this.ptr); }

  /**
   * Data-parallel training: the gradient of shards [first, first + count) of the current batch,
   * as the nodes of the fixed tree that they fill. Changes no weights. Replicas (trainers made
   * the same way, on nets with the same weights) each make a share of the shards, and every one
   * steps with all the parts.
   * @param {number} first
   * @param {number} count
   * @param {object} [options]
   * @param {boolean} [options.keep] also keep the parts in the engine, where the next step takes
   *   them without being given them: a replica then sends its copies away (transferred) and
   *   steps with only the others' parts, each of its own copied out once and never back in
   * @param {Float32Array[]} [options.spares] buffers the copies may take (from the end) instead
   *   of new ones, those of the net's parameter count: a replica that gets its buffers back
   *   reuses them, and allocates nothing a batch (a new 4.4 MB buffer a part on Madry's net)
   * @returns {GradientPart[]} each with its gradient (a copy)
   */
  shardGradient(first, count, { keep = false, spares = [] } = {}) {
    const core = this.#core;
    const n = core.c.gradient_part_count(intArg(first, 'shardGradient: first'),
      intArg(count, 'shardGradient: count'));
    const block = this.#partBlock(Math.max(n, 1), Math.max(n, 1));
    try {
      core.check(core.c.trainer_shard_gradient(this.ptr, first, count, block.ptr));
      const size = core.sizeOf('gradient_part');
      const parts = Array.from({ length: n }, (_, i) => core.read('gradient_part', block.ptr + i * size));
      const copies = parts.map(({ grad, ...part }) => {
        const view = new Float32Array(core.memory, grad, this.#params);
        const spare = spares.pop();
        if (spare?.length !== this.#params) return { ...part, grad: view.slice() };
        spare.set(view);
        return { ...part, grad: spare };
      });
      if (keep) {
        this.#dropKept();
        this.#kept = { ptr: block.ptr, parts };
      }
      return copies;
    } finally {
      if (this.#kept?.ptr !== block.ptr) core.c.free(block.ptr);
    }
  }

  /**
   * Sums parts that cover every shard of the current batch once, whichever replicas made them,
   * and steps with the sum: the same bits as run(1) on one trainer. The parts are those given and
   * those kept by the last shardGradient with `keep`. Parts that miss or repeat a shard, or whose
   * gradients are the wrong size or hold a NaN or an infinity, throw, and the weights and the
   * trainer stay as they were (the kept parts too).
   * @param {GradientPart[]} parts
   * @returns {Progress}
   */
  step(parts) {
    const core = this.#core;
    const kept = this.#kept?.parts ?? [];
    if (!Array.isArray(parts) || parts.length + kept.length === 0) {
      throw new Error('step: expected an array of gradient parts');
    }
    const n = parts.length + kept.length;
    const block = this.#partBlock(n, parts.length);
    try {
      const size = core.sizeOf('gradient_part');
      parts.forEach((part, i) => {
        if (!(part?.grad instanceof Float32Array) || part.grad.length !== this.#params) {
          throw new Error(`step: part ${i}'s gradient is not a Float32Array of the net's ` +
            `${this.#params} parameters`);
        }
        new Float32Array(core.memory, block.grad(i), this.#params).set(part.grad);
        core.write('gradient_part', block.ptr + i * size, {
          level: intArg(part.level, `step: part ${i}'s level`),
          index: intArg(part.index, `step: part ${i}'s index`),
          rows: intArg(part.rows, `step: part ${i}'s rows`),
          correct: intArg(part.correct, `step: part ${i}'s correct`),
          loss: Number(part.loss),
          grad: block.grad(i),
        });
      });
      kept.forEach((part, j) => core.write('gradient_part', block.ptr + (parts.length + j) * size,
        part));
      core.check(core.c.trainer_step(this.ptr, block.ptr, n));
      this.#dropKept();
      const p = core.read('train_progress', core.c.trainer_progress(this.ptr));
      return { ...p, epochDone: p.epochDone !== 0 };
    } finally {
      core.c.free(block.ptr);
    }
  }

  // `structs` zeroed gradient parts in wasm memory at ptr, the first `buffers` of them each with
  // its gradient buffer at grad(i); the caller frees ptr. The buffers are left as they come: the
  // core writes every entry of each before reading it. Each starts on a cache line, as the core's
  // own buffers do (src/base/aligned.h).
  #partBlock(structs, buffers) {
    const core = this.#core;
    const size = core.sizeOf('gradient_part');
    const first = alignLine(structs * size), stride = alignLine(this.#params * 4);
    const ptr = core.alloc(first + buffers * stride, 'gradient parts');
    new Uint8Array(core.memory, ptr, structs * size).fill(0);
    const grad = (i) => ptr + first + i * stride;
    for (let i = 0; i < buffers; i++) core.write('gradient_part', ptr + i * size, { grad: grad(i) });
    return { ptr, grad };
  }

  #dropKept() {
    if (this.#kept) this.#core.c.free(this.#kept.ptr);
    this.#kept = null;
  }

  /** Frees the trainer (its optimizer state, and any parts it kept). Idempotent. */
  free() {
    if (this.freed) return;
    this.#dropKept();
    this.#core.c.trainer_free(this.release());
  }
}

/**
 * An attack on a net, made by Lab#createAttack. Its random stream (random starts) continues
 * across runs, so a fixed seed and sequence of calls give fixed results.
 */
export class Attack extends Owned {
  #core;
  #net;
  #defence = null;
  /** @private made by Lab#createAttack */
  constructor(core, ptr, net, name, targeted) {
    super(ptr, 'Attack', [net]);
    this.#core = core;
    this.#net = net;
    /** @type {string} 'fgsm', 'pgd', ... */ this.name = name;
    /** @type {boolean} whether run takes targets instead of labels */ this.targeted = targeted;
  }

  /**
   * Adversarial versions of n images.
   * @param {Float32Array|number[]} x n*inputSize floats in [0,1]
   * @param {object} [opts]
   * @param {Int32Array|number[]} [opts.labels] untargeted: the true classes; by default the
   *   model's own predictions (ART)
   * @param {Int32Array|number[]} [opts.targets] targeted attacks: the classes to reach (required)
   * @returns {Float32Array} n*inputSize adversarial images (a copy)
   */
  run(x, opts = {}) {
    return this.#run(x, opts, false).xAdv;
  }

  /**
   * Adversarial versions of n images, as run, with the model queries each image cost (the
   * black-box attacks only: square, hopskipjump, boundary), never more than its budget.
   * @param {Float32Array|number[]} x n*inputSize floats in [0,1]
   * @param {object} [opts] as for run
   * @param {Int32Array|number[]} [opts.labels]
   * @param {Int32Array|number[]} [opts.targets]
   * @returns {{xAdv: Float32Array, queries: Int32Array}} copies
   */
  runQueries(x, opts = {}) {
    return this.#run(x, opts, true);
  }

  /**
   * What this attack's runs have cost the model since it was made, counted in the net: images
   * passed forward (queries) and backward (gradient calls; 0 for the black-box attacks).
   * @returns {{forwardImages: number, backwardImages: number}}
   */
  counts() {
    const core = this.#core;
    return core.withScratch([core.sizeOf('attack_counts')], (p) => {
      core.c.attack_counts(this.ptr, p);
      return core.read('attack_counts', p);
    });
  }

  #run(x, opts, withQueries) {
    checkKeys(opts, ['labels', 'targets'], `attack ${this.name}`);
    const { labels, targets } = opts;
    if (this.targeted && labels !== undefined) {
      throw new Error(`attack ${this.name} is targeted: pass {targets}, not {labels}`);
    }
    if (!this.targeted && targets !== undefined) {
      throw new Error(`attack ${this.name} is untargeted: pass {labels}, or create it with ` +
        'targeted: true to use targets');
    }
    const core = this.#core;
    const xs = core.floats(x, `attack ${this.name}`);
    const n = imageCount(xs, this.#net.inputSize, `attack ${this.name}`);
    const given = this.targeted ? targets : labels;
    const y = given === undefined ? null : labelArray(given, n, `attack ${this.name}`);
    const sizes = [xs.byteLength, xs.byteLength, y ? 4 * n : null, withQueries ? 4 * n : null];
    return core.withScratch(sizes, (px, pAdv, py, pq) => {
      core.f32(px, xs.length).set(xs);
      if (y) core.i32(py, n).set(y);
      if (withQueries) {
        core.check(core.c.attack_run_queries(this.ptr, px, py, n, pAdv, pq));
        return { xAdv: core.f32(pAdv, xs.length).slice(), queries: core.i32(pq, n).slice() };
      }
      core.check(core.c.attack_run(this.ptr, px, py, n, pAdv));
      return { xAdv: core.f32(pAdv, xs.length).slice() };
    });
  }

  /**
   * Attacks the defended model net(pre(x)) instead; null restores the plain model. pre is
   * borrowed: freeing it frees this attack.
   * @param {Preprocessor|null} pre
   * @param {{gradient?: 'bpda'|'exact'}} [options] how the gradient crosses pre: 'bpda' (straight
   *   through, the adaptive attack; the default) or 'exact' (its true derivative: zero for
   *   squeezing and JPEG, so the naive attack is fooled by gradient masking)
   */
  setDefence(pre, { gradient = 'bpda' } = {}) {
    const mode = GRAD_MODES.indexOf(gradient);
    if (mode < 0) throw new Error(`attack: gradient "${gradient}" is neither bpda nor exact`);
    const ptr = pre ? pre.ptr : 0;
    this.#core.check(this.#core.c.attack_set_grad_mode(this.ptr, mode));
    this.#core.c.attack_set_preprocessor(this.ptr, ptr);
    if (this.#defence) this.unborrow(this.#defence);
    this.#defence = pre;
    if (pre) this.borrow(pre);
  }

  /** @returns {Preprocessor|null} the defence set by setDefence. */
  get defence() { return this.#defence; }

  /** Frees the attack's scratch. Idempotent. */
  free() {
    if (this.freed) return;
    this.#defence = null;
    this.#core.c.attack_free(this.release());
  }
}

/** A pre-processor defence, made by Lab#createPreprocessor. */
export class Preprocessor extends Owned {
  #core;
  /** @private made by Lab#createPreprocessor */
  constructor(core, ptr, name, imageSize) {
    super(ptr, 'Preprocessor');
    this.#core = core;
    /** @type {string} 'squeeze', 'median', 'jpeg' or 'noise' */ this.name = name;
    /** @type {number} values per image (height*width) */ this.imageSize = imageSize;
  }

  /**
   * @param {Float32Array|number[]} x n*imageSize floats in [0,1]
   * @returns {Float32Array} pre(x), the same shape (a copy)
   */
  apply(x) {
    const core = this.#core;
    const xs = core.floats(x, `pre-processor ${this.name}`);
    const n = imageCount(xs, this.imageSize, `pre-processor ${this.name}`);
    return core.withScratch([xs.byteLength], (p) => {
      core.f32(p, xs.length).set(xs);
      core.check(core.c.preprocessor_apply(this.ptr, p, n, p));
      return core.f32(p, xs.length).slice();
    });
  }

  /** Frees the pre-processor and every attack using it as its defence. Idempotent. */
  free() {
    if (this.freed) return;
    this.#core.c.preprocessor_free(this.release());
  }
}

/**
 * A detector of adversarial inputs, made by Lab#squeezeDetector or Lab#binaryDetector: it scores
 * each image, and flags those scoring above its threshold.
 */
export class Detector extends Owned {
  #core;
  #inputSize;
  /** @private made by Lab#squeezeDetector and Lab#binaryDetector */
  constructor(core, ptr, net, kind) {
    super(ptr, 'Detector', [net]);
    this.#core = core;
    this.#inputSize = net.inputSize;
    /** @type {'squeeze'|'binary'} */ this.kind = kind;
  }

  // Runs fn(ptr, n) with x copied into wasm memory, plus an output block of outBytes(n) bytes.
  #withImages(x, what, outBytes, fn) {
    const core = this.#core;
    const xs = core.floats(x, `detector ${what}`);
    const n = imageCount(xs, this.#inputSize, `detector ${what}`);
    return core.withScratch([xs.byteLength, outBytes(n)], (px, pout) => {
      core.f32(px, xs.length).set(xs);
      return fn(px, n, pout);
    });
  }

  /**
   * @param {Float32Array} x n*inputSize images
   * @returns {Float32Array} n scores (a copy)
   */
  score(x) {
    const core = this.#core;
    return this.#withImages(x, 'score', (n) => 4 * n, (px, n, pout) => {
      core.check(core.c.detector_score(this.ptr, px, n, pout));
      return core.f32(pout, n).slice();
    });
  }

  /**
   * Sets the threshold so that at most a fraction fpr of these clean images score above it.
   * @param {Float32Array} clean n*inputSize images
   * @param {number} fpr 0..1
   * @returns {number} the new threshold
   */
  calibrate(clean, fpr) {
    const core = this.#core;
    const rate = numberArg(fpr, 'fpr', 'detector calibrate');
    this.#withImages(clean, 'calibrate', () => 0, (px, n) =>
      core.check(core.c.detector_calibrate(this.ptr, px, n, rate)));
    return this.threshold;
  }

  /** @returns {number} the score above which an image is flagged. */
  get threshold() { return this.#core.c.detector_threshold(this.ptr); }
  set threshold(value) {
    const v = numberArg(value, 'threshold', 'detector');
    this.#core.check(this.#core.c.detector_set_threshold(this.ptr, v));
  }

  /**
   * @param {Float32Array} x n*inputSize images
   * @returns {Uint8Array} n flags, 1 where the image scores above the threshold (a copy)
   */
  detect(x) {
    const core = this.#core;
    return this.#withImages(x, 'detect', (n) => n, (px, n, pout) => {
      core.check(core.c.detector_detect(this.ptr, px, n, pout));
      return new Uint8Array(core.memory, pout, n).slice();
    });
  }

  /**
   * Trains a binary detector on n clean and n adversarial images, shuffled together.
   * @param {Float32Array} clean n*inputSize images (class 0)
   * @param {Float32Array} adv n*inputSize images (class 1)
   * @param {TrainConfig} [config] optimizer, epochs, batch and seed (limit is ignored)
   */
  train(clean, adv, config = {}) {
    const core = this.#core;
    const as = core.floats(adv, 'detector train: adv');
    this.#withImages(clean, 'train', () => as.byteLength, (pc, n, pa) => {
      if (as.length !== n * this.#inputSize) {
        throw new Error(`detector train: ${as.length / this.#inputSize} adversarial images for ` +
          `${n} clean ones`);
      }
      core.f32(pa, as.length).set(as);
      core.withConfig('train', undefined, config, (cfg) =>
        core.check(core.c.binary_detector_train(this.ptr, pc, pa, n, cfg)));
    });
  }

  /** Frees the detector. Idempotent. */
  free() {
    if (this.freed) return;
    this.#core.c.detector_free(this.release());
  }
}

// The C experiment behind Lab#experiment; it borrows the two datasets.
class Experiment extends Owned {
  #core;
  constructor(core, ptr, datasets) {
    super(ptr, 'Experiment', datasets);
    this.#core = core;
  }

  /** @returns {ExperimentProgress} */
  run(maxUnits) {
    const core = this.#core;
    core.check(core.c.experiment_run(this.ptr, maxUnits));
    return core.read('experiment_progress', core.c.experiment_progress(this.ptr));
  }

  get finished() { return this.#core.c.experiment_finished(this.ptr) !== 0; }

  reportJson() {
    const json = this.#core.string(this.#core.c.experiment_report_json(this.ptr));
    if (json === null) throw new Error('experiment: the report could not be built');
    return json;
  }

  /** The standard (0) or defended (1) model's weights as safetensors (a copy). */
  weights(which) {
    const core = this.#core;
    return core.bufferOut((b, l) => core.c.experiment_weights_save(this.ptr, which, b, l));
  }

  free() {
    if (this.freed) return;
    this.#core.c.experiment_free(this.release());
  }
}

// Runs a C handle's chunked work to its end: `${family}_run(ptr, chunk, &done, &total)` until
// `${family}_finished(ptr)`, telling report(done, total) after each chunk and yielding between
// chunks, so that a worker answers other requests meanwhile.
async function runToEnd(core, family, h, chunk, signal, report) {
  const { c } = core;
  while (!c[`${family}_finished`](h.ptr)) {
    signal?.throwIfAborted();
    const [done, total] = core.out2((d, t) => c[`${family}_run`](h.ptr, chunk, d, t));
    report(done, total);
    await nextTurn();
  }
}

// A C handle of the extraction family, freed by its export `freeName`.
class Handle extends Owned {
  #core;
  #freeName;
  constructor(core, ptr, name, freeName, borrowed) {
    super(ptr, name, borrowed);
    this.#core = core;
    this.#freeName = freeName;
  }

  free() {
    if (this.freed) return;
    this.#core.c[this.#freeName](this.release());
  }
}

// The C cleanse behind Lab#cleanse; it borrows the net and the dataset.
class Cleanse extends Owned {
  #core;
  constructor(core, ptr, borrowed) {
    super(ptr, 'Cleanse', borrowed);
    this.#core = core;
  }

  free() {
    if (this.freed) return;
    this.#core.c.cleanse_free(this.release());
  }
}

/**
 * A poisoning (keys of advlab_poison_config, camelCase or snake_case).
 * @typedef {object} PoisonSettings
 * @property {'pattern'|'pixel'|'mask'} [trigger] ART's add_pattern_bd (default), add_single_bd,
 *   or a drawn mask
 * @property {ArrayLike<number>} [mask] trigger 'mask': 784 values row by row, non-zero where the
 *   trigger is
 * @property {number|'all'} [source] the class poisoned ('all', the default)
 * @property {number|'next'} [target] the poisoned label ('next', the default: (y + 1) mod 10)
 * @property {number} [fraction] of the eligible rows, poisoned (0.1)
 * @property {boolean|number} [cleanLabel] Turner et al.'s clean-label backdoor (needs a proxy and
 *   a fixed target)
 * @property {number|'inf'} [norm] clean label: PGD's ball, 'inf' (default) or 2
 * @property {number} [eps] clean label: PGD's radius (0.3)
 * @property {number} [epsStep] clean label: PGD's step (0.1)
 * @property {number} [maxIter] clean label: PGD's iterations (100)
 * @property {number} [distance] pattern, pixel: from the bottom-right walls (2)
 * @property {number} [value] the trigger pixels' value (1)
 * @property {number|bigint} [seed] which rows (1)
 */

/**
 * @typedef {object} PoisonMetrics
 * @property {number} cleanAccuracy on the clean test images
 * @property {number} cleanN images measured
 * @property {number} attackSuccess triggered images classified as their target
 * @property {number} attackN triggered images measured
 */

/**
 * A cleansing (keys of advlab_cleanse_config).
 * @typedef {object} CleanseSettings
 * @property {'ac'|'spectral'} [defence] activation clustering (default) or spectral signatures
 * @property {number} [nbDims] ac: PCA dimensions (10)
 * @property {'smaller'|'relative_size'|'silhouette'} [analysis] ac: which cluster is poison
 *   ('silhouette')
 * @property {number} [sizeThreshold] ac: 0.35
 * @property {number} [silhouetteThreshold] ac: 0.1
 * @property {number} [restarts] ac: k-means++ runs (10)
 * @property {number} [expectedFraction] spectral: the poison expected in a class (0.33)
 * @property {number} [epsMultiplier] spectral: 1.5
 * @property {number|bigint} [seed] ac: k-means++ (1)
 */

/**
 * @typedef {object} ExtractOptions
 * @property {Dataset} test the images the theft is measured on
 * @property {number} [limit] test images (0, the default: all)
 * @property {'copycat'|'knockoff'} [method]
 * @property {string|({name: string} & ConfigKeys)} [postprocess] the victim's post-processor
 *   ('reverse_sigmoid', 'high_confidence', 'rounded', 'class_labels'), with its keys
 * @property {number} [queries] the budget (1000); and any other key of advlab_extract_config:
 *   sampling ('random'|'adaptive'), reward ('cert'|'div'|'loss'|'all'), epochs, batch, lr, eps,
 *   use_probability (1: learn the answers themselves, not their argmax), seed
 * @property {(p: {done: number, total: number, queries: number}) => void} [onProgress]
 * @property {number} [chunk] units between yields (16)
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} ExtractReport The theft measured (advlab_extract_report).
 * @property {number} queries the victim's answers the thief used
 * @property {number} victimAccuracy the victim's, behind its post-processor
 * @property {number} thiefAccuracy
 * @property {number} fidelity how often thief and victim agree
 * @property {number} transferRate FGSM made on the thief: share of the victim's right answers
 *   it flips
 * @property {number} whiteboxRate the same for FGSM made on the victim
 */

/**
 * @typedef {object} MembershipOptions
 * @property {'rule'|'blackbox'|'label_only'|'label-only'} [method]
 * @property {number} [members] members and as many non-members (500); and any other key of
 *   advlab_membership_config: epochs, lr (blackbox), starts, search_steps (label_only), seed
 * @property {(p: {done: number, total: number}) => void} [onProgress]
 * @property {number} [chunk] units between yields (16)
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} MembershipReport (advlab_membership_report)
 * @property {number} members measured members
 * @property {number} nonmembers measured non-members
 * @property {number} threshold a member iff its score is above it
 * @property {number} tpr
 * @property {number} fpr
 * @property {number} advantage tpr - fpr
 * @property {number} auc
 * @property {number} balancedAccuracy
 */

/**
 * @typedef {object} InvertOptions
 * @property {Float32Array|number[]} [start] the image every class starts from
 * @property {number} [max_iter] and the other keys of advlab_invert_config: window_length,
 *   threshold, learning_rate, init
 * @property {(p: {done: number, total: number}) => void} [onProgress] done: steps so far
 * @property {number} [chunk] steps between yields (50)
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} CleanseOptions
 * @property {ArrayLike<number>} [rows] the truly poisoned rows (ascending): precision and recall
 * @property {Dataset} [test] with poison: measure the models
 * @property {PoisonSettings} [poison] the poisoning to measure
 * @property {TrainConfig|boolean} [retrain] train a new model on the rows left
 * @property {(p: {stage: 'cleanse'|'retrain'} & object) => void} [onProgress] cleanse: {done,
 *   total} units; retrain: the training's Progress
 * @property {number} [chunk] cleanse units between yields (4)
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} CleanseResult
 * @property {object} report as `advlab cleanse --json` prints it
 * @property {Uint8Array} flags one per row, 1 where flagged as poison
 * @property {Uint8Array} clusters one per row: ac's cluster, spectral's flag
 * @property {Float32Array} points two per row: ac's first two reduced coordinates (within the
 *   row's class), spectral's (score, 0)
 * @property {Net} [net] retrain: the new model (the caller's to free)
 * @property {Dataset} [cleaned] retrain: the rows left (the caller's to free)
 */

/**
 * @typedef {object} EvaluateReport
 * @property {{suite: string, eps: number, norm: number, seed: number}} settings
 * @property {number} n images evaluated
 * @property {number} clean_accuracy
 * @property {number} robust_accuracy each image's worst case over the suite
 * @property {{name: string, accuracy: number, broke: number, gradient_calls: number,
 *   seconds: number}[]} members in order: the accuracy after each, the images it fooled first,
 *   its input gradients (one per image per pass) and wall time
 * @property {{images: number, zero_gradient_share: number, large_eps: number,
 *   large_eps_accuracy: number, naive_accuracy?: number, bpda_accuracy?: number}} checks on the
 *   first images: the naive/BPDA pair only under a defence
 * @property {{id: string, text: string}[]} warnings softmax, zero_gradients, random, black_box,
 *   large_eps, naive_above_bpda, each a sentence saying what it suggests
 */

/**
 * @typedef {object} UniversalResult
 * @property {Float32Array} perturbation v, inputSize values, within eps in the config's norm
 * @property {number} foolingRate on the fitting images: the share that clip(x + v) moves off
 *   their label, after the last pass
 * @property {number} fooled that count
 * @property {number} n fitting images
 * @property {number} passes passes over the fitting images, at most maxIter
 * @property {number} norm ||v|| in the config's norm
 * @property {number|null} heldOutFoolingRate on heldOut: the share whose prediction changes;
 *   null without heldOut
 * @property {number|null} heldOutFooled that count
 * @property {number} heldOutN held-out images (0 without heldOut)
 */

/**
 * @typedef {object} StripReport
 * @property {'strip'} defence
 * @property {object} settings num_samples, false_acceptance_rate, seed
 * @property {number} clean_images
 * @property {number} clean_mean the clean images' mean entropy (bits)
 * @property {number} clean_std and its deviation
 * @property {number} threshold entropy at or below which an input is flagged
 * @property {{prediction: number, entropy: number, flagged: boolean}[]} images
 */
