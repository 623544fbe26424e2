// The lab page's worker: it owns the advlab WebAssembly module, the two models
// on show (the "standard" and the "defended" slot), MNIST and any training.
//
// Protocol: the page posts {id, op, args}; the worker answers {id, ok, result}
// or {id, ok: false, error}, and streams {id, op: 'progress', ...} during long
// work (MNIST download, training, curves). Result buffers are transferred.
// Long work runs in chunks of about CHUNK_MS and yields between them, so
// pause, cancel and live attacks are answered while a model trains.
//
// Slots survive a reload: each slot's choice (a pretrained model, or the
// safetensors bytes of one trained or imported here) is kept in IndexedDB.
// So does a training run: it is checkpointed (weights and trainer state) when
// each model starts, after every epoch and on pause, and {resume: true}
// continues it bit-identically after a reload or a crash.
//
// Liveness: the worker posts {op: 'heartbeat'} every HEARTBEAT_MS, so the page
// can tell a busy worker from a dead one, and {op: 'fatal'} before closing when
// the engine has aborted (a WebAssembly trap leaves the module unusable).

import { countCorrect } from './evaluate.js';
import { EvalPool, defaultPoolSize } from './pool.js';

// Resolved against this module, not the worker's base URL: a widget in a sandboxed iframe runs
// this file by import() from a data: URL worker (see web/widget/engine.js).
const WEIGHTS = new URL('../../data/weights/', import.meta.url).href;
const MNIST = new URL('../../data/mnist/', import.meta.url).href;
const SLOTS = ['standard', 'defended'];
const DEFAULT_MODEL = { standard: 'standard', defended: 'fgsm' };
const CHUNK_MS = 30;
const PROGRESS_MS = 250;
const EVAL_MS = 2500;
const EVAL_IMAGES = 500;
const DETECTOR_IMAGES = 1000;
const MAX_BATCH = 64;
// MNIST test image #7, a 9: FGSM at the tutorial's eps 0.2 fools the pretrained standard model
// on it and not the defended one, so the page opens on the lab's point.
const START_DIGIT = 7;
const HEARTBEAT_MS = 1000;
// Imports larger than this are refused before they reach the engine: the largest shipped model
// (madry) is 13 MB.
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

// What the first answer needs is fetched at once, in parallel: the engine (imported
// dynamically so that its bytes download while its module loads), the manifest, the
// default models' weights and the digit the page opens on. Widgets (web/widget/engine.js names
// their worker WIDGET_WORKER) fetch only what they ask for.
const WIDGET_WORKER = 'advlab-widgets';
const forLabPage = self.name !== WIDGET_WORKER;
let lab;
const wasmBytes = fetchBytes(new URL('../gen/advlab_core.wasm', import.meta.url));
const labReady = Promise.all([import('../advlab.js'), wasmBytes])
  .then(([{ createLab }, wasmBinary]) => createLab({ wasmBinary }))
  .then((created) => { lab = created; });
const digitReady = forLabPage ? startDigit() : null;
const manifestReady = fetchBytes(`${WEIGHTS}manifest.json`)
  .then((bytes) => JSON.parse(new TextDecoder().decode(bytes)));
const weightFiles = new Map(); // file name -> Promise of its bytes
manifestReady.then((m) => {
  if (!forLabPage) return;
  const defaults = Object.values(DEFAULT_MODEL);
  for (const entry of m.models) if (defaults.includes(entry.id)) weightBytes(entry.file);
}, () => {});
let manifest = { models: [] };
const slots = {}; // slot -> {net, info}
const datasets = {}; // 'train' | 't10k' -> Promise<Dataset>
let preprocessors;
let detector = null; // the squeeze detector on the defended slot's net
// The training run: {paused, cancelled, wake, parked, stoppedAt}; parked holds the pause requests
// waiting for the run to stop and checkpoint, and stoppedAt is where it stopped.
let job = null;

// Answers the pause requests waiting on the run with where it stopped, or with nothing when it
// has ended.
function unpark(at) {
  for (const resolve of job.parked.splice(0)) resolve(at);
}

// ------------------------------------------------------------ helpers

// Yields to the event loop without setTimeout's 4 ms clamp on nested timers.
const yieldChannel = new MessageChannel();
const yieldQueue = [];
yieldChannel.port1.onmessage = () => yieldQueue.shift()();
function nextTurn() {
  return new Promise((resolve) => {
    yieldQueue.push(resolve);
    yieldChannel.port2.postMessage(0);
  });
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

async function fetchBytes(url) {
  return new Uint8Array(await (await fetchOk(url)).arrayBuffer());
}

// A gzip file inflated by the browser; onBytes(loaded, total) as its compressed bytes arrive.
async function fetchGzip(url, onBytes) {
  const response = await fetchOk(url);
  const total = Number(response.headers.get('content-length')) || 0;
  let loaded = 0;
  const counter = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      onBytes(loaded, total);
      controller.enqueue(chunk);
    },
  });
  const inflated = response.body.pipeThrough(counter).pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

