// The guided path (issue 18): the study's four steps (train and measure, attack and measure,
// defend, attack again and measure), then the threats of the other stages (poisoning, stealing
// and inference, certification). Each step says what is about to happen, runs the real thing
// through the page's own panels (their forms set, their actions awaited), then says what to
// notice with the numbers it just measured. Progress and those numbers are kept in this browser;
// the free lab is one click away.
import { formatNumber, formatPercent, say, text } from '../ui/lang.js';
import { live } from './analysis.js';
import { call } from './engine.js';
import { showModels } from './models.js';
import { findPoison, poisonMnist, trainPoisoned } from './poison.js';
import { measureTutorial } from './robustness.js';
import { $, state } from './state.js';
import { failed } from './status.js';
import { inferMembership, stealWithCurve } from './steal.js';
import { runTraining, trainSettings } from './training.js';

const STORAGE_KEY = 'advlab.study';

// Each step's own controls: [name, min, max, step, default]; its run answers the numbers its
// notice quotes (as they will be formatted: percentages as fractions, the rest as numbers).
const STEPS = [
  { id: 'train', panel: '.train-panel',
    controls: [['epochs', 1, 20, 1, 2], ['images', 1000, 60000, 1000, 10000],
      ['n', 100, 10000, 100, 1000]],
    run: async ({ epochs, images, n }) => {
      await train({ which: 'standard', epochs, limit: images });
      const rows = await measureTutorial(n);
      return { epochs, images, n, clean: value(rows, 'clean_standard') };
    } },
  { id: 'attack', panel: '.robust-panel',
    controls: [['eps', 0.05, 0.5, 0.05, 0.2], ['n', 100, 10000, 100, 1000]],
    run: async ({ eps, n }) => {
      setControl($('#attack'), 'fgsm');
      setControl($('#eps'), eps);
      const rows = await measureTutorial(n, eps);
      return { eps, n, clean: value(rows, 'clean_standard'), fgsm: value(rows, 'fgsm_standard') };
    } },
  { id: 'defend', panel: '.train-panel',
    controls: [['epochs', 1, 20, 1, 2], ['ratio', 0.1, 1, 0.1, 0.5], ['eps', 0.05, 0.5, 0.05, 0.2]],
    run: async ({ epochs, ratio, eps }, results) => {
      await train({ which: 'defended', epochs, ratio, eps, attack: 'fgsm',
        limit: results.train?.images ?? 0 });
      const rows = await measureTutorial(results.train?.n ?? 1000, eps);
      return { epochs, ratio, eps, clean: value(rows, 'clean_defended') };
    } },
  { id: 'again', panel: '.robust-panel',
    controls: [['n', 100, 10000, 100, 1000]],
    run: async ({ n }, results) => {
      const eps = results.defend?.eps ?? results.attack?.eps ?? 0.2;
      const rows = await measureTutorial(n, eps);
      return { n, eps, transfer: value(rows, 'transfer_defended'),
        fresh: value(rows, 'fgsm_defended'), standard: value(rows, 'fgsm_standard') };
    } },
  { id: 'poison', panel: '.poison-panel',
    controls: [['fraction', 0.01, 0.5, 0.01, 0.1], ['epochs', 1, 20, 1, 2],
      ['images', 1000, 60000, 1000, 20000]],
    run: async ({ fraction, epochs, images }) => {
      setControl($('#poison-trigger'), 'pattern');
      setField($('#poison-form'), 'fraction', fraction);
      if (!await poisonMnist()) return null;
      setTrainForm({ epochs, limit: images });
      await trainPoisoned();
      const report = await findPoison();
      if (!report) return null;
      const { poisoned, retrained } = report.measurements ?? {};
      return { fraction, clean: poisoned.clean_accuracy, success: poisoned.attack_success,
        after: retrained.attack_success, precision: report.precision, recall: report.recall };
    } },
  { id: 'steal', panel: '.steal-panel',
    controls: [['queries', 500, 20000, 500, 2000]],
    run: async ({ queries }) => {
      setField($('#steal-form'), 'queries', queries);
      const reports = await stealWithCurve();
      if (!reports.length) return null;
      setField($('#infer-form'), 'target', 'overfit');
      const membership = await inferMembership();
      if (!membership) return null;
      const { thiefAccuracy, fidelity } = reports.at(-1);
      return { queries, thief: thiefAccuracy, fidelity, advantage: membership.advantage };
    } },
  { id: 'certify', panel: '.models',
    controls: [],
    run: async () => {
      const info = (await call('setModel', { slot: 'defended', id: 'ibp' }));
      showModels(state.models, [info]);
      setControl($('#proof'), 'ibp');
      await settled();
      const box = $('#defended .certificate');
      const proved = Number(box.dataset.proved);
      return { proved: Math.max(0, proved), broken: box.dataset.broken === '' ? null
        : Number(box.dataset.broken) };
    } },
];

// The formats of the numbers a notice quotes, by name; the rest are said as they are.
const PERCENTS = new Set(['clean', 'fgsm', 'transfer', 'fresh', 'standard', 'success', 'after',
  'precision', 'recall', 'thief', 'fidelity', 'fraction', 'ratio']);
const DECIMALS = { eps: 2, advantage: 3, proved: 3, broken: 3 };

