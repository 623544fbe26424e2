// "Load a run (JSON)" (issue 18, Reproduce): the JSON a table or chart of the page exported
// (exports.js: its name, the engine's version and the settings that made it) loads back, chosen
// or dropped on the page; its panel takes the settings into its controls and runs them again,
// so that whoever receives the file gets the same numbers. A sweep's JSON goes to the Sweeps
// panel's own loader. A file that cannot be run again says why, naming the file, and leaves
// everything on the page as it was.
import { message, say } from '../ui/lang.js';
import { rerunAudit } from './audit.js';
import { rerunPoisonSearch } from './poison.js';
import { RerunError } from './rerun_check.js';
import { rerunCurves, rerunMeasurements } from './robustness.js';
import { $, state } from './state.js';
import { rerunMembership, rerunStealCurve, rerunStealTable } from './steal.js';
import { rerunTraining } from './training.js';
import { rerunUniversal } from './universal.js';

// By the export's name: the panel's rerun, the button that runs it (disabled while it runs; the
// poison search's is also disabled while there is nothing to search, so its rerun says which),
// the element its results fill, and the run's name in a sentence.
const TRAINING = { rerun: rerunTraining, button: '#train', shows: '#chart-loss',
  what: 'lab.run.what.training' };
const RERUNS = {
  'accuracy-vs-eps': { rerun: rerunCurves, button: '#curves', shows: '#chart-curve',
    what: 'lab.run.what.curves' },
  'tutorial-measurements': { rerun: rerunMeasurements, button: '#measure',
    shows: '#measurements', what: 'lab.run.what.measurements' },
  autoattack: { rerun: rerunAudit, button: '#audit-run', shows: '#audit-report',
    what: 'lab.run.what.audit' },
  'universal-perturbation': { rerun: rerunUniversal, button: '#universal-run',
    shows: '#universal-report', what: 'lab.run.what.universal' },
  'theft-against-queries': { rerun: rerunStealCurve, button: '#steal-run', shows: '#chart-steal',
    what: 'lab.run.what.stealCurve' },
  'post-processors-against-theft': { rerun: rerunStealTable, button: '#steal-defences',
    shows: '#steal-table', what: 'lab.run.what.stealTable' },
  'membership-roc': { rerun: rerunMembership, button: '#infer-run', shows: '#infer-report',
    what: 'lab.run.what.membership' },
  'poison-search': { rerun: rerunPoisonSearch, button: null, shows: '#cleanse-report',
    what: 'lab.run.what.poisonSearch' },
  'training-loss': TRAINING,
  'training-accuracy': TRAINING,
  'training-speed': TRAINING,
};

function report(key, values, isError = false) {
  const status = $('#run-status');
  say(status, key, values);
  status.classList.toggle('is-error', isError);
  status.dataset.state = isError ? 'error' : key.split('.').pop();
}

// [major, minor, patch] of "0.1.0"; null when it is not such a version.
function versionParts(v) {
  const m = typeof v === 'string' && /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? m.slice(1).map(Number) : null;
}

function newer(theirs, ours) {
  const [a, b] = [versionParts(theirs), versionParts(ours)];
  if (!a || !b) return false;
  const i = a.findIndex((part, k) => part !== b[k]);
  return i >= 0 && a[i] > b[i];
}

// The parsed file's run, checked before anything runs: {entry, settings}. Throws a RerunError.
function checkRun(json) {
  if (!json || typeof json !== 'object' || Array.isArray(json) || typeof json.name !== 'string') {
    throw new RerunError('lab.run.notRun');
  }
  const entry = RERUNS[json.name];
  if (!entry) throw new RerunError('lab.run.unknown', { name: json.name });
  const ours = state.engine?.version;
  if (newer(json.advlab, ours)) throw new RerunError('lab.run.newer', { version: json.advlab, ours });
  if (!json.settings || typeof json.settings !== 'object') {
    throw new RerunError('lab.run.noSettings', { what: message(entry.what) });
  }
  if (entry.button && $(entry.button).disabled) throw new RerunError('lab.run.busy', { what: message(entry.what) });
  return { entry, settings: json.settings };
}

// A sweep's JSON (this page's or the CLI's) to the Sweeps panel's loader, as if chosen there.
function toSweeps(file) {
  const chosen = new DataTransfer();
  chosen.items.add(file);
  const input = $('#sweep-file');
  input.files = chosen.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
  $('#sweep').scrollIntoView({ block: 'start' });
}

const isSweep = (json) => json?.format === 'advlab-sweep' || Array.isArray(json?.vary);

// Loads one file: checks it, then has its panel run it again. Answers when the run has ended.
async function loadRun(file) {
  const values = { file: file.name };
  if (!state.ready) {
    report('lab.run.notReady', values, true);
    return;
  }
  let json;
  try {
    json = JSON.parse(await file.text());
  } catch (error) {
    report('lab.run.notJson', { ...values, message: error.message }, true);
    return;
  }
  if (isSweep(json)) {
    report('lab.run.sweep', values);
    toSweeps(file);
    return;
  }
  let run;
  try {
    run = checkRun(json);
  } catch (error) {
    report(error.key, { ...values, ...error.values }, true);
    return;
  }
  // A message, not its text: the line is said again in the language switched to.
  const what = message(run.entry.what);
  report('lab.run.running', { ...values, what });
  $(run.entry.shows).scrollIntoView({ block: 'center' });
  try {
    await run.entry.rerun(run.settings);
    report('lab.run.done', { ...values, what });
  } catch (error) {
    if (error instanceof RerunError) report(error.key, { ...values, what, ...error.values }, true);
    else if (!error.crashed) report('lab.run.failed', { ...values, message: error.message }, true);
  }
}

$('#run-file').addEventListener('change', async ({ target }) => {
  const [file] = target.files;
  target.value = '';
  if (file) await loadRun(file);
});

// A file dropped anywhere on the page loads as if chosen; other drops (text, links) are the
// browser's.
const carriesFiles = (e) => e.dataTransfer?.types.includes('Files');
document.addEventListener('dragover', (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  const [file] = e.dataTransfer.files;
  if (file) loadRun(file);
});
