// The robustness panel: accuracy against eps for both models (the experiment's curve) and the
// tutorial's measurements (the experiment's own rows), over as many test images as chosen.
import { formatNumber, formatPercent, text } from '../ui/lang.js';
import { charts } from './charts.js';
import { call } from './engine.js';
import { modelIdentity, useModels } from './models.js';
import { fillControls, requireModels, RerunError } from './rerun_check.js';
import { $, SLOTS, state } from './state.js';
import { failed, setStatus } from './status.js';

// The words for each row the worker's measure() reports, by the experiment's name for it.
const MEASUREMENT_ROWS = { clean_standard: 'lab.row.cleanStandard',
  fgsm_standard: 'lab.row.fgsmStandard', transfer_defended: 'lab.row.transfer',
  clean_defended: 'lab.row.cleanDefended', fgsm_defended: 'lab.row.fgsmDefended' };

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

// Accuracy against eps for both cards' models on the first n test images (eps: the engine's
// curve when undefined), drawn with what IBP verifies there.
async function runCurves(n, eps) {
  const r = await call('curves', { n, eps }, { onProgress: robustProgress });
  $('#chart-curve').dataset.settings = JSON.stringify({ n, attack: 'fgsm', eps: r.eps,
    models: bothModels() });
  const line = (values) => r.eps.map((eps, i) => [eps, values[i]]);
  charts.curve([...SLOTS.map((slot) => line(r[slot])),
    ...SLOTS.map((slot) => line(r.verified[slot]))], r.eps.at(-1));
}

const bothModels = () => Object.fromEntries(SLOTS.map((slot) => [slot, modelIdentity(slot)]));

$('#curves').addEventListener('click', (e) => runRobust(e.target,
  () => runCurves(Number($('#robust-n').value))));

/**
 * The tutorial's measurements of both slots on the first n test images (FGSM at eps; the
 * tutorial's 0.2 when undefined), shown in the table; answers the rows ({name, eps, value, n}).
 */
export async function measureTutorial(n, eps) {
  const { rows } = await call('measure', { n, eps }, { onProgress: robustProgress });
  $('#measurements').dataset.settings = JSON.stringify({ n: rows[0]?.n ?? n,
    eps: rows.find((r) => r.eps > 0)?.eps ?? eps, models: bothModels() });
  state.measurements = rows;
  showMeasurements(rows);
  return rows;
}

$('#measure').addEventListener('click', (e) => runRobust(e.target,
  () => measureTutorial(Number($('#robust-n').value))));

export function showMeasurements(rows) {
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

// ------------------------------------------------------------ a loaded run, again

// The eps of a loaded curve: a list of numbers in [0, 1], as the engine takes it.
function curveEps(eps) {
  if (eps === undefined) throw new RerunError('lab.run.missing', { key: 'eps' });
  if (!Array.isArray(eps) || !eps.length || eps.some((e) => typeof e !== 'number' ||
    !Number.isFinite(e) || e < 0 || e > 1)) {
    throw new RerunError('lab.run.outOfRange', { key: 'eps', value: JSON.stringify(eps), min: 0,
      max: 1 });
  }
  return eps;
}

/** Runs the accuracy-against-eps curve of a loaded run's settings again: its models, n and eps. */
export async function rerunCurves(settings) {
  const models = requireModels(settings.models);
  const eps = curveEps(settings.eps);
  fillControls([[$('#robust-n'), 'n', settings.n]]);
  await useModels(models);
  await runRobust($('#curves'), () => runCurves(settings.n, eps));
}

/** Takes the tutorial's measurements of a loaded run's settings again: its models, n and eps. */
export async function rerunMeasurements(settings) {
  const models = requireModels(settings.models);
  const [eps] = curveEps(settings.eps === undefined ? undefined : [settings.eps]);
  fillControls([[$('#robust-n'), 'n', settings.n]]);
  await useModels(models);
  await runRobust($('#measure'), () => measureTutorial(settings.n, eps));
}
