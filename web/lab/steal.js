// The Steal and infer panel (issue 16): steal a card's model through its answers and watch the
// thief's accuracy and fidelity climb with the queries it pays for, measure the post-processors
// as defences, then ask which digits trained a model (membership inference, with its ROC curve
// and a verdict on a picked digit) and what the model remembers of each class (MIFace). The
// worker does the work (web/engine/stealing.js).
import { budgetCurve } from '../ui/budgets.js';
import { lineChart } from '../ui/chart.js';
import { formatPercent, number, percent, say, text } from '../ui/lang.js';
import { digitFigure } from '../ui/render.js';
import { live } from './analysis.js';
import { call } from './engine.js';
import { modelIdentity, showModels, useModels } from './models.js';
import { fillControls, requireModels, requireOneOf, RerunError } from './rerun_check.js';
import { $ } from './state.js';
import { failed } from './status.js';

const COLORS = { accuracy: '#2563eb', fidelity: '#d97706', roc: '#7c3aed', chance: '#94a3b8' };
// The budget curve's points: the budget, halved, down to a sixteenth.
const CURVE_STEPS = 5;
const POSTPROCESSORS = ['none', 'reverse_sigmoid', 'high_confidence', 'rounded', 'class_labels'];

const stealChart = lineChart($('#chart-steal'), { yMin: 0, yMax: 1, format: formatPercent,
  dots: true, series: [{ color: COLORS.accuracy }, { color: COLORS.fidelity }] });
const rocChart = lineChart($('#chart-roc'), { yMin: 0, yMax: 1, format: formatPercent,
  xFormat: formatPercent,
  series: [{ color: COLORS.roc }, { color: COLORS.chance, dashed: true, legend: false }] });

/** The panel's charts, for their exports (exports.js). */
export const stealCharts = { steal: stealChart, roc: rocChart };

// What was last measured, drawn again after a language switch.
const shown = { curve: [], rows: [], theft: null, membership: null, picked: null, inversion: null };

function formValues(form) {
  if (!form.reportValidity()) return null;
  return Object.fromEntries(new FormData(form));
}

/** The theft the form asks for, at `queries`; null when the form is not valid. */
function theftSettings() {
  const f = formValues($('#steal-form'));
  if (!f) return null;
  const [method, sampling = 'random'] = f.method.split(':');
  return { victim: f.victim, postprocess: f.postprocess, thief: f.thief, method, sampling,
    useProbability: f.learn === 'probabilities', queries: Number(f.queries), seed: Number(f.seed) };
}

function setBusy(busy) {
  for (const id of ['#steal-run', '#steal-defences', '#infer-run', '#invert-run']) {
    $(id).disabled = busy;
  }
}

// The query counter: this theft's answers so far against its budget, and every answer paid for.
function countQueries(queries, budget, paid) {
  say($('#steal-queries'), 'lab.steal.counter', { queries: number(queries),
    budget: number(budget), paid: number(paid) });
}

function drawCurve() {
  const xMax = Math.max(1, ...shown.curve.map((p) => p.queries));
  stealChart([shown.curve.map((p) => [p.queries, p.report.thiefAccuracy]),
    shown.curve.map((p) => [p.queries, p.report.fidelity])], xMax);
}

function sayTheft({ report, settings, kept }) {
  Object.assign($('#steal-report').dataset, { thiefAccuracy: report.thiefAccuracy,
    fidelity: report.fidelity, queries: report.queries });
  say($('#steal-report'), kept ? 'lab.steal.reportKept' : 'lab.steal.report', { queries: number(report.queries),
    victim: text(`lab.steal.victim${settings.victim === 'standard' ? 'Standard' : 'Defended'}`),
    thiefAccuracy: percent(report.thiefAccuracy, 1), fidelity: percent(report.fidelity, 1),
    victimAccuracy: percent(report.victimAccuracy, 1),
    transfer: percent(report.transferRate, 1), whitebox: percent(report.whiteboxRate, 1) });
}

function showRows() {
  $('#steal-table tbody').replaceChildren(...shown.rows.map(({ postprocess, report }) => {
    const row = document.createElement('tr');
    for (const value of [text(`lab.steal.post.${postprocess}`), formatPercent(report.victimAccuracy, 1),
      formatPercent(report.thiefAccuracy, 1), formatPercent(report.fidelity, 1),
      formatPercent(report.transferRate, 1), formatPercent(report.whiteboxRate, 1)]) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    return row;
  }));
}

