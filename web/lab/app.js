// The lab page. It draws and shows; the engine's worker (web/engine/) computes. The main thread
// never touches WebAssembly memory and does no work longer than a frame: the live analysis is one
// request in flight at a time, coalesced to animation frames (analysis.js), and training reports
// are drawn at most once per frame (training.js). Every string it shows is in web/i18n/ (keys
// "lab."), said through ui/lang.js so that the language switch can say it again.
//
// This module starts the page; each view is a module of its own: cards, analysis (live), input,
// models, training, robustness, recover (a dead worker), reproduce (a run's JSON loaded back), over
// state.js and engine.js.
import { onLanguage, say, startLanguage } from '../ui/lang.js';
import { showAnalysis, syncAttackControls } from './analysis.js';
import { relabelAudit } from './audit.js';
import { charts, labelCharts } from './charts.js';
import { call, missing } from './engine.js';
import { labelExports } from './exports.js';
import { showDigit } from './input.js';
import { showSlot } from './models.js';
import './recover.js';
import './reproduce.js';
import './universal.js';
import { relabelPoison } from './poison.js';
import { relabelSteal } from './steal.js';
import { relabelSweep, showSavedSweep } from './sweep.js';
import { relabelStudy } from './study.js';
import { showMeasurements } from './robustness.js';
import { $, SLOTS, state } from './state.js';
import { failed, setNotice, setStatus } from './status.js';
import { showPrompt } from './training.js';

startLanguage($('#lang'));

// Offline after the first visit. Optional: registration fails harmlessly where service workers are
// unavailable (file://, some sandboxed iframes), and the page works without one.
navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => {});

labelCharts();
for (const draw of Object.values(charts)) draw([], 1);
relabelSteal();
relabelStudy();
labelExports();

async function start() {
  syncAttackControls();
  const init = await call('init');
  say($('#engine-variant'), init.variant === 'simd' ? 'lab.engineSimd' : 'lab.engineScalar');
  state.engine = { version: init.version, variant: init.variant };
  state.models = init.models;
  for (const info of init.slots) showSlot(info);
  state.ready = true;
  // Another tab's run writes the checkpoint as it goes: that run is not interrupted.
  // What this browser lacks and the lab can do without, said once: storage before tab safety.
  if (!init.storage) setNotice('lab.noStorage');
  else if (!init.tabsApart) setNotice('lab.noLocks');
  if (init.checkpoint && !init.trainingElsewhere) showPrompt(init.checkpoint);
  else if (init.trainingElsewhere) say($('#train-status'), 'lab.trainingElsewhere');
  showDigit(init.digit);
  await showSavedSweep();
}

// A language switch: say() has redone the status lines; what is built from data is redone here.
onLanguage(() => {
  labelCharts();
  for (const slot of SLOTS) if (state.slots[slot]) showSlot(state.slots[slot]);
  if (state.last) showAnalysis(state.last, state.lastControls);
  if (state.measurements) showMeasurements(state.measurements);
  relabelPoison();
  relabelSteal();
  relabelStudy();
  relabelAudit();
  relabelSweep();
  labelExports();
  syncAttackControls();
});

// Without an engine the page stays readable, its controls inert, and says what to do.
if (missing) {
  setStatus(missing, {}, true);
  document.body.dataset.unsupported = missing;
  $('main').inert = true;
} else {
  start().catch((error) => setStatus('lab.startFailed', failed(error), true));
}
