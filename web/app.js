// The lab page. It draws and shows; worker.js computes. The main thread never
// touches WebAssembly memory and does no work longer than a frame: the live
// analysis is one request in flight at a time, coalesced to animation frames,
// and training reports are drawn at most once per frame.
import { lineChart } from './ui/chart.js';
import { Pad } from './ui/pad.js';
import { argmax, drawDigit, drawPerturbation, probabilityBars } from './ui/render.js';
import { connect } from './ui/rpc.js';

const $ = (selector, root = document) => root.querySelector(selector);
const call = connect(window.labWorker, { onCrash: (reason) => recover(reason) });
const SLOTS = ['standard', 'defended'];
const COLORS = { standard: '#2563eb', defended: '#d97706', clean: '#475569', adv: '#dc2626' };
const CURVE_EPS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
const TUTORIAL_EPS = 0.2;

const state = { models: [], slots: {}, last: null, ready: false };
const cards = Object.fromEntries(SLOTS.map((slot) => {
  const root = $(`#${slot}`);
  return [slot, { root, bars: probabilityBars($('.bars', root)) }];
}));

// Offline after the first visit. Optional: registration fails harmlessly where service workers are
// unavailable (file://, some sandboxed iframes), and the page works without one.
navigator.serviceWorker?.register('./sw.js').catch(() => {});

function setStatus(text, isError = false) {
  const status = $('#status');
  status.textContent = text;
  status.classList.toggle('is-error', isError);
}

// What happened to the engine (a worker restarted, a run resumed), in its own live region so that
// the status line's later news does not hide it.
function setNotice(text) {
  $('#notice-text').textContent = text;
  $('#notice').hidden = !text;
}
$('#notice-close').addEventListener('click', () => setNotice(''));

// ------------------------------------------------------------ live analysis

const pad = new Pad($('#pad'), () => live.request());

function attackControls() {
  return {
    attack: { name: $('#attack').value, eps: Number($('#eps').value) },
    target: Number($('#target').value),
    mode: $('#mode').value,
    pre: $('#pre').value,
    gradient: $('#gradient').value,
    detect: $('#detect').checked,
  };
}

// One analysis in flight; requests made meanwhile collapse into one, sent on the next frame.
// body[data-live] is 'idle' once the latest input and models have been answered.
const live = {
  dirty: false,
  busy: false,
  frame: 0,
  changes: 0, // model changes under way; the analysis is redone after each
  async afterChange(work) {
    this.changes++;
    document.body.dataset.live = 'busy';
    try {
      return await work();
    } finally {
      this.changes--;
      this.request();
    }
  },
  request() {
    this.dirty = true;
    document.body.dataset.live = 'busy';
    this.frame ||= requestAnimationFrame(() => this.flush());
  },
  async flush() {
    this.frame = 0;
    if (this.busy || !this.dirty || !state.ready) return;
    this.dirty = false;
    this.busy = true;
    const ink = pad.ink();
    const controls = attackControls();
    try {
      const transfer = [(ink.alpha ?? ink.x).buffer];
      showAnalysis(await call('analyze', { ...ink, ...controls }, { transfer }), controls);
    } catch (error) {
      // After a crash, recover() asks again once a new worker is ready.
      if (!error.crashed) setStatus(error.message, true);
    } finally {
      this.busy = false;
      if (this.dirty) this.request();
      else if (!this.changes) document.body.dataset.live = 'idle';
    }
  },
};

function percent(p) { return `${(100 * p).toFixed(0)}%`; }

function showAnalysis(result, controls) {
  state.last = result;
  drawDigit($('#seen'), result.x);
  for (const slot of SLOTS) showSide(slot, result[slot], result.x, controls);
  if (!state.firstAnswerMs) {
    state.firstAnswerMs = performance.now();
    const seconds = (state.firstAnswerMs / 1000).toFixed(2);
    setStatus(`Ready: both models answered ${seconds} s after the page began loading.`);
    document.body.dataset.ready = 'true';
  }
}