// MNIST's 'train' or 't10k' split as a dataset, downloaded once; the download's progress (in
// compressed bytes of both files) goes to request `id`.
function mnist(split, id) {
  datasets[split] ??= (async () => {
    const files = [`${split}-images-idx3-ubyte.gz`, `${split}-labels-idx1-ubyte.gz`];
    const loaded = [0, 0];
    const totals = [0, 0];
    let last = 0;
    const onBytes = (i) => (bytes, total) => {
      loaded[i] = bytes;
      totals[i] = total;
      const [sum, size] = [loaded[0] + loaded[1], totals[0] + totals[1]];
      const now = performance.now();
      if (id === undefined || (now - last < PROGRESS_MS && sum < size)) return;
      last = now;
      postMessage({ id, op: 'progress', kind: 'mnist', split, loaded: sum, total: size });
    };
    const [pixels, labels] = await Promise.all(
      files.map((f, i) => fetchGzip(MNIST + f, onBytes(i))));
    return lab.loadDataset(pixels, labels, files[0]);
  })();
  return datasets[split];
}

// The first n inflated bytes of a gzip file, reading no further.
async function gzipHead(url, n) {
  const reader = (await fetchOk(url)).body.pipeThrough(new DecompressionStream('gzip')).getReader();
  const head = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${url}: ends after ${got} bytes, expected at least ${n}`);
    head.set(value.subarray(0, n - got), got);
    got += Math.min(value.length, n - got);
  }
  reader.cancel();
  return head;
}

// The digit the page opens on, read from the head of the test files before the whole set has
// downloaded (an IDX image file has a 16-byte header, a label file 8 bytes).
async function startDigit() {
  const [images, labels] = await Promise.all([
    gzipHead(`${MNIST}t10k-images-idx3-ubyte.gz`, 16 + (START_DIGIT + 1) * 784),
    gzipHead(`${MNIST}t10k-labels-idx1-ubyte.gz`, 8 + START_DIGIT + 1),
  ]);
  const x = Float32Array.from(images.subarray(16 + START_DIGIT * 784), (v) => v / 255);
  return { x, label: labels[8 + START_DIGIT], index: START_DIGIT };
}

// Images [start, end) of a dataset as floats in [0,1].
function images(ds, start, end) {
  return Float32Array.from(ds.pixels.subarray(start * 784, end * 784), (v) => v / 255);
}

// The first n images of a dataset, with their labels.
function firstImages(ds, n) {
  const count = Math.min(n, ds.count);
  return { x: images(ds, 0, count), labels: Int32Array.from(ds.labels.subarray(0, count)) };
}

// Predicted probabilities of one image (784 floats) as a copy.
function probsOf(net, x) {
  net.input.set(x);
  net.predict(1);
  return net.probs.slice(0, net.classes);
}

// ------------------------------------------------------------ IndexedDB
// Three stores: 'models' holds the models trained or imported here ({id, label, about, source,
// bytes, created}; about is what the page names a model by, in its language: see modelList),
// 'slots' which model each slot shows ({slot, id}), and 'checkpoints' the training run under way
// (one record, run 'current'; see saveCheckpoint).

const KEPT_MODELS = 8;

let dbPromise;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open('advlab-lab', 2);
    req.onupgradeneeded = () => {
      const keys = { models: 'id', slots: 'slot', checkpoints: 'run' };
      for (const [name, keyPath] of Object.entries(keys)) {
        if (!req.result.objectStoreNames.contains(name)) {
          req.result.createObjectStore(name, { keyPath });
        }
      }
    };
    // A tab of an older version holding the database open blocks the upgrade: this tab goes on
    // without storage rather than wait. Tabs of this version give way to a newer one.
    req.onblocked = () => reject(new Error('the lab is open in another tab of an older version'));
    req.onsuccess = () => {
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

// Runs fn(objectStore) in a transaction on one store; resolves with its request's result.
async function store(name, mode, fn) {
  const tx = (await db()).transaction(name, mode);
  const req = fn(tx.objectStore(name));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
  });
}

// The models kept here, newest first, without their bytes.
async function keptModels() {
  const all = await store('models', 'readonly', (s) => s.getAll());
  return all.sort((a, b) => b.created - a.created)
    .map(({ id, label, about, source, created }) => ({ id, label, about, source, created }));
}

// Keeps a model, dropping the oldest beyond KEPT_MODELS that no slot shows.
async function keepModel(record) {
  await store('models', 'readwrite', (s) => s.put(record));
  const shown = new Set(SLOTS.map((slot) => slots[slot]?.info.id));
  const stale = (await keptModels()).slice(KEPT_MODELS).filter((m) => !shown.has(m.id));
  for (const m of stale) await store('models', 'readwrite', (s) => s.delete(m.id));
}

// ------------------------------------------------------------ checkpoints

// The run under way: its request, the slot in training, where it is, and the bytes to go on from.
// At the start of a slot there is nothing to keep but the place: that slot starts afresh.
function saveCheckpoint(run, slot, net, trainer, place) {
  const started = place.epoch > 0 || place.batch > 0;
  const record = { run: 'current', ...run, slot, ...place, created: Date.now(),
    ...(started ? { weights: net.saveWeights(), state: trainer.saveState() } : {}) };
  return store('checkpoints', 'readwrite', (s) => s.put(record));
}

function loadCheckpoint() {
  return store('checkpoints', 'readonly', (s) => s.get('current')).catch(() => undefined);
}

function dropCheckpoint() {
  return store('checkpoints', 'readwrite', (s) => s.delete('current')).catch(() => {});
}

// What the page shows about a checkpoint: no bytes.
function checkpointSummary(c) {
  if (!c) return null;
  const { which, settings, slot, epoch, epochs, batch, batchesPerEpoch, created } = c;
  return { which, settings, slot, epoch, epochs, batch, batchesPerEpoch, created };
}

// ------------------------------------------------------------ slots

// Every model the page can choose: the pretrained ones, then those kept here.
// Each model has an English label (for messages, and for models kept before `about` existed).
// The page names a pretrained model by its id, and one kept here by `about`, in its own language:
// {kind: 'trained', slot, epochs, attack, eps, ratio} (when: `created`) or
// {kind: 'imported', name}.
async function modelList() {
  const pretrained = manifest.models.map(({ id, label }) => ({ id, label, source: 'pretrained' }));
  return [...pretrained, ...(await keptModels().catch(() => []))];
}

// Builds a net from safetensors bytes and checks it takes MNIST digits.
function netFrom(bytes, name) {
  const net = lab.netFromWeights(bytes, name, MAX_BATCH);
  if (net.inputSize !== 784 || net.classes !== 10) {
    const shape = `${net.inputSize} inputs and ${net.classes} classes`;
    net.free();
    throw new Error(`${name}: the model has ${shape}; the lab needs 28x28 inputs and 10 classes`);
  }
  return net;
}

// The nets the slots show, by slot name.
function slotNets() {
  return Object.fromEntries(SLOTS.map((slot) => [slot, slots[slot].net]));
}

// Puts a net in a slot, freeing the one it replaces.
function install(slot, net, { id, label, source }) {
  slots[slot]?.net.free();
  const info = {
    slot, id, label, source, arch: net.arch,
    command: net.meta('command'), defence: net.meta('defence'), training: net.meta('training'),
  };
  slots[slot] = { net, info };
  if (slot === 'defended') detector = null;
  return info;
}

function weightBytes(file) {
  if (!weightFiles.has(file)) weightFiles.set(file, fetchBytes(WEIGHTS + file));
  return weightFiles.get(file);
}

// Shows model `id` (pretrained or kept here) in a slot and remembers the choice.
async function choose(slot, id) {
  const entry = manifest.models.find((m) => m.id === id);
  let info;
  if (entry) {
    const net = netFrom(await weightBytes(entry.file), entry.file);
    info = install(slot, net, { id, label: entry.label, source: 'pretrained' });
  } else {
    const record = await store('models', 'readonly', (s) => s.get(id));
    if (!record) throw new Error(`model "${id}" is neither pretrained nor kept in this browser`);
    info = install(slot, netFrom(record.bytes, record.label), record);
  }
  await store('slots', 'readwrite', (s) => s.put({ slot, id })).catch(() => {});
  return info;
}

// Restores a slot's last choice, falling back to its default pretrained model.
async function restore(slot) {
  const saved = await store('slots', 'readonly', (s) => s.get(slot)).catch(() => undefined);
  if (saved) {
    try {
      return await choose(slot, saved.id);
    } catch {
      // A model no longer shipped or kept: the default below.
    }
  }
  return choose(slot, DEFAULT_MODEL[slot]);
}

// Keeps safetensors bytes as a new model and shows it in a slot; a bad file throws first, and the
// slot keeps the model it had. `file` is what error messages call the bytes (an import's name).
async function adopt(slot, bytes, { label, about, file = label }, source) {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new Error(`${file}: ${bytes.length} bytes is over the limit of ${MAX_IMPORT_BYTES}`);
  }
  const created = Date.now();
  const record = { id: `${source}:${created}:${slot}`, label, about, source, bytes, created };
  const info = install(slot, netFrom(bytes, file), record);
  await keepModel(record);
  await store('slots', 'readwrite', (s) => s.put({ slot, id: record.id }));
  return info;
}

// ------------------------------------------------------------ analysis

function preprocessorsOf() {
  preprocessors ??= {
    squeeze: lab.createPreprocessor({ name: 'squeeze' }),
    median: lab.createPreprocessor({ name: 'median' }),
    jpeg: lab.createPreprocessor({ name: 'jpeg' }),
  };
  return preprocessors;
}

// The feature-squeezing detector on the defended model, at 5% false positives.
async function squeezeDetector() {
  if (!detector) {
    const { net } = slots.defended;
    const test = await mnist('t10k');
    const d = lab.squeezeDetector(net);
    d.calibrate(firstImages(test, DETECTOR_IMAGES).x, 0.05);
    if (slots.defended.net !== net) d.free();
    else detector = d;
  }
  return detector;
}

// The attack's settings for one live image: iterative attacks take 20 steps of eps/8.
function attackSettings({ name, eps }, target) {
  const targeted = target >= 0 ? { targeted: true } : {};
  switch (name) {
    case 'fgsm': return { name, eps, ...targeted };
    case 'bim': return { name, eps, eps_step: eps / 8, max_iter: 20, ...targeted };
    case 'pgd':
      return { name, eps, eps_step: eps / 8, max_iter: 20, num_random_init: 1, ...targeted };
    case 'cw': return { name, ...targeted };
    default: return { name };
  }
}

// The adversarial version of x against net, behind pre as `gradient` says.
function attackImage(net, x, attack, target, pre, gradient) {
  const bounded = ['fgsm', 'bim', 'pgd'].includes(attack.name);
  if (bounded && attack.eps === 0) return x.slice();
  const a = lab.createAttack(net, attackSettings(attack, target));
  try {
    if (pre && gradient !== 'unaware') a.setDefence(pre, { gradient });
    return a.run(x, target >= 0 ? { targets: [target] } : {});
  } finally {
    a.free();
  }
}

function norms(x, xAdv) {
  let linf = 0;
  let l2 = 0;
  let l0 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = xAdv[i] - x[i];
    linf = Math.max(linf, Math.abs(d));
    l2 += d * d;
    l0 += d !== 0;
  }
  return { linf, l2: Math.sqrt(l2), l0 };
}

function side(net, x, xAdv, pre) {
  const seen = pre ? pre.apply(x) : x;
  const seenAdv = pre ? pre.apply(xAdv) : xAdv;
  return {
    clean: probsOf(net, seen), adv: probsOf(net, seenAdv), xAdv, seen, norms: norms(x, xAdv),
  };
}

// The 28x28 input: given, or a drawing's ink put through MNIST's normalisation.
function inputOf({ x, alpha, width, height }) {
  return x ?? lab.preprocessDrawing(alpha, width, height);
}

// ------------------------------------------------------------ training

function trainingNet(slot, settings) {
  const maxBatch = Math.max(MAX_BATCH, settings.batch);
  if (slot === 'standard') {
    return lab.createNet({ arch: 'tutorial', maxBatch, seed: settings.seed });
  }
  // As in the tutorial (and `advlab experiment`), the defended model starts from the standard one.
  return lab.netFromWeights(slots.standard.net.saveWeights(), 'standard model', maxBatch);
}

function trainerFor(net, slot, train, settings) {
  const config = { epochs: settings.epochs, batch: settings.batch, lr: settings.lr,
    seed: settings.seed, limit: settings.limit };
  if (slot === 'standard') return net.trainer(train, config);
  const attack = settings.attack === 'pgd'
    ? { name: 'pgd', eps: settings.eps, eps_step: (2.5 * settings.eps) / 7, max_iter: 7,
      num_random_init: 1 }
    : { name: 'fgsm', eps: settings.eps };
  return net.adversarialTrainer(train, config, { ratio: settings.ratio, attack });
}

// A model trained here: its English label and what the page names it by (see modelList).
function trainedName(slot, { epochs, attack, eps, ratio }) {
  const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const how = slot === 'standard' ? `${epochs} epochs`
    : `${attack.toUpperCase()} eps ${eps} ratio ${ratio}, ${epochs} epochs`;
  return { label: `${slot}, trained here ${time} (${how})`,
    about: { kind: 'trained', slot, epochs, attack, eps, ratio } };
}

// Clean and FGSM accuracy of net on a fixed test subset.
function evaluate(net, subset, eps) {
  const clean = net.evaluate(subset.ds, subset.labels.length).accuracy;
  if (eps === 0) return { clean, adv: clean };
  const a = lab.createAttack(net, { name: 'fgsm', eps });
  try {
    const xAdv = a.run(subset.x, { labels: subset.labels });
    return { clean, adv: lab.attackMetrics(net, subset.x, xAdv, subset.labels).advAccuracy };
  } finally {
    a.free();
  }
}

// Waits while paused; each pause first checkpoints the run, then answers the pause request with
// `at`, the place it checkpointed.
async function waitWhilePaused(checkpoint, at) {
  if (!job.paused || job.cancelled) return;
  await checkpoint();
  job.stoppedAt = at;
  unpark(at);
  while (job.paused && !job.cancelled) await new Promise((resolve) => { job.wake = resolve; });
  job.stoppedAt = null;
}

// Where a trainer is after a run() that reported p: full epochs done, then batches into the next.
function placeAfter({ epoch, epochs, batchInEpoch, batchesPerEpoch, epochDone }) {
  return epochDone ? { epoch, batch: 0, batchesPerEpoch, epochs }
    : { epoch: epoch - 1, batch: batchInEpoch, batchesPerEpoch, epochs };
}

// The net and trainer for one slot of a run: new, or from the checkpoint `from` (same slot).
function startSlot(slot, settings, train, from) {
  const net = trainingNet(slot, settings);
  try {
    if (from) net.loadWeights(from.weights, 'checkpoint');
    const trainer = trainerFor(net, slot, train, settings);
    if (from) trainer.restoreState(from.state);
    return { net, trainer };
  } catch (error) {
    net.free();
    throw error;
  }
}

// Trains one slot's model in chunks, checkpointing as it goes; returns the net, or null when
// cancelled. `from` is the checkpoint to go on from, if any.
async function trainSlot(id, run, slot, train, subset, plan, from) {
  const { settings } = run;
  const { net, trainer } = startSlot(slot, settings, train, from);
  let batches = 1;
  let lastPost = 0;
  let lastEval = performance.now();
  const { epoch = 0, batch = 0, batchesPerEpoch = plan.perEpoch, epochs = settings.epochs } =
    from ?? {};
  let place = { epoch, batch, batchesPerEpoch, epochs };
  // A checkpoint that cannot be written (storage full or refused) does not stop the run: the page
  // is told, and the run goes on without it.
  const checkpoint = () => saveCheckpoint(run, slot, net, trainer, place).catch((error) => {
    postMessage({ id, op: 'progress', kind: 'checkpoint', error: error?.message ?? String(error) });
  });
  try {
    if (!from) await checkpoint();
    while (!trainer.finished) {
      await waitWhilePaused(checkpoint, { slot, ...place });
      if (job.cancelled) break;
      const start = performance.now();
      const p = trainer.run(batches);
      const ms = performance.now() - start;
      plan.done += p.batchInEpoch - plan.epochBatch;
      plan.epochBatch = p.epochDone ? 0 : p.batchInEpoch;
      plan.busyMs += ms;
      place = placeAfter(p);
      batches = Math.max(1, Math.min(64, Math.round((batches * CHUNK_MS) / Math.max(ms, 1))));
      // The last epoch is not checkpointed: the finished model is kept as soon as it is done.
      if (p.epochDone && !trainer.finished) await checkpoint();
      const now = performance.now();
      const evalDue = p.epochDone || now - lastEval > EVAL_MS;
      const test = evalDue ? evaluate(net, subset, settings.eps) : undefined;
      if (evalDue) lastEval = performance.now();
      if (evalDue || now - lastPost > PROGRESS_MS) {
        lastPost = now;
        postMessage({ id, op: 'progress', kind: 'train', slot, ...p, test,
          fraction: plan.done / plan.total,
          eta: ((plan.total - plan.done) * plan.busyMs) / Math.max(plan.done, 1) / 1000 });
      }
      await nextTurn();
    }
  } finally {
    trainer.free();
  }
  if (!job.cancelled) return net;
  net.free();
  return null;
}

// One training run per browser profile, held as a Web Lock for the run's length: two tabs' runs
// would write the same checkpoint. A worker just terminated (a crash) may hold the lock a moment
// longer, so a request waits LOCK_WAIT_MS for it. Without Web Locks (not a secure context) runs
// are not kept apart.
const TRAINING_LOCK = 'advlab-training';
const LOCK_WAIT_MS = 3000;

async function withTrainingLock(run) {
  if (!navigator.locks) return run();
  try {
    return await navigator.locks.request(TRAINING_LOCK,
      { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, run);
  } catch (error) {
    if (error?.name !== 'TimeoutError') throw error;
    throw new Error('another tab of this lab is training: let it finish there, or cancel it');
  }
}

// Whether a run holds the lock now: at start, another tab's (its checkpoint is then not an
// interrupted run); after a crash, perhaps still the dead worker's.
async function trainingLockHeld() {
  if (!navigator.locks) return false;
  const { held } = await navigator.locks.query();
  return held.some((lock) => lock.name === TRAINING_LOCK);
}

// The training run behind ops.train, within its job.
async function trainRun({ which, settings, resume }, id) {
  const from = resume ? await loadCheckpoint() : null;
  if (resume && !from) throw new Error('there is no interrupted training run to resume');
  const run = from ? { which: from.which, settings: from.settings } : { which, settings };
  const [train, test] = await Promise.all([mnist('train', id), mnist('t10k', id)]);
  const subset = { ds: test, ...firstImages(test, EVAL_IMAGES) };
  const order = run.which === 'both' ? SLOTS : [run.which];
  const { limit } = run.settings;
  const count = limit > 0 ? Math.min(limit, train.count) : train.count;
  const perEpoch = Math.ceil(count / run.settings.batch);
  const perModel = perEpoch * run.settings.epochs;
  const first = from ? order.indexOf(from.slot) : 0;
  const plan = { done: first * perModel + (from ? from.epoch * perEpoch + from.batch : 0),
    total: perModel * order.length, perEpoch, busyMs: 0, epochBatch: from?.batch ?? 0 };
  const infos = [];
  for (const slot of order.slice(first)) {
    const net = await trainSlot(id, run, slot, train, subset, plan,
      slot === from?.slot && from.weights ? from : null);
    plan.epochBatch = 0;
    if (!net) {
      await dropCheckpoint();
      return { result: { cancelled: true, slots: infos, models: await modelList() } };
    }
    const bytes = net.saveWeights();
    net.free();
    infos.push(await adopt(slot, bytes, trainedName(slot, run.settings), 'trained'));
  }
  await dropCheckpoint();
  return { result: { cancelled: false, resumed: Boolean(from), slots: infos,
    models: await modelList() } };
}

// ------------------------------------------------------------ ops

const ops = {
  async init() {
    manifest = await manifestReady;
    const [digit, ...infos] = await Promise.all([digitReady, ...SLOTS.map(restore)]);
    mnist('t10k').catch(() => {}); // for random digits and the detector, in the background
    const checkpoint = checkpointSummary(await loadCheckpoint());
    const trainingElsewhere = await trainingLockHeld();
    return {
      result: { models: await modelList(), slots: infos, version: lab.version, digit, checkpoint,
        trainingElsewhere },
      transfer: [digit.x.buffer],
    };
  },

  async digit({ index }) {
    const test = await mnist('t10k');
    const i = Math.max(0, Math.min(test.count - 1, index));
    const x = images(test, i, i + 1);
    return { result: { x, label: test.labels[i], index: i }, transfer: [x.buffer] };
  },

  // Both models on one input, clean and attacked: {x, standard, defended}.
  async analyze(args) {
    const { attack, target, mode, pre: preName, gradient, detect } = args;
    const x = inputOf(args);
    const pre = preName === 'none' ? null : preprocessorsOf()[preName];
    const std = slots.standard.net;
    const def = slots.defended.net;
    const stdAdv = attackImage(std, x, attack, target, null, gradient);
    const defAdv = mode === 'transfer' ? stdAdv.slice() : attackImage(def, x, attack, target, pre,
      gradient);
    const standard = side(std, x, stdAdv, null);
    const defended = side(def, x, defAdv, pre);
    if (detect) {
      const d = await squeezeDetector();
      const both = new Float32Array(2 * 784);
      both.set(x);
      both.set(defAdv, 784);
      const [clean, adv] = d.detect(both);
      defended.flagged = { clean: clean === 1, adv: adv === 1 };
    }
    const buffers = [x, standard.xAdv, defended.xAdv, defended.seen].map((a) => a.buffer);
    return { result: { x, standard, defended }, transfer: [...new Set(buffers)] };
  },

  async setModel({ slot, id }) {
    return { result: await choose(slot, id) };
  },

  async exportModel({ slot }) {
    const bytes = slots[slot].net.saveWeights();
    return { result: { bytes, name: `advlab-${slot}.safetensors` }, transfer: [bytes.buffer] };
  },

  // Validates the file by building a net from it; a bad file throws and the slot stays as it was.
  async importModel({ slot, bytes, name }) {
    const info = await adopt(slot, bytes,
      { label: `${name} (imported)`, about: { kind: 'imported', name }, file: name }, 'imported');
    return { result: { info, models: await modelList() } };
  },

  // Trains the standard model, the defended one (adversarial training from the standard), or both;
  // {resume: true} goes on from the checkpoint of an interrupted run instead, and with
  // {paused: true} it waits for resume() first. One run at a time in the whole browser profile.
  async train({ which, settings, resume, paused = false }, id) {
    if (job) throw new Error('a training run is already going: cancel it first');
    job = { paused, cancelled: false, wake: null, parked: [], stoppedAt: null };
    try {
      return await withTrainingLock(() => trainRun({ which, settings, resume }, id));
    } finally {
      unpark();
      job = null;
    }
  },

  async discardCheckpoint() {
    await dropCheckpoint();
    return { result: { discarded: true } };
  },

  // Answers once the run has stopped and its checkpoint is saved, with where it stopped: {slot,
  // epoch, batch, epochs, batchesPerEpoch} as in the checkpoint. A run that ends first answers
  // {paused: false}.
  async pause() {
    if (!job) return { result: { paused: false } };
    if (job.stoppedAt) return { result: { paused: true, at: job.stoppedAt } };
    job.paused = true;
    const at = await new Promise((resolve) => job.parked.push(resolve));
    return { result: at ? { paused: true, at } : { paused: false } };
  },

  async resume() {
    if (job) {
      job.paused = false;
      job.wake?.();
    }
    return { result: { paused: false } };
  },

  async cancel() {
    if (job) {
      job.cancelled = true;
      unpark();
      job.wake?.();
    }
    return { result: { cancelled: Boolean(job) } };
  },

  // Accuracy against FGSM at each eps, for both models, on the first n test images.
  async curves({ n, eps, workers }, id) {
    const tasks = SLOTS.flatMap((model) => eps.map((e) => ({ model, eps: e })));
    const { counts, n: count, pool: size } = await evaluateTasks(slotNets(), tasks, n, workers,
      id, 'curves');
    const result = { eps, n: count, workers: size };
    for (const slot of SLOTS) {
      result[slot] = counts.splice(0, eps.length).map((c) => c / count);
    }
    return { result };
  },

  // The tutorial's measurements, the rows `advlab experiment` reports; the page words each kind.
  async measure({ n, eps, workers }, id) {
    const rows = [
      ['cleanStandard', { model: 'standard', eps: 0 }],
      ['fgsmStandard', { model: 'standard', eps }],
      ['transfer', { model: 'defended', craftedOn: 'standard', eps }],
      ['fgsmDefended', { model: 'defended', eps }],
      ['cleanDefended', { model: 'defended', eps: 0 }],
    ];
    const { counts, seconds, n: count } = await evaluateTasks(slotNets(),
      rows.map(([, task]) => task), n, workers, id, 'measure');
    return {
      result: {
        rows: rows.map(([kind, task], i) => ({ kind, eps: task.eps, value: counts[i] / count,
          n: count, seconds: seconds[i] })),
      },
    };
  },
};

// ------------------------------------------------------------ evaluations

let pool = null; // the evaluation pool, made on first use and kept
// Pool failures in a row. A failure falls back to this worker and the next request tries a new
// pool; after MAX_POOL_FAILURES in a row (no nested workers here: an opaque origin, an old
// browser) the pool is given up until a reload.
let poolFailures = 0;
const MAX_POOL_FAILURES = 2;

// Runs evaluation tasks (web/evaluate.js) on `nets` (model name -> Net) over the first n test
// images: across the pool when there are several cores (or `workers` asks for a size), else here
// between yields. Progress goes to request id.
async function evaluateTasks(nets, tasks, n, workers = defaultPoolSize(), id, kind) {
  const test = await mnist('t10k', id);
  const { x, labels } = firstImages(test, n);
  const onTask = (done, total) =>
    postMessage({ id, op: 'progress', kind, fraction: done / total });
  if (workers > 1 && poolFailures < MAX_POOL_FAILURES) {
    try {
      const result = await inPool(nets, tasks, x, labels, workers, onTask);
      poolFailures = 0;
      return { ...result, n: labels.length, pool: workers };
    } catch {
      poolFailures += 1;
      pool?.terminate();
      pool = null;
    }
  }
  const seconds = [];
  const counts = await countCorrect(lab, nets, x, labels, tasks, {
    afterStep: nextTurn,
    onTask: (i, s) => {
      seconds.push(s);
      onTask(i + 1, tasks.length);
    },
  });
  return { counts, seconds, n: labels.length, pool: 1 };
}

async function inPool(nets, tasks, x, labels, workers, onTask) {
  if (pool?.size !== workers) {
    pool?.terminate();
    pool = new EvalPool(workers, await wasmBytes);
  }
  const models = Object.fromEntries(Object.entries(nets).map(([m, net]) => [m, net.saveWeights()]));
  return pool.run({ models, x, labels, tasks, onTask });
}

// ------------------------------------------------------------ embedded widgets
// The <advlab-demo> widgets (web/advlab-demo.js) share this worker. Each request names its
// models by id, so widgets showing different models share one engine; their nets are cached
// here by id, apart from the lab page's slots, and nothing is kept in IndexedDB. Models trained
// in a widget live as long as the worker.

const widgetNets = new Map(); // model id -> Promise of {net, info}
let widgetTrained = 0;

function widgetModel(id) {
  if (!widgetNets.has(id)) {
    widgetNets.set(id, (async () => {
      const entry = (await manifestReady).models.find((m) => m.id === id);
      if (!entry) throw new Error(`model "${id}" is not one of the pretrained models`);
      const net = netFrom(await weightBytes(entry.file), entry.file);
      return { net, info: { id, source: 'pretrained' } };
    })());
    widgetNets.get(id).catch(() => widgetNets.delete(id));
  }
  return widgetNets.get(id);
}

// One test digit; before the test set has downloaded, only the head of its files is read.
async function widgetDigit(index) {
  if (datasets.t10k) return ops.digit({ index });
  const i = Math.max(0, Math.min(9999, Math.trunc(index)));
  const [pixels, labels] = await Promise.all([
    gzipHead(`${MNIST}t10k-images-idx3-ubyte.gz`, 16 + (i + 1) * 784),
    gzipHead(`${MNIST}t10k-labels-idx1-ubyte.gz`, 8 + i + 1),
  ]);
  const x = Float32Array.from(pixels.subarray(16 + i * 784), (v) => v / 255);
  return { result: { x, label: labels[8 + i], index: i }, transfer: [x.buffer] };
}

Object.assign(ops, {
  widgetDigit: ({ index }) => widgetDigit(index),

  // Each named model on one input, clean and attacked: {x, models: [side + {id}]}. With `pre`,
  // the models see the input through it and the attack follows `gradient`, as on the lab page.
  async widgetAnalyze(args) {
    const { models, attack, target = -1, pre: preName = 'none', gradient = 'unaware' } = args;
    const x = inputOf(args);
    const pre = preName === 'none' ? null : preprocessorsOf()[preName];
    if (preName !== 'none' && !pre) throw new Error(`unknown defence "${preName}"`);
    const results = [];
    for (const id of models) {
      const { net } = await widgetModel(id);
      const xAdv = attackImage(net, x, attack, target, pre, gradient);
      results.push({ id, ...side(net, x, xAdv, pre) });
    }
    const buffers = [x, ...results.flatMap((r) => [r.xAdv, r.seen])].map((a) => a.buffer);
    return { result: { x, models: results }, transfer: [...new Set(buffers)] };
  },

  // Accuracy against FGSM at each eps, for each named model, on the first n test images.
  async widgetCurve({ models, eps, n }, id) {
    const nets = Object.fromEntries(await Promise.all(
      models.map(async (m) => [m, (await widgetModel(m)).net])));
    const tasks = models.flatMap((model) => eps.map((e) => ({ model, eps: e })));
    const { counts, n: count } = await evaluateTasks(nets, tasks, n, undefined, id, 'curves');
    const accuracy = Object.fromEntries(models.map((m) => [m,
      counts.splice(0, eps.length).map((c) => c / count)]));
    return { result: { eps, n: count, accuracy } };
  },

  // Adversarially trains a copy of model `from` (or, with ratio 0, trains it further on clean
  // images) and keeps the result as a new model for the widgets.
  async widgetTrain({ from, settings }, id) {
    const [train, test] = await Promise.all([mnist('train', id), mnist('t10k', id)]);
    const base = (await widgetModel(from)).net;
    const net = lab.netFromWeights(base.saveWeights(), from, Math.max(MAX_BATCH, settings.batch));
    const slot = settings.ratio > 0 ? 'defended' : 'standard';
    const trainer = trainerFor(net, slot, train, settings);
    const subset = { ds: test, ...firstImages(test, EVAL_IMAGES) };
    try {
      while (!trainer.finished) {
        const p = trainer.run(4);
        postMessage({ id, op: 'progress', kind: 'train', ...p,
          fraction: ((p.epoch - 1) * p.batchesPerEpoch + p.batchInEpoch) /
            (p.epochs * p.batchesPerEpoch) });
        await nextTurn();
      }
    } finally {
      trainer.free();
    }
    const info = { id: `widget:${++widgetTrained}`, source: 'trained',
      test: evaluate(net, subset, settings.eps) };
    widgetNets.set(info.id, Promise.resolve({ net, info }));
    return { result: info };
  },
});

setInterval(() => postMessage({ op: 'heartbeat' }), HEARTBEAT_MS);

onmessage = async ({ data: { id, op, args = {} } }) => {
  try {
    if (!Object.hasOwn(ops, op)) throw new Error(`worker: unknown op "${op}"`);
    await labReady;
    const { result, transfer = [] } = await ops[op](args, id);
    postMessage({ id, ok: true, result }, transfer);
  } catch (error) {
    postMessage({ id, ok: false, error: error.message });
    // A trap (an abort, memory out of bounds) leaves the module unusable: say so and stop, and
    // the page starts a new worker.
    if (error instanceof WebAssembly.RuntimeError) {
      postMessage({ op: 'fatal', error: error.message });
      close();
    }
  }
};