const progress = load();

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY));
    if (saved && Number.isInteger(saved.step) && saved.results) return saved;
  } catch {
    // No storage (a private window, a sandbox) or a value from elsewhere: start afresh.
  }
  return { open: true, step: 0, results: {} };
}

function save() {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(progress));
  } catch {
    // Without storage the path still works; it is only forgotten on reload.
  }
}

function value(rows, name) {
  return rows.find((r) => r.name === name)?.value;
}

// A panel's control set as a person would: its value, then the event the panel listens to.
function setControl(el, v) {
  el.value = String(v);
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

function setField(form, name, v) {
  setControl(form.elements[name], v);
}

function setTrainForm(fields) {
  for (const [name, v] of Object.entries(fields)) setField($('#train-form'), name, v);
}

// Trains through the training panel, with its form showing what is trained.
async function train(fields) {
  setTrainForm(fields);
  const request = trainSettings();
  await runTraining(request, { order: [request.which], epochs: request.settings.epochs });
}

// Resolves once the live analysis has answered the latest input and settings.
function settled() {
  live.request();
  return new Promise((resolve) => {
    const check = () => {
      if (document.body.dataset.live === 'idle') resolve();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}

function formatted(values) {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => {
    if (v === null || v === undefined) return [k, '–'];
    if (PERCENTS.has(k)) return [k, formatPercent(v, 1)];
    if (k in DECIMALS) return [k, formatNumber(v, DECIMALS[k])];
    return [k, formatNumber(v)];
  }));
}

// ------------------------------------------------------------ drawing

function showSteps() {
  $('#study-steps').replaceChildren(...STEPS.map((s, i) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = text(`lab.study.${s.id}.title`);
    button.addEventListener('click', () => go(i));
    if (i === progress.step) button.setAttribute('aria-current', 'step');
    item.classList.toggle('done', Boolean(progress.results[s.id]));
    item.append(button);
    return item;
  }));
}

function showControls(step) {
  const saved = progress.results[step.id]?.settings ?? {};
  $('#study-form').replaceChildren(...step.controls.map(([name, min, max, stepBy, fallback]) => {
    const label = document.createElement('label');
    const span = document.createElement('span');
    span.textContent = text(`lab.study.control.${name}`);
    // Named apart from the panels' own fields, which tests and people find by name.
    const input = Object.assign(document.createElement('input'),
      { type: 'number', name: `study-${name}`, min, max, step: stepBy, required: true });
    input.dataset.key = name;
    input.value = String(saved[name] ?? fallback);
    label.append(span, ' ', input);
    return label;
  }));
}

function showNotice(step) {
  const result = progress.results[step.id];
  const notice = $('#study-notice');
  notice.hidden = !result;
  if (!result) return;
  say(notice, result.measured.broken === null && step.id === 'certify'
    ? 'lab.study.certify.noticeUnbroken' : `lab.study.${step.id}.notice`,
  formatted(result.measured));
  // For tests and the curious: what the step measured.
  notice.dataset.measured = JSON.stringify(result.measured);
}

function show() {
  const body = $('#study-body');
  body.hidden = !progress.open;
  say($('#study-toggle'), progress.open ? 'lab.study.hide' : 'lab.study.show');
  if (!progress.open) return;
  const step = STEPS[progress.step];
  showSteps();
  say($('#study-counter'), 'lab.study.counter', { n: progress.step + 1, count: STEPS.length });
  say($('#study-step-title'), `lab.study.${step.id}.title`);
  say($('#study-intro'), `lab.study.${step.id}.intro`);
  showControls(step);
  showNotice(step);
  $('#study-next').disabled = progress.step === STEPS.length - 1;
  $('#study-back').disabled = progress.step === 0;
}

function go(i) {
  progress.step = Math.max(0, Math.min(STEPS.length - 1, i));
  save();
  say($('#study-status'), null);
  show();
}

// ------------------------------------------------------------ running a step

async function runStep() {
  const form = $('#study-form');
  if (!form.reportValidity()) return;
  const step = STEPS[progress.step];
  const settings = Object.fromEntries([...form.elements].map((el) => [el.dataset.key,
    Number(el.value)]));
  $('#study-run').disabled = true;
  say($('#study-status'), 'lab.study.running', { panel: text(`lab.study.${step.id}.panel`) });
  $(step.panel).scrollIntoView({ behavior: 'smooth', block: 'start' });
  try {
    const measured = await step.run(settings, Object.fromEntries(
      Object.entries(progress.results).map(([id, r]) => [id, { ...r.settings, ...r.measured }])));
    if (!measured) {
      say($('#study-status'), 'lab.study.stopped');
      return;
    }
    progress.results[step.id] = { settings, measured };
    save();
    say($('#study-status'), null);
    show();
    $('#study').scrollIntoView({ behavior: 'smooth', block: 'start' });
  } catch (error) {
    if (!error.crashed) say($('#study-status'), 'lab.failed', failed(error));
  } finally {
    $('#study-run').disabled = false;
  }
}

$('#study-run').addEventListener('click', runStep);
$('#study-next').addEventListener('click', () => go(progress.step + 1));
$('#study-back').addEventListener('click', () => go(progress.step - 1));
$('#study-toggle').addEventListener('click', () => {
  progress.open = !progress.open;
  save();
  show();
});
$('#study-restart').addEventListener('click', () => {
  progress.results = {};
  go(0);
});

/** Says the guide, once the page's language is set and after each switch. */
export function relabelStudy() {
  show();
}
