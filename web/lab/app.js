// The lab page. It draws and shows; worker.js computes. The main thread never
// touches WebAssembly memory and does no work longer than a frame: the live
// analysis is one request in flight at a time, coalesced to animation frames,
// and training reports are drawn at most once per frame. Every string it shows is in
// web/i18n/ (keys "lab."), said through ui/lang.js so that the language switch can say it again.
import { lineChart } from '../ui/chart.js';
import { clock, formatNumber, formatPercent, message, number, onLanguage, percent, say, show,
  startLanguage, text } from '../ui/lang.js';
import { Pad } from '../ui/pad.js';
import { argmax, drawDigit, drawPerturbation, probabilityBars } from '../ui/render.js';
import { connect } from '../ui/rpc.js';

const $ = (selector, root = document) => root.querySelector(selector);
const call = connect(window.labWorker, { onCrash: (_, cause) => recover(crashCause(cause)) });
const SLOTS = ['standard', 'defended'];
const COLORS = { standard: '#2563eb', defended: '#d97706', clean: '#475569', adv: '#dc2626' };

// Each slot's card title, weights-menu label and name in a sentence.
const SLOT_WORDS = {
  standard: { title: 'lab.card.standard', weights: 'lab.weights.standard',
    name: 'lab.slot.standard' },
  defended: { title: 'lab.card.defended', weights: 'lab.weights.defended',
    name: 'lab.slot.defended' },
};
const slotName = (slot) => message(SLOT_WORDS[slot].name);

const state = { models: [], slots: {}, last: null, lastControls: null, ready: false,
  measurements: null };

// A model card, cloned from the page's template, with the slot's name as its id.
function makeCard(slot) {
  const root = $('#model-card').content.firstElementChild.cloneNode(true);
  root.id = slot;
  $('.model-title', root).dataset.i18n = SLOT_WORDS[slot].title;
  $('.model-select', root).dataset.i18nAttr = `aria-label: ${SLOT_WORDS[slot].weights}`;
  $('.models').append(root);
  return root;
}

const cards = Object.fromEntries(SLOTS.map((slot) => {
  const root = makeCard(slot);
  return [slot, { root, bars: probabilityBars($('.bars', root)) }];
}));
startLanguage($('#lang'));

// Offline after the first visit. Optional: registration fails harmlessly where service workers are
// unavailable (file://, some sandboxed iframes), and the page works without one.
navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => {});

function setStatus(key, values, isError = false) {
  const status = $('#status');
  say(status, key, values);
  status.classList.toggle('is-error', isError);
}

// An error whose message is the engine's (or the worker's): its words as they are, framed.
const failed = (error) => ({ message: error.message });

// What happened to the engine (a worker restarted, a run resumed), in its own live region so that
// the status line's later news does not hide it. A null key hides it.
function setNotice(key, values) {
  say($('#notice-text'), key, values);
  $('#notice').hidden = key === null;
}
$('#notice-close').addEventListener('click', () => setNotice(null));

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
      if (!error.crashed) setStatus('lab.failed', failed(error), true);
    } finally {
      this.busy = false;
      if (this.dirty) this.request();
      else if (!this.changes) document.body.dataset.live = 'idle';
    }
  },
};

