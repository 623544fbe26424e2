// The Sweeps panel (issue 18): one setting of the tutorial's experiment, of an attack on its
// standard model (the sweep's attack family: the attack, its parameters, the defence), of a
// backdoor (the poison family) or of a theft of the standard model (the steal family), varied
// (two for a grid) over seeds, with the measurements chosen; the cells run across the pool of
// workers (web/engine/sweeps.js), and a live chart and a table fill as points finish. The spec is
// checked by the C, whose message the panel shows as it is; the results, CSV and JSON are the C's,
// as `advlab sweep --json` gives them, and the `advlab sweep` line that repeats the sweep is shown
// with them (and printed in the report). A sweep's JSON, exported here or by the CLI, loads back.
import { formatNumber, formatPercent, number, say, show, text } from '../ui/lang.js';
import { call } from './engine.js';
import { $, state } from './state.js';
import { failed } from './status.js';
import { drawHeatMap, drawLines } from './sweep_chart.js';

const form = $('#sweep-form');
// The fixed settings the form gives, by family; the others keep the C's defaults.
const SETTINGS = {
  experiment: ['train_limit', 'test_limit', 'epochs', 'adv_epochs'],
  attack: ['train_limit', 'test_limit', 'epochs', 'attack', 'eps', 'max_iter', 'defence'],
  poison: ['train_limit', 'test_limit', 'epochs', 'trigger', 'fraction'],
  steal: ['train_limit', 'test_limit', 'epochs', 'method', 'budget'],
};
// Each family's measurement boxes.
const MEASURE_BOX = { experiment: 'measure', attack: 'measure_attack', poison: 'measure_poison',
  steal: 'measure_steal' };

// What the panel shows: the plan ({spec, cells, command}) and the results so far, or null.
let shownPlan = null;
let shown = null; // {results, json, csv, pointsCsv}
let loaded = null; // the spec of a JSON loaded, until the form is changed
let running = false;

/** The results the export buttons save: null before any sweep. */
export const sweepExport = () => shown;

// A list's item as a number when it reads as one, else as it is, so the C names it.
function token(item) {
  const s = item.trim();
  const v = Number(s);
  return s !== '' && Number.isFinite(v) ? v : s;
}

// "a,b,c" as values, "start:stop:step" as a range; empty text is an empty list.
function axis(key, typed) {
  const t = typed.trim();
  const range = t.split(':');
  if (range.length === 3) return { key, range: range.map(token) };
  return { key, values: t ? t.split(',').map(token) : [] };
}

// Shows the chosen family's settings, setting choices and measurements, and hides the others'.
function showFamily() {
  const family = form.elements.family.value;
  for (const el of form.querySelectorAll('[data-family]')) {
    el.hidden = el.dataset.family !== family;
    if (el.tagName === 'OPTION') el.disabled = el.hidden;
  }
  for (const select of [form.elements.key1, form.elements.key2]) {
    if (select.selectedOptions[0]?.disabled) {
      select.selectedIndex = [...select.options].findIndex((o) => !o.disabled);
    }
  }
}

/** The form as a sweep spec. */
function formSpec() {
  const f = new FormData(form);
  const family = f.get('family');
  const vary = [axis(f.get('key1'), f.get('values1'))];
  if (f.get('key2')) vary.push(axis(f.get('key2'), f.get('values2')));
  const varied = new Set(vary.map((a) => a.key));
  const settings = Object.fromEntries(SETTINGS[family].filter((k) => !varied.has(k))
    .map((k) => [k, token(f.get(k))]));
  const seeds = f.get('seeds').trim();
  return { ...(family === 'experiment' ? {} : { family }), settings, vary,
    seeds: seeds ? seeds.split(',').map(token) : [], measure: f.getAll(MEASURE_BOX[family]) };
}

// Selects the option of key in the family's part of a key list.
function selectKey(select, key, family) {
  select.selectedIndex = [...select.options].findIndex((o) => o.value === key &&
    (!o.dataset.family || o.dataset.family === family));
}

// The form as the spec says (a sweep loaded from its JSON).
function fillForm({ family = 'experiment', vary, seeds, measure, settings }) {
  const [first, second] = vary;
  form.elements.family.value = family;
  showFamily();
  selectKey(form.elements.key1, first.key, family);
  form.elements.values1.value = first.values.join(',');
  selectKey(form.elements.key2, second?.key ?? '', family);
  form.elements.values2.value = second ? second.values.join(',') : '';
  form.elements.seeds.value = seeds.join(',');
  for (const box of form.querySelectorAll(`[name=${MEASURE_BOX[family]}]`)) {
    box.checked = measure.includes(box.value);
  }
  for (const key of SETTINGS[family]) if (key in settings) form.elements[key].value = settings[key];
}

