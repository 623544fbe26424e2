// The page's side of the worker protocol: call(op, args, {onProgress, transfer})
// posts {id, op, args} and resolves with the result, or rejects with an Error
// carrying the worker's message.
//
// It also watches the worker. A worker that fails (an error event), reports
// that its engine aborted ({op: 'fatal'}), or sends no heartbeat for
// TIMEOUT_MS while a request waits (it was terminated, or hangs) is given up:
// it is terminated, every waiting call rejects with an Error whose `crashed`
// is true, and onCrash(reason, cause) is called once: reason in English words, cause as data
// for a page that words it in its own language ({kind: 'aborted', error}, {kind: 'failed',
// error} or {kind: 'silent', seconds}). The page then hands a new worker to call.replace(worker).
//
// It also starts the workers the worker asks for (its pools: children.js), and stops them with it.

// The worker beats every second; a busy worker still beats between its chunks of work, so
// TIMEOUT_MS of silence is a dead worker even on a loaded machine.
const TIMEOUT_MS = 8000;
const WATCH_MS = 500;

import { childrenOf } from './children.js';

export function connect(firstWorker, { onCrash } = {}) {
  const pending = new Map();
  let nextId = 1;
  let worker;
  let lastHeard = 0;
  const children = childrenOf(() => worker);

  function crashed(reason, cause) {
    worker.onmessage = null;
    worker.onerror = null;
    worker.terminate();
    worker = null;
    children.stopAll();
    const error = Object.assign(new Error(`the engine's worker stopped: ${reason}`),
      { crashed: true });
    for (const call of pending.values()) call.reject(error);
    pending.clear();
    onCrash?.(reason, cause);
  }

  function attach(w) {
    worker = w;
    lastHeard = performance.now();
    w.onmessage = ({ data }) => {
      lastHeard = performance.now();
      if (data.op === 'heartbeat' || children.handle(data)) return;
      if (data.op === 'fatal') {
        crashed(`its engine aborted (${data.error})`, { kind: 'aborted', error: data.error });
        return;
      }
      const call = pending.get(data.id);
      if (!call) return;
      if (data.op === 'progress') {
        call.onProgress?.(data);
        return;
      }
      pending.delete(data.id);
      if (data.ok) call.resolve(data.result);
      else call.reject(new Error(data.error));
    };
    w.onerror = (event) => {
      event.preventDefault();
      crashed(event.message || 'it failed to load or threw',
        { kind: 'failed', error: event.message });
    };
  }

  // A watch that comes late means this thread was busy itself, and the worker's beats may be
  // waiting behind it in the queue: such a watch judges nothing, and the next one, on time,
  // sees them.
  let lastWatch = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - lastWatch > 2 * WATCH_MS;
    lastWatch = now;
    const silent = now - lastHeard;
    if (!late && worker && pending.size > 0 && silent > TIMEOUT_MS) {
      const seconds = Math.round(silent / 1000);
      crashed(`no word from it for ${seconds} s`, { kind: 'silent', seconds });
    }
  }, WATCH_MS);

  attach(firstWorker);

  function call(op, args = {}, { onProgress, transfer = [] } = {}) {
    return new Promise((resolve, reject) => {
      if (!worker) {
        reject(Object.assign(new Error("the engine's worker is restarting"), { crashed: true }));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, op, args }, transfer);
    });
  }
  /** Takes over a new worker after a crash. */
  call.replace = attach;
  return call;
}