function showSide(slot, side, x, { target, pre }) {
  const { root, bars } = cards[slot];
  const clean = argmax(side.clean);
  const adv = argmax(side.adv);
  // For tests and the curious: the answers, also as data attributes.
  root.dataset.clean = clean;
  root.dataset.adv = adv;
  root.dataset.probs = Array.from(side.clean).join(' ');
  drawDigit($('.img-input', root), side.seen);
  drawDigit($('.img-adv', root), side.xAdv);
  const gain = drawPerturbation($('.img-delta', root), x, side.xAdv);
  $('.gain', root).textContent = side.norms.linf > 0 ? `×${gain.toFixed(1)}` : '';
  const { linf, l2, l0 } = side.norms;
  $('.norms', root).textContent =
    `L∞ ${linf.toFixed(3)} · L2 ${l2.toFixed(2)} · L0 ${l0} pixels`;
  bars(side.clean, side.adv);
  $('.clean-class', root).textContent = clean;
  $('.clean-p', root).textContent = percent(side.clean[clean]);
  $('.adv-class', root).textContent = adv;
  $('.adv-p', root).textContent = percent(side.adv[adv]);
  // ART's success: a targeted attack reaches its target, an untargeted one changes the answer.
  const success = target >= 0 ? adv === target : adv !== clean;
  badge($('.outcome', root), success ? (target >= 0 ? `reached ${target}` : 'flipped') : 'holds',
    !success);
  const detector = $('.detector', root);
  detector.hidden = !side.flagged;
  if (side.flagged) {
    badge(detector, `detector: ${side.flagged.adv ? 'adversarial' : 'clean'}`, side.flagged.adv);
  }
  if (slot === 'defended') {
    $('.input-caption', root).textContent = pre === 'none' ? 'input' : 'input after pre-processor';
  }
}

function badge(el, text, good) {
  el.textContent = text;
  el.classList.toggle('good', good);
  el.classList.toggle('bad', !good);
}

function syncAttackControls() {
  const name = $('#attack').value;
  const bounded = ['fgsm', 'bim', 'pgd'].includes(name);
  $('#eps').disabled = !bounded;
  $('#eps-value').textContent = bounded ? Number($('#eps').value).toFixed(2) : 'minimal';
  $('#target').disabled = name === 'deepfool' || name === 'newtonfool';
  if ($('#target').disabled) $('#target').value = '-1';
  const transfer = $('#mode').value === 'transfer';
  $('#gradient').disabled = transfer || $('#pre').value === 'none';
}

for (const id of ['attack', 'eps', 'target', 'mode', 'pre', 'gradient', 'detect']) {
  $(`#${id}`).addEventListener('input', () => {
    syncAttackControls();
    live.request();
  });
}

// ------------------------------------------------------------ input

$('#undo').addEventListener('click', () => pad.undo());
$('#clear').addEventListener('click', () => {
  pad.clear();
  $('#digit-note').textContent = 'Draw a digit.';
});
$('#brush').addEventListener('input', (e) => { pad.brush = Number(e.target.value); });

async function showDigit(index) {
  const digit = await call('digit', { index });
  pad.showDigit(digit.x);
  $('#digit-note').textContent = `MNIST test image #${digit.index}, labelled ${digit.label}.`;
}

$('#random').addEventListener('click', () => {
  showDigit(Math.floor(Math.random() * 10000)).catch((e) => setStatus(e.message, true));
});

$('#upload').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    pad.showPicture(bitmap);
    bitmap.close();
    $('#digit-note').textContent = `Uploaded ${file.name}.`;
  } catch {
    setStatus(`${file.name}: not a PNG or JPEG image the browser can decode`, true);
  }
});

// ------------------------------------------------------------ models

// Fills a slot's select with every model, grouped, and shows where the chosen one came from.
function showSlot(info) {
  state.slots[info.slot] = info;
  const root = cards[info.slot].root;
  const groups = [['pretrained', (m) => m.source === 'pretrained'],
    ['trained or imported here', (m) => m.source !== 'pretrained']].map(([label, keep]) => {
    const group = document.createElement('optgroup');
    group.label = label;
    group.append(...state.models.filter(keep).map((m) => new Option(m.label, m.id)));
    return group;
  });
  const select = $('.model-select', root);
  select.replaceChildren(...groups.filter((g) => g.children.length));
  select.value = info.id;
  $('.provenance', root).textContent = [['defence', info.defence], ['training', info.training]]
    .filter(([, value]) => value).map(([key, value]) => `${key}: ${value}`).join(' · ');
}

// A new list of models (after training or an import), with the slots that changed.
function showModels(models, changed) {
  state.models = models;
  for (const slot of SLOTS) showSlot(changed.find((i) => i.slot === slot) ?? state.slots[slot]);
}