// A setting's name in the page's language; the attack family's eps is the attack's.
const settingName = (key) => text(shownPlan?.spec.family === 'attack' && key === 'eps'
  ? 'lab.sweep.key.attack_eps' : `lab.sweep.key.${key}`);
// The attack, poison and steal families measure shares of the test images, not only accuracy.
const ofAttack = (spec) => ['attack', 'poison', 'steal'].includes(spec.family);
const measureName = (m) => text(`lab.sweep.m.${m}`);

function setStatus(key, values = {}, isError = false) {
  say($('#sweep-status'), key, values);
  $('#sweep-status').classList.toggle('is-error', isError);
}

// The settings, as the printed report states them, with the engine that ran them.
function describe({ spec }, results) {
  const { vary, seeds, measure, settings } = spec;
  return [
    `advlab ${results?.engine ?? state.engine?.version ?? ''} (${state.engine?.variant ?? ''})`,
    ...vary.map((a) => `${settingName(a.key)} (${a.key}): ${a.values.join(', ')}`),
    `${text('lab.sweep.seeds')}: ${seeds.join(', ')}`,
    `${text('lab.sweep.measure')}: ${measure.map(measureName).join(', ')}`,
    Object.entries(settings).map(([k, v]) => `${k} ${v}`).join(', '),
  ].join(' · ');
}

function drawTable({ spec }, points) {
  const keys = spec.vary.map((a) => a.key);
  const head = [...keys.map(settingName), ...spec.measure.flatMap((m) =>
    [text(ofAttack(spec) ? 'lab.sweep.meanOf' : 'lab.sweep.mean', { name: measureName(m) }),
      text('lab.sweep.std')])];
  $('#sweep-table thead tr').replaceChildren(...head.map((h) =>
    Object.assign(document.createElement('th'), { textContent: h })));
  $('#sweep-table tbody').replaceChildren(...points.map((p) => {
    const row = document.createElement('tr');
    const cells = [...keys.map((k) => [p.settings[k], String(p.settings[k])]),
      ...spec.measure.flatMap((m) => [[p.mean[m], formatPercent(p.mean[m], 1)],
        [p.std[m], `±${formatNumber(100 * p.std[m], 1)}`]])];
    for (const [value, label] of cells) {
      const td = Object.assign(document.createElement('td'), { textContent: label });
      td.dataset.value = value;
      row.append(td);
    }
    return row;
  }));
}

function drawChart({ spec }, points) {
  const svg = $('#chart-sweep');
  const axes = spec.vary;
  const format = (v) => formatPercent(v, 0);
  if (axes.length === 1) {
    drawLines(svg, { axes, measure: spec.measure, points, format,
      xLabel: settingName(axes[0].key), names: spec.measure.map(measureName) });
    say($('#sweep-caption'), ofAttack(spec) ? 'lab.sweep.captionLinesAttack' : 'lab.sweep.captionLines',
      { seeds: spec.seeds.length });
  } else {
    const select = $('#sweep-shown');
    const m = spec.measure.includes(select.value) ? select.value : spec.measure[0];
    select.replaceChildren(...spec.measure.map((name) => Object.assign(
      document.createElement('option'), { value: name, textContent: measureName(name),
        selected: name === m })));
    drawHeatMap(svg, { axes, shown: m, points, cellFormat: (v) => formatPercent(v, 1),
      title: measureName(m),
      rowLabel: settingName(axes[0].key), columnLabel: settingName(axes[1].key) });
    say($('#sweep-caption'), ofAttack(spec) ? 'lab.sweep.captionHeatAttack' : 'lab.sweep.captionHeat',
      { seeds: spec.seeds.length, name: measureName(m) });
  }
  $('#sweep-shown-box').hidden = axes.length === 1;
}

function draw() {
  if (!shownPlan) return;
  const points = shown?.results.points ?? [];
  $('#sweep-results').hidden = false;
  $('#sweep-results').dataset.done = shown?.results.cells.length ?? 0;
  drawChart(shownPlan, points);
  drawTable(shownPlan, points);
  show($('.sweep-command code'), shownPlan.command);
  show($('#sweep-settings'), describe(shownPlan, shown?.results));
  $('#sweep-table').dataset.settings = JSON.stringify(shownPlan.spec);
}

