// The Poison panel (issue 15): choose or draw a backdoor trigger, poison MNIST's training set and
// see poisoned digits, train the poisoned model as the standard one through the training panel's
// run (checkpoints, pause, charts), put the trigger on the live input and ask STRIP about it, then
// find the poison (activation clustering or spectral signatures) and retrain the defended model
// without it. The worker does the work (web/engine/poisoning.js).
import { formatPercent, number, percent, say, text } from '../ui/lang.js';
import { digitFigure } from '../ui/render.js';
import { live } from './analysis.js';
import { call } from './engine.js';
import { modelIdentity, showModels, useModels } from './models.js';
import { fillControls, requireModels, RerunError } from './rerun_check.js';
import { $, state } from './state.js';
import { failed } from './status.js';
import { runTraining, trainSettings, training } from './training.js';

const SIDE = 28;
const mask = new Uint8Array(SIDE * SIDE);
const pad = $('#trigger-pad');

// What was last poisoned: the settings a poisoned model is trained with and searched under.
let poisoned = null;

/** The form's poisoning settings, with the drawn mask; null when the form is not valid. */
function poisonSettings() {
  const form = $('#poison-form');
  if (!form.reportValidity()) return null;
  const f = Object.fromEntries(new FormData(form));
  const number = (v) => (/^\d+$/.test(v) ? Number(v) : v);
  return { trigger: $('#poison-trigger').value, mask: Array.from(mask),
    source: number(f.source), target: number(f.target), fraction: Number(f.fraction),
    seed: Number(f.seed) };
}

// ------------------------------------------------------------ the trigger

// The trigger as the engine will stamp it, drawn on the pad: ART's pattern or pixel show where
// they go on a blank digit; a drawn mask is the mask.
function drawTrigger() {
  const image = new ImageData(SIDE, SIDE);
  const kind = $('#poison-trigger').value;
  const marks = kind === 'mask' ? mask : artMarks(kind);
  for (let i = 0; i < marks.length; i++) {
    const v = marks[i] ? 0 : 255;
    image.data.set([v, v, v, 255], 4 * i);
  }
  pad.getContext('2d').putImageData(image, 0, 0);
  pad.classList.toggle('drawable', kind === 'mask');
  $('#trigger-clear').disabled = kind !== 'mask';
}

// ART's add_pattern_bd and add_single_bd at their default distance 2 from the bottom-right walls.
function artMarks(kind) {
  const marks = new Uint8Array(SIDE * SIDE);
  const at = (r, c) => { marks[r * SIDE + c] = 1; };
  const far = SIDE - 1 - 2;
  if (kind === 'pixel') at(far, far);
  else for (const [dr, dc] of [[0, 0], [-1, -1], [0, -2], [-2, 0]]) at(far + dr, far + dc);
  return marks;
}

let drawing = null; // the value a drag paints: 1, or 0 to erase
let lastCell = null; // [row, col] of the drag's last cell

function cellAt(e) {
  const r = pad.getBoundingClientRect();
  const col = Math.floor(((e.clientX - r.left) / r.width) * SIDE);
  const row = Math.floor(((e.clientY - r.top) / r.height) * SIDE);
  return row >= 0 && row < SIDE && col >= 0 && col < SIDE ? [row, col] : null;
}

// Paints every cell on the segment from the last cell to `cell`, so a fast drag leaves no gaps.
function paintTo(cell) {
  const [r0, c0] = lastCell ?? cell;
  const steps = Math.max(Math.abs(cell[0] - r0), Math.abs(cell[1] - c0), 1);
  for (let i = 0; i <= steps; i++) {
    const row = Math.round(r0 + ((cell[0] - r0) * i) / steps);
    const col = Math.round(c0 + ((cell[1] - c0) * i) / steps);
    mask[row * SIDE + col] = drawing;
  }
  lastCell = cell;
  drawTrigger();
}

pad.addEventListener('pointerdown', (e) => {
  if ($('#poison-trigger').value !== 'mask') return;
  const cell = cellAt(e);
  if (!cell) return;
  pad.setPointerCapture(e.pointerId);
  drawing = mask[cell[0] * SIDE + cell[1]] ? 0 : 1;
  lastCell = null;
  paintTo(cell);
});
pad.addEventListener('pointermove', (e) => {
  const cell = drawing === null ? null : cellAt(e);
  if (cell) paintTo(cell);
});
for (const type of ['pointerup', 'pointercancel']) {
  pad.addEventListener(type, () => {
    if (drawing === null) return;
    drawing = null;
    triggerChanged();
  });
}
$('#trigger-clear').addEventListener('click', () => {
  mask.fill(0);
  drawTrigger();
  triggerChanged();
});
$('#poison-trigger').addEventListener('change', () => {
  drawTrigger();
  triggerChanged();
});