function showError(slot, message) {
  const error = $('.error', cards[slot].root);
  error.textContent = message;
  error.hidden = !message;
}

function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// The adversarial image as a 28x28 grey PNG in MNIST's convention (white ink on black).
function adversarialPng(xAdv) {
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * xAdv[i]);
    image.data.set([v, v, v, 255], 4 * i);
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}

for (const slot of SLOTS) {
  const root = cards[slot].root;
  $('.model-select', root).addEventListener('change', (e) => live.afterChange(async () => {
    try {
      showSlot(await call('setModel', { slot, id: e.target.value }));
      showError(slot, '');
    } catch (error) {
      showError(slot, error.message);
    }
  }));
  $('.export', root).addEventListener('click', async () => {
    try {
      const { bytes, name } = await call('exportModel', { slot });
      download(new Blob([bytes], { type: 'application/octet-stream' }), name);
    } catch (error) {
      showError(slot, `Export failed. ${error.message}`);
    }
  });
  $('.import', root).addEventListener('change', (e) => live.afterChange(async () => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { info, models } = await call('importModel', { slot, bytes, name: file.name },
        { transfer: [bytes.buffer] });
      showModels(models, [info]);
      showError(slot, '');
    } catch (error) {
      showError(slot, `Import failed, the current model is kept. ${error.message}`);
    }
  }));
  $('.download', root).addEventListener('click', async () => {
    if (!state.last) return;
    download(await adversarialPng(state.last[slot].xAdv), `adversarial-${slot}.png`);
  });
}

// ------------------------------------------------------------ training

const axis = { xLabel: 'epochs', yMin: 0 };
const charts = {
  loss: lineChart($('#chart-loss'), { ...axis, series: SLOTS.map((slot) =>
    ({ color: COLORS[slot], label: `${slot} loss` })) }),
  accuracy: lineChart($('#chart-accuracy'), { ...axis, yMax: 1, format: percent,
    series: [{ color: COLORS.clean, label: 'clean' }, { color: COLORS.adv, label: 'FGSM ε' }] }),
  speed: lineChart($('#chart-speed'), { ...axis, format: (v) => v.toFixed(0),
    series: [{ color: COLORS.standard, label: 'images/s' }] }),
  curve: lineChart($('#chart-curve'), { yMin: 0, yMax: 1, format: percent, dots: true,
    xLabel: 'ε (FGSM)', series: SLOTS.map((slot) => ({ color: COLORS[slot], label: slot })) }),
};
for (const draw of Object.values(charts)) draw([], 1);

const training = {
  running: false,
  series: null,
  frame: 0,
  reset(order, epochs) {
    this.order = order;
    this.epochs = epochs;
    this.series = { loss: { standard: [], defended: [] }, clean: [], adv: [], speed: [] };
  },
  // x = epochs into the whole run: the standard model's, then the defended model's.
  add(p) {
    const x = this.order.indexOf(p.slot) * this.epochs + p.epoch - 1 +
      p.batchInEpoch / p.batchesPerEpoch;
    const s = this.series;
    push(s.loss[p.slot], [x, p.loss]);
    push(s.speed, [x, p.imagesPerSec]);
    if (p.test) {
      push(s.clean, [x, p.test.clean]);
      push(s.adv, [x, p.test.adv]);
    }
    this.latest = p;
    this.frame ||= requestAnimationFrame(() => this.draw());
  },
  // Draws a pending frame now, so that a status set next is not overwritten by older progress.
  flush() {
    if (!this.frame) return;
    cancelAnimationFrame(this.frame);
    this.draw();
  },
  draw() {
    this.frame = 0;
    const p = this.latest;
    const xMax = this.order.length * this.epochs;
    const s = this.series;
    $('#train-progress').value = p.fraction;
    $('#eta').textContent = formatSeconds(p.eta);
    $('#train-status').textContent = `${p.slot} model: epoch ${p.epoch}/${p.epochs}, batch ` +
      `${p.batchInEpoch}/${p.batchesPerEpoch}, loss ${p.loss.toFixed(4)}, train accuracy ` +
      `${percent(p.accuracy)}, ${Math.round(p.imagesPerSec)} images/s`;
    charts.loss([s.loss.standard, s.loss.defended], xMax);
    charts.accuracy([s.clean, s.adv], xMax);
    charts.speed([s.speed], xMax);
  },
};

