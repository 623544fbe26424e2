// "Universal perturbation" in the Robustness panel (issue 13): one perturbation fitted on the
// first training digits for a card's model (web/engine/universal.js), shown as an image and
// added to a test digit, with how many of the test digits it fools, in the page's language.
import { number, percent, say } from '../ui/lang.js';
import { digitFigure, drawPerturbation } from '../ui/render.js';
import { call } from './engine.js';
import { modelIdentity, useModels } from './models.js';
import { fillControls, requireModels, RerunError } from './rerun_check.js';
import { $ } from './state.js';
import { failed } from './status.js';

// The perturbation as a heatmap figure (drawn against zero: red adds ink, blue removes it).
function perturbationFigure(v) {
  const figure = document.createElement('figure');
  const canvas = Object.assign(document.createElement('canvas'), { width: 28, height: 28 });
  canvas.id = 'universal-v';
  drawPerturbation(canvas, new Float32Array(v.length), v);
  const caption = document.createElement('figcaption');
  say(caption, 'lab.universal.perturbation');
  figure.append(canvas, caption);
  return figure;
}

function showUniversal(r, settings) {
  const digit = digitFigure(r.digit, '');
  digit.querySelector('canvas').id = 'universal-digit';
  say(digit.querySelector('figcaption'), 'lab.universal.digit',
    { index: r.index, clean: r.cleanPredicted, predicted: r.predicted });
  $('#universal-results').replaceChildren(perturbationFigure(r.perturbation), digit);
  $('#universal-results').hidden = false;
  // The figures in full, for whoever checks them against `advlab universal --json`: v's float32
  // bytes as base64, the rates as their shortest round-trip decimals.
  const bytes = new Uint8Array(r.perturbation.buffer, r.perturbation.byteOffset,
    r.perturbation.byteLength);
  Object.assign($('#universal-report').dataset, { fooled: r.heldOutFooled, n: r.heldOutN,
    rate: r.heldOutFoolingRate, fitFooled: r.fooled, fitRate: r.foolingRate, passes: r.passes,
    norm: r.norm, v: btoa(String.fromCharCode(...bytes)), settings: JSON.stringify(settings) });
  say($('#universal-report'), 'lab.universal.report', { fooled: number(r.heldOutFooled),
    n: number(r.heldOutN), rate: percent(r.heldOutFoolingRate, 1), fit: number(r.n),
    fitRate: percent(r.foolingRate, 1), passes: number(r.passes), norm: number(r.norm, 3),
    seconds: number(r.seconds, 1) });
}

async function runUniversal() {
  const form = $('#universal-form');
  if (!form.reportValidity()) return;
  const f = Object.fromEntries(new FormData(form));
  const settings = { slot: f.slot, eps: Number(f.eps), norm: f.norm === 'inf' ? 'inf' : 2,
    delta: Number(f.delta), maxIter: Number(f.maxIter), fit: Number(f.fit), n: Number(f.n) };
  const models = { [f.slot]: modelIdentity(f.slot) };
  $('#universal-run').disabled = true;
  $('#universal-progress').removeAttribute('value'); // one call into the engine: no fraction to show
  say($('#universal-report'), 'lab.universal.running');
  try {
    const r = await call('universal', settings);
    $('#universal-progress').value = 1;
    showUniversal(r, { ...settings, models });
  } catch (error) {
    $('#universal-progress').value = 0;
    if (!error.crashed) say($('#universal-report'), 'lab.failed', failed(error));
  } finally {
    $('#universal-run').disabled = false;
  }
}

$('#universal-run').addEventListener('click', runUniversal);

/** Fits the perturbation of a loaded run's settings again: its model and every setting. */
export async function rerunUniversal(settings) {
  const { elements } = $('#universal-form');
  const models = requireModels(settings.models);
  if (typeof settings.slot === 'string' && !models[settings.slot]) {
    throw new RerunError('lab.run.missing', { key: `models.${settings.slot}` });
  }
  fillControls(['slot', 'eps', 'norm', 'delta', 'maxIter', 'fit', 'n']
    .map((key) => [elements[key], key, settings[key]]));
  await useModels(models);
  await runUniversal();
}