// The live input carries the trigger being drawn or chosen, not the one last poisoned with.
function triggerChanged() {
  if ($('#poison-live').checked) liveInput();
}

// ------------------------------------------------------------ poison, train

function showPoisoned({ report, samples }) {
  say($('#poison-report'), 'lab.poison.report', { poisoned: number(report.poisoned),
    rows: number(report.rows) });
  $('#poison-samples').replaceChildren(...samples.map((s) => digitFigure(s.x, `${s.from} → ${s.to}`)));
}

/** Poisons MNIST as the form says; answers the report ({poisoned, rows, ...}), or null. */
export async function poisonMnist() {
  const settings = poisonSettings();
  if (!settings) return null;
  say($('#poison-report'), 'lab.poison.poisoning');
  try {
    const result = await call('poison', settings);
    poisoned = { settings, result };
    showPoisoned(result);
    $('#poison-train').disabled = training.running;
    return result.report;
  } catch (error) {
    if (!error.crashed) say($('#poison-report'), 'lab.failed', failed(error));
    return null;
  }
}

/** Trains the standard model on what was last poisoned, with the training panel's settings. */
export async function trainPoisoned() {
  const request = trainSettings();
  if (!request || !poisoned) return;
  $('#poison-train').disabled = true;
  const settings = { ...request.settings, poison: poisoned.settings };
  await runTraining({ which: 'standard', settings },
    { order: ['standard'], epochs: request.settings.epochs });
  $('#poison-train').disabled = false;
  syncPoison();
}

$('#poison-run').addEventListener('click', poisonMnist);
$('#poison-train').addEventListener('click', trainPoisoned);

// ------------------------------------------------------------ the live input

/** What the live analysis asks of the Poison panel: {trigger, strip}. */
function liveInput() {
  state.poisonInput = {
    trigger: $('#poison-live').checked ? poisonSettings() : null,
    strip: $('#poison-strip').checked,
  };
  live.request();
}
$('#poison-live').addEventListener('change', liveInput);
$('#poison-strip').addEventListener('change', liveInput);

// ------------------------------------------------------------ find the poison

const SCATTER_COLOURS = ['#2563eb', '#d97706'];