function showAnalysis(result, controls) {
  state.last = result;
  state.lastControls = controls;
  drawDigit($('#seen'), result.x);
  for (const slot of SLOTS) showSide(slot, result[slot], result.x, controls);
  if (!state.firstAnswerMs) {
    state.firstAnswerMs = performance.now();
    setStatus('lab.ready', { seconds: number(state.firstAnswerMs / 1000, 2) });
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
  show($('.gain', root), side.norms.linf > 0 ? `×${formatNumber(gain, 1)}` : '');
  const { linf, l2, l0 } = side.norms;
  say($('.norms', root), 'lab.norms', { linf: number(linf, 3), l2: number(l2, 2), l0: number(l0) });
  bars(side.clean, side.adv);
  $('.clean-class', root).textContent = clean;
  show($('.clean-p', root), formatPercent(side.clean[clean]));
  $('.adv-class', root).textContent = adv;
  show($('.adv-p', root), formatPercent(side.adv[adv]));
  // ART's success: a targeted attack reaches its target, an untargeted one changes the answer.
  const success = target >= 0 ? adv === target : adv !== clean;
  const outcome = success ? (target >= 0 ? 'lab.reached' : 'lab.flipped') : 'lab.holds';
  badge($('.outcome', root), !success, outcome, { target });
  const detector = $('.detector', root);
  detector.hidden = !side.flagged;
  if (side.flagged) {
    badge(detector, side.flagged.adv, 'lab.detectorSays',
      { verdict: message(side.flagged.adv ? 'lab.adversarial' : 'lab.clean') });
  }
  if (slot === 'defended') {
    say($('.input-caption', root),
      pre === 'none' ? 'lab.caption.input' : 'lab.caption.preprocessed');
  }
}

function badge(el, good, key, values) {
  say(el, key, values);
  el.classList.toggle('good', good);
  el.classList.toggle('bad', !good);
}

function syncAttackControls() {
  const name = $('#attack').value;
  const bounded = ['fgsm', 'bim', 'pgd'].includes(name);
  $('#eps').disabled = !bounded;
  if (bounded) show($('#eps-value'), formatNumber(Number($('#eps').value), 2));
  else say($('#eps-value'), 'lab.minimal');
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
  say($('#digit-note'), 'lab.drawDigit');
});
$('#brush').addEventListener('input', (e) => { pad.brush = Number(e.target.value); });

async function showDigit(index) {
  const digit = await call('digit', { index });
  pad.showDigit(digit.x);
  showDigitNote(digit);
}

function showDigitNote({ index, label }) {
  say($('#digit-note'), 'lab.digitNote', { index, label });
}

$('#random').addEventListener('click', () => {
  showDigit(Math.floor(Math.random() * 10000))
    .catch((e) => setStatus('lab.failed', failed(e), true));
});

$('#upload').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    pad.showPicture(bitmap);
    bitmap.close();
    say($('#digit-note'), 'lab.uploaded', { name: file.name });
  } catch {
    setStatus('lab.notImage', { name: file.name }, true);
  }
});

// ------------------------------------------------------------ models

// Fills a slot's select with every model, grouped, and shows where the chosen one came from.
function showSlot(info) {
  state.slots[info.slot] = info;
  const root = cards[info.slot].root;
  const groups = [['lab.group.pretrained', (m) => m.source === 'pretrained'],
    ['lab.group.here', (m) => m.source !== 'pretrained']].map(([label, keep]) => {
    const group = document.createElement('optgroup');
    group.label = text(label);
    group.append(...state.models.filter(keep).map((m) => new Option(modelName(m), m.id)));
    return group;
  });
  const select = $('.model-select', root);
  select.replaceChildren(...groups.filter((g) => g.children.length));
  select.value = info.id;
  // The model's own metadata (written by the engine in English), under translated headings.
  show($('.provenance', root), [['lab.provenance.defence', info.defence],
    ['lab.provenance.training', info.training]]
    .filter(([, value]) => value).map(([key, value]) => text(key, { value })).join(' · '));
}

// The pretrained models' names, by manifest id; a model the page does not know keeps its label.
const PRETRAINED_NAMES = { standard: 'lab.modelName.standard', fgsm: 'lab.modelName.fgsm',
  pgd: 'lab.modelName.pgd' };
const TRAINED_NAMES = { standard: 'lab.modelName.trainedStandard',
  defended: 'lab.modelName.trainedDefended' };

// A model's name in the page's language, from what the worker says it is (modelList in worker.js).
function modelName({ id, label, source, about, created }) {
  if (source === 'pretrained' && PRETRAINED_NAMES[id]) return text(PRETRAINED_NAMES[id]);
  if (about?.kind === 'trained') {
    return text(TRAINED_NAMES[about.slot], { ...about, attack: about.attack.toUpperCase(),
      time: clock(created) });
  }
  if (about?.kind === 'imported') return text('lab.modelName.imported', { name: about.name });
  return label;
}

