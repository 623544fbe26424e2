// A worker that died (ui/rpc.js gave it up) is replaced: the models on show come back from
// IndexedDB, and a training run goes on from its last checkpoint, paused if it was.
import { message } from '../ui/lang.js';
import { live } from './analysis.js';
import { call, onCrash, restartWorker } from './engine.js';
import { showSlot } from './models.js';
import { state } from './state.js';
import { failed, setNotice } from './status.js';
import { checkpointRun, describeCheckpoint, runTraining, setTrainingButtons, training }
  from './training.js';

// Restarts after a crash at most this often, so a worker that cannot start does not loop.
const MAX_RESTARTS = 3;
const restarts = [];

// Why a worker was given up (ui/rpc.js's cause), as a message.
function crashCause({ kind, error, seconds }) {
  if (kind === 'silent') return message('lab.why.silent', { seconds });
  if (kind === 'aborted') return message('lab.why.aborted', { error });
  return error ? message('lab.why.failed', { error }) : message('lab.why.failedToLoad');
}

async function recover(reason) {
  const wasTraining = training.running;
  const wasPaused = wasTraining && training.paused;
  const now = Date.now();
  restarts.push(now);
  while (restarts[0] < now - 60000) restarts.shift();
  if (!state.ready || restarts.length > MAX_RESTARTS) {
    setNotice('lab.crashFinal', { reason });
    setTrainingButtons(false);
    return;
  }
  state.ready = false;
  restartWorker();
  document.body.dataset.workers = Number(document.body.dataset.workers ?? 1) + 1;
  setNotice('lab.crashRestarting', { reason });
  try {
    const init = await call('init');
    state.models = init.models;
    for (const info of init.slots) showSlot(info);
    state.ready = true;
    live.request();
    const c = init.checkpoint;
    if (wasTraining && c) {
      setNotice(wasPaused ? 'lab.crashResumedPaused' : 'lab.crashResumed',
        { reason, run: describeCheckpoint(c) });
      runTraining({ resume: true, paused: wasPaused }, checkpointRun(c));
    } else {
      training.running = false;
      setTrainingButtons(false);
      setNotice(wasTraining ? 'lab.crashRunLost' : 'lab.crashRecovered', { reason });
    }
  } catch (error) {
    if (!error.crashed) {
      setNotice('lab.crashNoRestart', failed(error));
    }
  }
}

onCrash((cause) => recover(crashCause(cause)));
