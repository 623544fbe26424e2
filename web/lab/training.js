// The training view: the form, the run's progress and charts, pause, resume and cancel, and the
// prompt to resume a run a reload or crash interrupted. The worker trains (web/engine/training.js);
// this draws its reports at most once per frame.
import { clock, message, number, percent, say, show } from '../ui/lang.js';
import { live } from './analysis.js';
import { auditModel } from './audit.js';
import { charts } from './charts.js';
import { call } from './engine.js';
import { modelIdentity, showModels, useModels } from './models.js';
import { fillControls, requireModels, RerunError } from './rerun_check.js';
import { $, SLOTS, slotName } from './state.js';
import { failed, setNotice, setStatus } from './status.js';

export const training = {
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
      loss: number(p.loss, 4), accuracy: percent(p.accuracy), speed: number(p.imagesPerSec),
      workers: p.workers });
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

export function trainSettings() {
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

export function setTrainingButtons(running, paused = false) {
  $('#train').disabled = running;
  $('#train-robust').disabled = running;
  $('#pause').disabled = !running || paused;
  $('#resume').disabled = !running || !paused;
  $('#cancel').disabled = !running;
}

function onTrainProgress(p) {
  if (p.kind === 'mnist') {
    $('#mnist-progress').value = p.total ? p.loaded / p.total : 0;
  } else if (p.kind === 'checkpoint') {
    setNotice('lab.checkpointFailed', { error: p.error });
  } else if (p.kind === 'pool') {
    setNotice('lab.poolFailed', { error: p.error });
  } else {
    training.add(p);
  }
}

/**
 * Runs a training request ({which, settings}, or {resume: true} with the checkpoint's summary) to
 * its end. A worker crash is left to the recovery (recover.js), which resumes the run from its
 * checkpoint. {resume: true, paused: true} goes on from the checkpoint paused, as a run paused at
 * a crash was. `at` is the checkpoint's place, for a resumed run. Answers the worker's result, or
 * nothing when the run failed or the worker crashed.
 */
export async function runTraining(request, { order, epochs, at }) {
  // What the run's charts export: its settings and the model it starts from (the defended
  // model starts from the standard one; a run of both trains that first).
  const run = request.resume ? { which: at.which, settings: at.settings }
    : { which: request.which, settings: request.settings };
  const models = run.which === 'defended' ? { standard: modelIdentity('standard') } : {};
  for (const id of ['#chart-loss', '#chart-accuracy', '#chart-speed']) {
    $(id).dataset.settings = JSON.stringify({ ...run, models });
  }
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
    return result;
  } catch (error) {
    if (error.crashed) return;
    training.running = false;
    training.flush();
    say($('#train-status'), 'lab.failed', failed(error));
  } finally {
    if (!training.running) setTrainingButtons(false);
  }
}

/**
 * Trains again as a loaded run's settings say: which models, every setting of the form, and the
 * poisoning the standard model was trained on, if any (the engine checks that).
 */
export async function rerunTraining({ which, settings, models }) {
  if (training.running) throw new RerunError('lab.run.busy');
  if (!settings || typeof settings !== 'object') {
    throw new RerunError('lab.run.missing', { key: 'settings' });
  }
  const wanted = requireModels(models);
  if (which === 'defended' && !wanted.standard) {
    throw new RerunError('lab.run.missing', { key: 'models.standard' });
  }
  const { elements } = $('#train-form');
  fillControls([[elements.which, 'which', which], ...['epochs', 'batch', 'lr', 'attack', 'eps',
    'ratio', 'seed', 'limit'].map((key) => [elements[key], `settings.${key}`, settings[key]])]);
  await useModels(wanted);
  const request = trainSettings();
  // What the form has no field for: the poisoning, and a preset's arch, trainer settings, shards.
  for (const key of ['poison', 'arch', 'robust', 'shards', 'preset', 'about']) {
    if (settings[key] !== undefined) request.settings[key] = settings[key];
  }
  await runTraining(request, { order: which === 'both' ? SLOTS : [which],
    epochs: request.settings.epochs });
}

$('#train').addEventListener('click', () => {
  const request = trainSettings();
  if (!request) return;
  const order = request.which === 'both' ? SLOTS : [request.which];
  runTraining(request, { order, epochs: request.settings.epochs });
});

// "Train a robust model": the robust preset's settings in the form (the arch, the trainer's steps
// and the shards have no field there), a run of the defended model, then AutoAttack on it.
$('#train-robust').addEventListener('click', async () => {
  if (training.running) return;
  try {
    const { settings } = await call('trainPreset', { name: 'robust' });
    const { elements } = $('#train-form');
    elements.which.value = 'defended';
    for (const key of ['epochs', 'batch', 'lr', 'attack', 'eps', 'ratio', 'seed', 'limit']) {
      elements[key].value = String(settings[key]);
    }
    const result = await runTraining({ which: 'defended', settings },
      { order: ['defended'], epochs: settings.epochs });
    if (result && !result.cancelled) await auditModel('defended', settings.eps);
  } catch (error) {
    if (!error.crashed) say($('#train-status'), 'lab.failed', failed(error));
  }
});

// ------------------------------------------------------------ checkpoints

/** The run a checkpoint belongs to, as a message. */
export function describeCheckpoint(c) {
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

/** The order and epochs of a checkpoint's run, for the charts; its settings go back in the form. */
export function checkpointRun(c) {
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

/** Offers to resume (or discard) the interrupted run of checkpoint c. */
export function showPrompt(c) {
  say($('#resume-text'), 'lab.interrupted', { run: describeCheckpoint(c) });
  $('#resume-prompt').hidden = false;
  $('#checkpoint-resume').onclick = () => runTraining({ resume: true }, checkpointRun(c));
  $('#checkpoint-discard').onclick = async () => {
    hidePrompt();
    await call('discardCheckpoint').catch((error) => setStatus('lab.failed', failed(error), true));
  };
}

function hidePrompt() { $('#resume-prompt').hidden = true; }

// ------------------------------------------------------------ pause, resume, cancel

// A worker that dies meanwhile is the recovery's to report.
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