// A new list of models (after training or an import), with the slots that changed.
function showModels(models, changed) {
  state.models = models;
  for (const slot of SLOTS) showSlot(changed.find((i) => i.slot === slot) ?? state.slots[slot]);
}

// A card's error line: a key and values, or null to hide it.
function showError(slot, key, values) {
  const error = $('.error', cards[slot].root);
  say(error, key, values);
  error.hidden = key === null;
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
      showError(slot, null);
    } catch (error) {
      showError(slot, 'lab.failed', failed(error));
    }
  }));
  $('.export', root).addEventListener('click', async () => {
    try {
      const { bytes, name } = await call('exportModel', { slot });
      download(new Blob([bytes], { type: 'application/octet-stream' }), name);
    } catch (error) {
      showError(slot, 'lab.exportFailed', failed(error));
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
      showError(slot, null);
    } catch (error) {
      showError(slot, 'lab.importFailed', failed(error));
    }
  }));
  $('.download', root).addEventListener('click', async () => {
    if (!state.last) return;
    download(await adversarialPng(state.last[slot].xAdv), `adversarial-${slot}.png`);
  });
}

// ------------------------------------------------------------ training

const axis = { yMin: 0 };
const charts = {
  loss: lineChart($('#chart-loss'), { ...axis,
    series: SLOTS.map((slot) => ({ color: COLORS[slot] })) }),
  accuracy: lineChart($('#chart-accuracy'), { ...axis, yMax: 1, format: formatPercent,
    series: [{ color: COLORS.clean }, { color: COLORS.adv }] }),
  speed: lineChart($('#chart-speed'), { ...axis, format: (v) => formatNumber(v),
    series: [{ color: COLORS.standard }] }),
  curve: lineChart($('#chart-curve'), { yMin: 0, yMax: 1, format: formatPercent, dots: true,
    xLabel: 'ε (FGSM)', series: SLOTS.map((slot) => ({ color: COLORS[slot] })) }),
};

// The charts' axis and series names, in the page's language.
function labelCharts() {
  const epochs = text('lab.chart.epochs');
  charts.loss.relabel(epochs,
    SLOTS.map((slot) => text('lab.chart.lossOf', { model: slotName(slot) })));
  charts.accuracy.relabel(epochs, [text('lab.clean'), 'FGSM ε']);
  charts.speed.relabel(epochs, [text('lab.chart.imagesPerSecond')]);
  charts.curve.relabel('ε (FGSM)', SLOTS.map((slot) => text(SLOT_WORDS[slot].name)));
}
labelCharts();
for (const draw of Object.values(charts)) draw([], 1);

const training = {
  running: false,
  paused: false,
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
    showSeconds($('#eta'), p.eta);
    say($('#train-status'), 'lab.trainProgress', { model: slotName(p.slot), epoch: p.epoch,
      epochs: p.epochs, batch: p.batchInEpoch, batches: p.batchesPerEpoch,
      loss: number(p.loss, 4), accuracy: percent(p.accuracy), speed: number(p.imagesPerSec) });
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

function showSeconds(el, s) {
  const t = Math.ceil(s);
  if (!Number.isFinite(t)) show(el, '–');
  else if (t < 60) say(el, 'lab.seconds', { s: t });
  else say(el, 'lab.minutes', { m: Math.floor(t / 60), s: t % 60 });
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
    setNotice('lab.checkpointFailed', { error: p.error });
  } else {
    training.add(p);
  }
}