// The reduced activations of the class with the most poison: colour by cluster, ringed when the
// row was poisoned.
function drawScatter({ label, points }) {
  const canvas = $('#cleanse-scatter');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!points.length) return;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 8;
  const sx = (v) => pad + ((v - x0) / (x1 - x0 || 1)) * (canvas.width - 2 * pad);
  const sy = (v) => canvas.height - pad - ((v - y0) / (y1 - y0 || 1)) * (canvas.height - 2 * pad);
  for (const [x, y, cluster, isPoisoned] of points) {
    ctx.fillStyle = SCATTER_COLOURS[cluster] ?? '#64748b';
    ctx.beginPath();
    ctx.arc(sx(x), sy(y), 2, 0, 2 * Math.PI);
    ctx.fill();
    if (isPoisoned) {
      ctx.strokeStyle = '#b91c1c';
      ctx.beginPath();
      ctx.arc(sx(x), sy(y), 3.5, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
  say($('#scatter-caption'), 'lab.poison.scatterCaption', { label });
}

function metricsRow(key, m) {
  const row = document.createElement('tr');
  for (const value of [text(key), formatPercent(m.clean_accuracy, 2),
    formatPercent(m.attack_success, 2)]) {
    const cell = document.createElement('td');
    cell.textContent = value;
    row.append(cell);
  }
  return row;
}

let found = null; // the last search's answer, drawn again after a language switch
let searching = false; // a search (and its retraining) is under way

function showFound({ report, flagged, scatter }) {
  $('#cleanse-results').hidden = false;
  // For tests and the curious: the figures, also as data attributes.
  Object.assign($('#cleanse-report').dataset, { precision: report.precision,
    recall: report.recall, flagged: report.flagged });
  say($('#cleanse-report'), 'lab.poison.found', { flagged: number(report.flagged),
    rows: number(report.rows), precision: percent(report.precision, 1),
    recall: percent(report.recall, 1), poisoned: number(report.poisoned) });
  const { poisoned: before, retrained: after } = report.measurements ?? {};
  $('#cleanse-table tbody').replaceChildren(
    ...[['lab.poison.rowPoisoned', before], ['lab.poison.rowRetrained', after]]
      .filter(([, m]) => m).map(([key, m]) => metricsRow(key, m)));
  $('#cleanse-flagged').replaceChildren(...flagged.map((f) => {
    const tile = digitFigure(f.x, `${f.label} · ${text(f.poisoned ? 'lab.poison.wasPoisoned'
      : 'lab.poison.wasClean')}`);
    tile.classList.toggle('true-positive', f.poisoned);
    return tile;
  }));
  drawScatter(scatter);
}

function onCleanseProgress(p) {
  if (p.stage === 'cleanse') {
    $('#cleanse-progress').value = p.total ? (0.5 * p.done) / p.total : 0;
    say($('#cleanse-report'), 'lab.poison.searching');
  } else if (p.stage === 'retrain' && p.batchesPerEpoch) {
    $('#cleanse-progress').value = 0.5 + 0.5 * ((p.epoch - 1 + p.batchInEpoch / p.batchesPerEpoch) /
      p.epochs);
    say($('#cleanse-report'), 'lab.poison.retraining', { epoch: p.epoch, epochs: p.epochs });
  }
}

// The poisoning the standard slot's model was trained with, or null: the search looks for it.
function standardPoison() {
  const shown = state.models.find((m) => m.id === state.slots.standard?.id);
  return shown?.about?.kind === 'poisoned' ? shown.about.poison : null;
}

/**
 * Searches the standard model's poisoned training set for the poison, and retrains without it
 * when asked; answers the report (precision, recall, the measurements), or null.
 */
export async function findPoison() {
  const request = trainSettings();
  const poison = standardPoison();
  if (!request || !poison) return null;
  const { epochs, batch, lr, seed, limit } = request.settings;
  $('#cleanse-run').disabled = true;
  searching = true;
  $('#cleanse-progress').value = 0;
  const settings = { poison, defence: $('#cleanse-defence').value,
    retrain: $('#cleanse-retrain').checked ? { epochs, batch, lr, seed, limit } : null };
  // The poisoned model as it was: the retrained one takes the other card.
  const models = { standard: modelIdentity('standard') };
  try {
    const result = await call('cleanse', settings, { onProgress: onCleanseProgress });
    $('#cleanse-table').dataset.settings = JSON.stringify({ ...settings, models });
    $('#cleanse-progress').value = 1;
    found = result;
    showFound(result);
    if (result.slots.length) {
      showModels(result.models, result.slots);
      live.request();
    }
    return result.report;
  } catch (error) {
    if (!error.crashed) say($('#cleanse-report'), 'lab.failed', failed(error));
    return null;
  } finally {
    searching = false;
    $('#cleanse-run').disabled = false;
  }
}

$('#cleanse-run').addEventListener('click', findPoison);

/**
 * Searches again as a loaded search's settings say: its poisoned model (trained in this browser,
 * or imported), its defence, and the retraining's settings through the training form.
 */
export async function rerunPoisonSearch(settings) {
  if (searching || training.running) throw new RerunError('lab.run.busy');
  const models = requireModels(settings.models);
  if (!models.standard) throw new RerunError('lab.run.missing', { key: 'models.standard' });
  const retrain = settings.retrain;
  if (retrain !== null && typeof retrain !== 'object') {
    throw new RerunError('lab.run.missing', { key: 'retrain' });
  }
  const { elements } = $('#train-form');
  fillControls([[$('#cleanse-defence'), 'defence', settings.defence],
    [$('#cleanse-retrain'), 'retrain', retrain !== null],
    ...(retrain ? ['epochs', 'batch', 'lr', 'seed', 'limit'].map((key) => [elements[key],
      `retrain.${key}`, retrain[key]]) : [])]);
  await useModels(models);
  if (!standardPoison()) {
    throw new RerunError('lab.run.notPoisoned', { name: models.standard.name ?? models.standard.id });
  }
  await findPoison();
}

/** Redraws what is built from data, after a language switch. */
export function relabelPoison() {
  if (poisoned) showPoisoned(poisoned.result);
  if (found) showFound(found);
}

/** The search is offered while the standard slot shows a model trained on poisoned data. */
export function syncPoison() {
  $('#cleanse-run').disabled = !standardPoison();
}

document.addEventListener('slotshown', syncPoison);
drawTrigger();