// Appends a point, keeping every other one once a series reaches MAX_POINTS, so a long run
// costs no more to draw than a short one.
const MAX_POINTS = 300;
function push(series, point) {
  series.push(point);
  if (series.length < MAX_POINTS) return;
  const kept = series.filter((_, i) => i % 2 === 0 || i === series.length - 1);
  series.splice(0, series.length, ...kept);
}

function formatSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  const t = Math.ceil(s);
  return t < 60 ? `${t} s` : `${Math.floor(t / 60)} min ${t % 60} s`;
}

function trainSettings() {
  const form = $('#train-form');
  if (!form.reportValidity()) return null;
  const f = Object.fromEntries(new FormData(form));
  return {
    which: f.which,
    settings: { epochs: Number(f.epochs), batch: Number(f.batch), lr: Number(f.lr),
      attack: f.attack, eps: Number(f.eps), ratio: Number(f.ratio), seed: Number(f.seed),
      limit: Number(f.limit || 0) },
  };
}

function setTrainingButtons(running, paused = false) {
  $('#train').disabled = running;
  $('#pause').disabled = !running || paused;
  $('#resume').disabled = !running || !paused;
  $('#cancel').disabled = !running;
}

function onTrainProgress(p) {
  if (p.kind === 'mnist') {
    $('#mnist-progress').value = p.total ? p.loaded / p.total : 0;
  } else if (p.kind === 'checkpoint') {
    setNotice(`Could not save a training checkpoint (${p.error}); training goes on without it.`);
  } else {
    training.add(p);
  }
}

// Runs a training request ({which, settings}, or {resume: true} with the checkpoint's summary) to
// its end. A worker crash is left to recover(), which resumes the run from its checkpoint.
async function runTraining(request, { order, epochs }) {
  training.reset(order, epochs);
  training.running = true;
  hidePrompt();
  setTrainingButtons(true);
  $('#train-progress').value = 0;
  $('#train-status').textContent = request.resume ? 'Resuming from the checkpoint…'
    : 'Loading MNIST…';
  try {
    const result = await call('train', request, { onProgress: onTrainProgress });
    training.flush();
    $('#mnist-progress').value = 1;
    showModels(result.models, result.slots);
    $('#train-status').textContent = result.cancelled ? 'Cancelled; the models on show are kept.'
      : 'Done: the new models are on show and saved in this browser.';
    training.running = false;
    live.request();
  } catch (error) {
    if (error.crashed) return;
    training.running = false;
    training.flush();
    $('#train-status').textContent = error.message;
  } finally {
    if (!training.running) setTrainingButtons(false);
  }
}

$('#train').addEventListener('click', () => {
  const request = trainSettings();
  if (!request) return;
  const order = request.which === 'both' ? SLOTS : [request.which];
  runTraining(request, { order, epochs: request.settings.epochs });
});

// ------------------------------------------------------------ checkpoints and crashes

// The run a checkpoint belongs to, in words.
function describeCheckpoint(c) {
  const saved = new Date(c.created).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const before = c.which === 'both' && c.slot === 'defended' ? 'the standard model is done; ' : '';
  return `${before}${describePlace(c)} (saved ${saved})`;
}

// Where a run stopped: {slot, epoch: full epochs done, batch: batches into the next, epochs,
// batchesPerEpoch}.
function describePlace(at) {
  const within = at.batch ? `, and ${at.batch} of ${at.batchesPerEpoch} batches into the next` : '';
  return `${at.slot} model at epoch ${at.epoch} of ${at.epochs}${within}`;
}

// The order and epochs of a checkpoint's run, for the charts; its settings go back in the form.
function checkpointRun(c) {
  const form = $('#train-form');
  form.elements.which.value = c.which;
  for (const [name, value] of Object.entries(c.settings)) {
    if (form.elements[name]) form.elements[name].value = value;
  }
  return { order: c.which === 'both' ? SLOTS : [c.which], epochs: c.epochs };
}

function showPrompt(c) {
  $('#resume-text').textContent = `A training run was interrupted: ${describeCheckpoint(c)}.`;
  $('#resume-prompt').hidden = false;
  $('#checkpoint-resume').onclick = () => runTraining({ resume: true }, checkpointRun(c));
  $('#checkpoint-discard').onclick = async () => {
    hidePrompt();
    await call('discardCheckpoint').catch((error) => setStatus(error.message, true));
  };
}