// Runs a training request ({which, settings}, or {resume: true} with the checkpoint's summary) to
// its end. A worker crash is left to recover(), which resumes the run from its checkpoint.
// {resume: true, paused: true} goes on from the checkpoint paused, as a run paused at a crash was.
// `at` is the checkpoint's place, for a resumed run.
async function runTraining(request, { order, epochs, at }) {
  training.reset(order, epochs);
  training.running = true;
  training.paused = Boolean(request.paused);
  hidePrompt();
  setTrainingButtons(true, training.paused);
  $('#train-progress').value = at ? fractionAt(at, order) : 0;
  if (training.paused) say($('#train-status'), 'lab.paused', { where: describePlace(at) });
  else say($('#train-status'), request.resume ? 'lab.resuming' : 'lab.loadingMnist');
  try {
    const result = await call('train', request, { onProgress: onTrainProgress });
    training.flush();
    $('#mnist-progress').value = 1;
    showModels(result.models, result.slots);
    say($('#train-status'), result.cancelled ? 'lab.cancelled' : 'lab.trained');
    training.running = false;
    live.request();
  } catch (error) {
    if (error.crashed) return;
    training.running = false;
    training.flush();
    say($('#train-status'), 'lab.failed', failed(error));
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

// The run a checkpoint belongs to, as a message.
function describeCheckpoint(c) {
  const afterStandard = c.which === 'both' && c.slot === 'defended';
  return message(afterStandard ? 'lab.checkpointAfterStandard' : 'lab.checkpoint',
    { where: describePlace(c), time: clock(c.created) });
}

// Where a run stopped, as a message: {slot, epoch: full epochs done, batch: batches into the
// next, epochs, batchesPerEpoch}.
function describePlace(at) {
  return message(at.batch ? 'lab.placeInEpoch' : 'lab.place', { model: slotName(at.slot),
    epoch: at.epoch, epochs: at.epochs, batch: at.batch, batches: at.batchesPerEpoch });
}

// The order and epochs of a checkpoint's run, for the charts; its settings go back in the form.
function checkpointRun(c) {
  const form = $('#train-form');
  form.elements.which.value = c.which;
  for (const [name, value] of Object.entries(c.settings)) {
    if (form.elements[name]) form.elements[name].value = value;
  }
  return { order: c.which === 'both' ? SLOTS : [c.which], epochs: c.epochs, at: c };
}

// How far into the whole run (every model's epochs) a checkpoint's place is, from 0 to 1.
function fractionAt(at, order) {
  const epochs = order.indexOf(at.slot) * at.epochs + at.epoch + at.batch / at.batchesPerEpoch;
  return epochs / (order.length * at.epochs);
}

function showPrompt(c) {
  say($('#resume-text'), 'lab.interrupted', { run: describeCheckpoint(c) });
  $('#resume-prompt').hidden = false;
  $('#checkpoint-resume').onclick = () => runTraining({ resume: true }, checkpointRun(c));
  $('#checkpoint-discard').onclick = async () => {
    hidePrompt();
    await call('discardCheckpoint').catch((error) => setStatus('lab.failed', failed(error), true));
  };
}

function hidePrompt() { $('#resume-prompt').hidden = true; }

// Why a worker was given up (ui/rpc.js's cause), as a message.
function crashCause({ kind, error, seconds }) {
  if (kind === 'silent') return message('lab.why.silent', { seconds });
  if (kind === 'aborted') return message('lab.why.aborted', { error });
  return error ? message('lab.why.failed', { error }) : message('lab.why.failedToLoad');
}

// Restarts after a crash at most this often, so a worker that cannot start does not loop.
const MAX_RESTARTS = 3;
const restarts = [];

// A new worker after a crash: the models on show come back from IndexedDB, and a training run
// goes on from its last checkpoint.
async function recover(reason) {
  const wasTraining = training.running;
  const wasPaused = wasTraining && training.paused;
  const now = Date.now();
  restarts.push(now);
  while (restarts[0] < now - 60000) restarts.shift();
  if (!state.ready || restarts.length > MAX_RESTARTS) {
    setNotice('lab.crashFinal', { reason });
    setTrainingButtons(false);
    return;
  }
  state.ready = false;
  window.labWorker = new Worker(new URL('../engine/worker.js', import.meta.url), { type: 'module' });
  call.replace(window.labWorker);
  document.body.dataset.workers = Number(document.body.dataset.workers ?? 1) + 1;
  setNotice('lab.crashRestarting', { reason });
  try {
    const init = await call('init');
    state.models = init.models;
    for (const info of init.slots) showSlot(info);
    state.ready = true;
    live.request();
    const c = init.checkpoint;
    if (wasTraining && c) {
      setNotice(wasPaused ? 'lab.crashResumedPaused' : 'lab.crashResumed',
        { reason, run: describeCheckpoint(c) });
      runTraining({ resume: true, paused: wasPaused }, checkpointRun(c));
    } else {
      training.running = false;
      setTrainingButtons(false);
      setNotice(wasTraining ? 'lab.crashRunLost' : 'lab.crashRecovered', { reason });
    }
  } catch (error) {
    if (!error.crashed) {
      setNotice('lab.crashNoRestart', failed(error));
    }
  }
}

// Pause, resume and cancel: a worker that dies meanwhile is recover()'s to report.
function trainingControl(work) {
  return () => work().catch((error) => {
    if (!error.crashed) say($('#train-status'), 'lab.failed', failed(error));
  });
}

$('#pause').addEventListener('click', trainingControl(async () => {
  $('#pause').disabled = true;
  const { paused, at } = await call('pause');
  if (!paused) return;
  training.paused = true;
  setTrainingButtons(true, true);
  training.flush();
  say($('#train-status'), 'lab.paused', { where: describePlace(at) });
}));
$('#resume').addEventListener('click', trainingControl(async () => {
  await call('resume');
  training.paused = false;
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
    setStatus('lab.failed', failed(error), true);
  } finally {
    button.disabled = false;
  }
}

$('#curves').addEventListener('click', (e) => runRobust(e.target, async () => {
  const r = await call('curves', { n: Number($('#robust-n').value) },
    { onProgress: robustProgress });
  charts.curve(SLOTS.map((slot) => r.eps.map((e, i) => [e, r[slot][i]])), r.eps.at(-1));
}));

$('#measure').addEventListener('click', (e) => runRobust(e.target, async () => {
  const { rows } = await call('measure', { n: Number($('#robust-n').value) },
    { onProgress: robustProgress });
  state.measurements = rows;
  showMeasurements(rows);
}));

// The words for each row the worker's measure() reports, by the experiment's name for it.
const MEASUREMENT_ROWS = { clean_standard: 'lab.row.cleanStandard',
  fgsm_standard: 'lab.row.fgsmStandard', transfer_defended: 'lab.row.transfer',
  clean_defended: 'lab.row.cleanDefended', fgsm_defended: 'lab.row.fgsmDefended' };

function showMeasurements(rows) {
  $('#measurements tbody').replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    const label = text(MEASUREMENT_ROWS[r.name], { eps: r.eps });
    for (const cell of [label, formatPercent(r.value, 2), formatNumber(r.n),
      formatNumber(r.seconds, 2)]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: cell }));
    }
    return tr;
  }));
}

// ------------------------------------------------------------ start

async function start() {
  syncAttackControls();
  const init = await call('init');
  state.models = init.models;
  for (const info of init.slots) showSlot(info);
  state.ready = true;
  // Another tab's run writes the checkpoint as it goes: that run is not interrupted.
  if (init.checkpoint && !init.trainingElsewhere) showPrompt(init.checkpoint);
  else if (init.trainingElsewhere) say($('#train-status'), 'lab.trainingElsewhere');
  pad.showDigit(init.digit.x);
  showDigitNote(init.digit);
}

// A language switch: say() has redone the status lines; what is built from data is redone here.
onLanguage(() => {
  labelCharts();
  for (const slot of SLOTS) if (state.slots[slot]) showSlot(state.slots[slot]);
  if (state.last) showAnalysis(state.last, state.lastControls);
  if (state.measurements) showMeasurements(state.measurements);
  syncAttackControls();
});

start().catch((error) => setStatus('lab.startFailed', failed(error), true));