// Runs thefts one after another, each a call of its own; the last with `keep` puts its thief in
// the card beside the victim. Answers the reports in order.
async function steal(runs) {
  setBusy(true);
  const progress = $('#steal-progress');
  let paid = 0;
  const reports = [];
  try {
    for (const [i, settings] of runs.entries()) {
      const result = await call('steal', settings, { onProgress: (p) => {
        if (p.stage !== 'steal') return;
        progress.value = (i + (p.total ? p.done / p.total : 0)) / runs.length;
        countQueries(p.queries, settings.queries, paid + p.queries);
      } });
      paid += result.report.queries;
      countQueries(result.report.queries, settings.queries, paid);
      reports.push(result.report);
      showTheft(settings, result);
    }
    progress.value = 1;
  } catch (error) {
    if (!error.crashed) say($('#steal-report'), 'lab.failed', failed(error));
  } finally {
    setBusy(false);
  }
  return reports;
}

// One theft's answer on the page: the report line, and the thief in its card if it was kept.
function showTheft(settings, { report, slots, models }) {
  shown.theft = { report, settings, kept: slots.length > 0 };
  sayTheft(shown.theft);
  if (slots.length) {
    showModels(models, slots);
    live.request();
  }
}

/**
 * Steals as the form says, at its budget and at each smaller one of the curve; the last thief
 * takes the card beside its victim. Answers the reports, smallest budget first ([] when the form
 * is not valid).
 */
export async function stealWithCurve() {
  const settings = theftSettings();
  if (!settings) return [];
  const list = budgetCurve(settings.queries, CURVE_STEPS);
  shown.curve = [];
  drawCurve();
  const runs = list.map((queries, i) => ({ ...settings, queries, keep: i === list.length - 1 }));
  // The victim as it was: the last thief takes the other card.
  const models = victimModel(settings);
  say($('#steal-report'), 'lab.steal.stealing');
  const reports = await steal(runs);
  $('#chart-steal').dataset.settings = JSON.stringify({ ...settings, models });
  // A point per finished theft, also when a later one failed.
  shown.curve = reports.map((report) => ({ queries: report.queries, report }));
  drawCurve();
  return reports;
}

$('#steal-run').addEventListener('click', stealWithCurve);

/** Steals as the form says behind each post-processor, and fills the table. */
async function stealBehindEach() {
  const settings = theftSettings();
  if (!settings) return;
  shown.rows = [];
  showRows();
  say($('#steal-report'), 'lab.steal.stealing');
  const runs = POSTPROCESSORS.map((postprocess) => ({ ...settings, postprocess, keep: false }));
  const reports = await steal(runs);
  $('#steal-table').dataset.settings = JSON.stringify({ ...settings,
    models: victimModel(settings) });
  shown.rows = reports.map((report, i) => ({ postprocess: POSTPROCESSORS[i], report }));
  showRows();
}

$('#steal-defences').addEventListener('click', stealBehindEach);

const victimModel = ({ victim }) => ({ [victim]: modelIdentity(victim) });

// A loaded theft's settings into the form (the form's method and learn controls hold what the
// settings split into method, sampling and useProbability).
function fillTheft(settings) {
  const models = requireModels(settings.models);
  if (typeof settings.victim === 'string' && !models[settings.victim]) {
    throw new RerunError('lab.run.missing', { key: `models.${settings.victim}` });
  }
  requireOneOf('method', settings.method, ['copycat', 'knockoff']);
  requireOneOf('useProbability', settings.useProbability, [true, false]);
  const method = settings.method === 'copycat' ? 'copycat' : `knockoff:${settings.sampling}`;
  const { elements } = $('#steal-form');
  fillControls([...['victim', 'postprocess', 'thief'].map((key) => [elements[key], key,
    settings[key]]), [elements.method, 'sampling', method],
  [elements.learn, 'useProbability', settings.useProbability ? 'probabilities' : 'labels'],
  [elements.queries, 'queries', settings.queries], [elements.seed, 'seed', settings.seed]]);
  return models;
}

/** Steals again as a loaded budget curve's settings say: its victim model and every setting. */
export async function rerunStealCurve(settings) {
  await useModels(fillTheft(settings));
  await stealWithCurve();
}

/** Steals again behind each post-processor, as a loaded table's settings say. */
export async function rerunStealTable(settings) {
  await useModels(fillTheft(settings));
  await stealBehindEach();
}

// ------------------------------------------------------------ membership

function showVerdict() {
  const { report, digits } = shown.membership;
  const d = digits[shown.picked];
  if (!d) return;
  const called = d.score > report.threshold;
  say($('#infer-verdict'), called === d.member ? 'lab.infer.verdictRight'
    : 'lab.infer.verdictWrong', {
    verdict: text(called ? 'lab.infer.member' : 'lab.infer.nonmember'),
    truth: text(d.member ? 'lab.infer.wasMember' : 'lab.infer.wasNonmember'),
    score: number(d.score, 4), threshold: number(report.threshold, 4) });
  $('#infer-verdict').dataset.called = called ? 'member' : 'nonmember';
  for (const [i, tile] of [...$('#infer-digits').children].entries()) {
    tile.setAttribute('aria-selected', String(i === shown.picked));
  }
}