const busy = (on) => {
  running = on;
  $('#sweep-pause').disabled = !on;
  $('#sweep-resume').disabled = on;
};

// Runs the spec (from its checkpoint, a results JSON, when one is given) to its end or a pause.
async function runSweep(spec, checkpoint) {
  let plan;
  try {
    plan = await call('sweepPlan', { spec });
  } catch (error) {
    if (!error.crashed) setStatus('lab.sweep.bad', failed(error), true);
    return;
  }
  if (running) {
    setStatus('lab.sweep.already', {}, true);
    return;
  }
  shownPlan = plan;
  shown = checkpoint ? (await call('sweepPlan', { spec: checkpoint })).saved : null;
  draw();
  busy(true);
  $('#sweep-resume').hidden = true;
  $('#sweep-progress').value = 0;
  setStatus('lab.sweep.running', { cells: plan.cells });
  const start = performance.now();
  try {
    const result = await call('sweep', { spec: plan.spec, checkpoint }, { onProgress: (p) => {
      if (p.kind !== 'sweep') return;
      $('#sweep-progress').value = p.fraction;
      if (p.results) {
        shown = { ...shown, results: p.results };
        draw();
      }
    } });
    shown = result;
    draw();
    const done = result.results.cells.length;
    $('#sweep-resume').hidden = !result.paused;
    setStatus(result.paused ? 'lab.sweep.paused' : 'lab.sweep.done', { done, cells: plan.cells,
      seconds: number((performance.now() - start) / 1000, 1) });
    $('#sweep-results').dataset.state = result.paused ? 'paused' : 'done';
  } catch (error) {
    // A worker that stopped took the cells under way with it; the finished ones are kept.
    if (error.crashed) {
      $('#sweep-resume').hidden = false;
      $('#sweep-results').dataset.state = 'paused';
      setStatus('lab.sweep.stopped', {}, true);
    } else setStatus('lab.failed', failed(error), true);
  } finally {
    busy(false);
  }
}

// The sweep kept in this browser, run on from its checkpoint.
async function resume() {
  const saved = await call('sweepSaved');
  if (saved) await runSweep(saved.json, saved.json);
}

form.addEventListener('input', () => { loaded = null; });
form.elements.family.addEventListener('change', showFamily);
$('#sweep-run').addEventListener('click', () => {
  delete $('#sweep-results').dataset.state;
  runSweep(loaded ?? formSpec());
});
$('#sweep-pause').addEventListener('click', () => call('sweepPause'));
$('#sweep-resume').addEventListener('click', resume);
$('#sweep-print').addEventListener('click', () => print());
$('#sweep-shown').addEventListener('change', draw);

// A sweep's JSON (this page's export, or `advlab sweep --json`): its settings into the form, its
// results (when it has any) on show; Run runs it again.
$('#sweep-file').addEventListener('change', async ({ target }) => {
  const [file] = target.files;
  if (!file) return;
  try {
    const plan = await call('sweepPlan', { spec: await file.text() });
    fillForm(plan.spec);
    loaded = plan.spec;
    shownPlan = plan;
    shown = plan.saved;
    draw();
    setStatus('lab.sweep.loaded', { name: file.name, done: plan.saved?.results.cells.length ?? 0,
      cells: plan.cells });
  } catch (error) {
    if (!error.crashed) setStatus('lab.sweep.bad', failed(error), true);
  } finally {
    target.value = '';
  }
});

/**
 * Shows the sweep kept in this browser, once the engine is up: a paused one can resume. One this
 * engine cannot read back (kept by another version) is forgotten, and the page starts without it.
 */
export async function showSavedSweep() {
  const saved = await call('sweepSaved');
  if (!saved) return;
  let plan;
  try {
    plan = await call('sweepPlan', { spec: saved.json });
  } catch (error) {
    if (!error.crashed) await call('sweepDiscard');
    return;
  }
  fillForm(plan.spec);
  shownPlan = plan;
  shown = plan.saved;
  draw();
  $('#sweep-resume').hidden = saved.complete;
  $('#sweep-results').dataset.state = saved.complete ? 'done' : 'paused';
  setStatus(saved.complete ? 'lab.sweep.kept' : 'lab.sweep.keptPaused',
    { done: plan.saved.results.cells.length, cells: plan.cells });
}

/** The chart, the table and the report's lines again, in the page's new language. */
export function relabelSweep() {
  draw();
}