function hidePrompt() { $('#resume-prompt').hidden = true; }

// Restarts after a crash at most this often, so a worker that cannot start does not loop.
const MAX_RESTARTS = 3;
const restarts = [];

// A new worker after a crash: the models on show come back from IndexedDB, and a training run
// goes on from its last checkpoint.
async function recover(reason) {
  const wasTraining = training.running;
  const now = Date.now();
  restarts.push(now);
  while (restarts[0] < now - 60000) restarts.shift();
  if (!state.ready || restarts.length > MAX_RESTARTS) {
    setNotice(`The engine's worker stopped (${reason}) and is not restarted: reload the page.`);
    setTrainingButtons(false);
    return;
  }
  state.ready = false;
  window.labWorker = new Worker('./worker.js', { type: 'module' });
  call.replace(window.labWorker);
  document.body.dataset.workers = Number(document.body.dataset.workers ?? 1) + 1;
  setNotice(`The engine's worker stopped (${reason}). Starting a new one…`);
  try {
    const init = await call('init');
    state.models = init.models;
    for (const info of init.slots) showSlot(info);
    state.ready = true;
    live.request();
    const c = init.checkpoint;
    if (wasTraining && c) {
      setNotice(`The engine's worker stopped (${reason}). A new one took over and training goes ` +
        `on from its last checkpoint: ${describeCheckpoint(c)}.`);
      runTraining({ resume: true }, checkpointRun(c));
    } else {
      training.running = false;
      setTrainingButtons(false);
      const lost = wasTraining ? '; the run had no checkpoint yet, so press Train again' : '';
      setNotice(`The engine's worker stopped (${reason}). A new one took over with the models on ` +
        `show${lost}.`);
    }
  } catch (error) {
    if (!error.crashed) {
      setNotice(`The engine's worker stopped and could not restart: ${error.message}`);
    }
  }
}

// Pause, resume and cancel: a worker that dies meanwhile is recover()'s to report.
function trainingControl(work) {
  return () => work().catch((error) => {
    if (!error.crashed) $('#train-status').textContent = error.message;
  });
}

$('#pause').addEventListener('click', trainingControl(async () => {
  $('#pause').disabled = true;
  const { paused, at } = await call('pause');
  if (!paused) return;
  setTrainingButtons(true, true);
  training.flush();
  $('#train-status').textContent = `Paused, with a checkpoint: ${describePlace(at)}.`;
}));
$('#resume').addEventListener('click', trainingControl(async () => {
  await call('resume');
  setTrainingButtons(true, false);
}));
$('#cancel').addEventListener('click', trainingControl(() => call('cancel')));

// ------------------------------------------------------------ robustness

function robustProgress(p) { $('#robust-progress').value = p.fraction; }

async function runRobust(button, work) {
  button.disabled = true;
  $('#robust-progress').value = 0;
  try {
    await work();
  } catch (error) {
    setStatus(error.message, true);
  } finally {
    button.disabled = false;
  }
}

$('#curves').addEventListener('click', (e) => runRobust(e.target, async () => {
  const r = await call('curves', { n: Number($('#robust-n').value), eps: CURVE_EPS },
    { onProgress: robustProgress });
  charts.curve(SLOTS.map((slot) => r.eps.map((e, i) => [e, r[slot][i]])), CURVE_EPS.at(-1));
}));

$('#measure').addEventListener('click', (e) => runRobust(e.target, async () => {
  const { rows } = await call('measure', { n: Number($('#robust-n').value), eps: TUTORIAL_EPS },
    { onProgress: robustProgress });
  $('#measurements tbody').replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    for (const text of [r.label, `${(100 * r.value).toFixed(2)}%`, r.n, r.seconds.toFixed(2)]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: text }));
    }
    return tr;
  }));
}));

// ------------------------------------------------------------ start

async function start() {
  syncAttackControls();
  const init = await call('init');
  state.models = init.models;
  for (const info of init.slots) showSlot(info);
  state.ready = true;
  if (init.checkpoint) showPrompt(init.checkpoint);
  pad.showDigit(init.digit.x);
  $('#digit-note').textContent = `MNIST test image #${init.digit.index}, labelled ` +
    `${init.digit.label}.`;
}

start().catch((error) => setStatus(`Could not start: ${error.message}`, true));