function showMembership() {
  const { report, roc, digits } = shown.membership;
  $('#infer-results').hidden = false;
  Object.assign($('#infer-report').dataset, { advantage: report.advantage, auc: report.auc });
  say($('#infer-report'), 'lab.infer.report', { advantage: number(report.advantage, 3),
    auc: number(report.auc, 3), balanced: percent(report.balancedAccuracy, 1),
    tpr: percent(report.tpr, 1), fpr: percent(report.fpr, 1),
    members: number(report.members), nonmembers: number(report.nonmembers) });
  rocChart([Array.from(roc.fpr, (f, i) => [f, roc.tpr[i]]), [[0, 0], [1, 1]]], 1);
  $('#infer-digits').replaceChildren(...digits.map((d, i) => {
    const tile = digitFigure(d.x, text(d.member ? 'lab.infer.wasMember' : 'lab.infer.wasNonmember'));
    tile.tabIndex = 0;
    tile.setAttribute('role', 'option');
    const pick = () => {
      shown.picked = i;
      showVerdict();
    };
    tile.addEventListener('click', pick);
    tile.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') pick();
    });
    return tile;
  }));
  if (shown.picked !== null) showVerdict();
}

/** Membership inference as the form says; answers the report, or null (failed, or not valid). */
export async function inferMembership() {
  const f = formValues($('#infer-form'));
  if (!f) return null;
  setBusy(true);
  const progress = $('#infer-progress');
  progress.value = 0;
  say($('#infer-report'), f.target === 'overfit' ? 'lab.infer.training' : 'lab.infer.inferring');
  const settings = { target: f.target, method: f.method, members: Number(f.members),
    seed: Number(f.seed) };
  // The overfit target is trained here, from the seed; the standard one is the card's.
  const models = f.target === 'standard' ? { standard: modelIdentity('standard') } : {};
  try {
    const result = await call('infer', settings, { onProgress: (p) => {
      if (!p.total) return;
      progress.value = p.stage === 'infer' ? p.done / p.total : 0;
      if (p.stage === 'infer') say($('#infer-report'), 'lab.infer.inferring');
    } });
    progress.value = 1;
    shown.membership = result;
    $('#chart-roc').dataset.settings = JSON.stringify({ ...settings, models });
    shown.picked = null;
    $('#infer-verdict').textContent = '';
    showMembership();
    return result.report;
  } catch (error) {
    if (!error.crashed) say($('#infer-report'), 'lab.failed', failed(error));
    return null;
  } finally {
    setBusy(false);
  }
}

$('#infer-run').addEventListener('click', inferMembership);

/** Infers membership again as a loaded ROC curve's settings say. */
export async function rerunMembership(settings) {
  const models = requireModels(settings.models);
  if (settings.target === 'standard' && !models.standard) {
    throw new RerunError('lab.run.missing', { key: 'models.standard' });
  }
  const { elements } = $('#infer-form');
  fillControls(['target', 'method', 'members', 'seed'].map((key) => [elements[key], key,
    settings[key]]));
  await useModels(models);
  await inferMembership();
}

// ------------------------------------------------------------ inversion

function showInversion() {
  const { images, scores } = shown.inversion;
  say($('#invert-report'), 'lab.invert.report');
  $('#invert-grid').replaceChildren(...Array.from(scores, (p, k) =>
    digitFigure(images.subarray(k * 784, (k + 1) * 784),
      text('lab.invert.tile', { label: k, score: percent(p, 0) }))));
}

$('#invert-run').addEventListener('click', async () => {
  setBusy(true);
  const progress = $('#invert-progress');
  say($('#invert-report'), 'lab.invert.running');
  try {
    shown.inversion = await call('invert', { slot: $('#invert-slot').value },
      { onProgress: (p) => { if (p.total) progress.value = p.done / p.total; } });
    progress.value = 1;
    showInversion();
  } catch (error) {
    if (!error.crashed) say($('#invert-report'), 'lab.failed', failed(error));
  } finally {
    setBusy(false);
  }
});

/** The charts' axis and series names, in the page's language. */
function labelStealCharts() {
  stealChart.relabel(text('lab.steal.queriesAxis'),
    [text('lab.steal.thiefAccuracy'), text('lab.steal.fidelity')]);
  rocChart.relabel(text('lab.infer.fprAxis'), [text('lab.infer.tprAxis')]);
}

/** Says the panel's charts and what it built from data, once the page's language is set and
 * after each switch. */
export function relabelSteal() {
  labelStealCharts();
  drawCurve();
  showRows();
  if (shown.theft) sayTheft(shown.theft);
  if (shown.membership) showMembership();
  if (shown.inversion) showInversion();
}

