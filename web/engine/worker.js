// The engine's worker, for the lab page and for the <advlab-demo> widgets: it owns the advlab
// WebAssembly module (state.js) and answers requests, each op done by the module of its job.
//
// Protocol: a client posts {id, op, args}; the worker answers {id, ok, result} or
// {id, ok: false, error}, and streams {id, op: 'progress', ...} during long work (MNIST
// download, training, curves). Result buffers are transferred. Long work runs in chunks and
// yields between them (turns.js), so pause, cancel and live attacks are answered meanwhile.
//
// Its pools' workers are started by the page (children.js): {op: 'spawn' | 'unspawn'} out,
// {op: 'spawned' | 'spawnError'} back.
//
// Liveness: the worker posts {op: 'heartbeat'} every second (turns.js), so a client can tell a
// busy worker from a dead one, and {op: 'fatal'} before closing when the engine has aborted (a
// WebAssembly trap leaves the module unusable).
import { analyze } from './analyze.js';
import { audit } from './audit.js';
import { digit } from './data.js';
import { exportModel, importModel, setModel } from './models.js';
import { cleanse, poison } from './poisoning.js';
import { curves, measure } from './robustness.js';
import { cancel, discardCheckpoint, pause, resume, train, trainPreset } from './runs.js';
import { init } from './start.js';
import { infer, invert, steal } from './stealing.js';
import { sweep, sweepDiscard, sweepPause, sweepPlan, sweepSaved } from './sweeps.js';
import { universal } from './universal.js';
import { childAnswer } from './children.js';
import { BEAT_MS, beat } from './turns.js';
import { engineReady } from './state.js';
import { widgetAnalyze, widgetCurve, widgetSteal, widgetTrain } from './widgets.js';


const ops = {
  // the lab page
  init, digit, analyze, setModel, exportModel, importModel,
  train, trainPreset, pause, resume, cancel, discardCheckpoint, curves, measure, poison, cleanse,
  steal, infer, invert, audit, universal, sweepPlan, sweep, sweepPause, sweepSaved, sweepDiscard,
  // the widgets
  widgetDigit: digit, widgetAnalyze, widgetCurve, widgetTrain, widgetSteal,
};

setInterval(beat, BEAT_MS);

onmessage = async ({ data }) => {
  if (childAnswer(data)) return;
  const { id, op, args = {} } = data;
  try {
    if (!Object.hasOwn(ops, op)) throw new Error(`worker: unknown op "${op}"`);
    await engineReady;
    const { result, transfer = [] } = await ops[op](args, id);
    postMessage({ id, ok: true, result }, transfer);
  } catch (error) {
    postMessage({ id, ok: false, error: error.message });
    // A trap (an abort, memory out of bounds) leaves the module unusable: say so and stop, and
    // the client starts a new worker.
    if (error instanceof WebAssembly.RuntimeError) {
      postMessage({ op: 'fatal', error: error.message });
      close();
    }
  }
};
