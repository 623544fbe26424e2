// The lab page's line to the engine's worker (web/engine/worker.js), which web/lab/boot.js
// started before the page's modules loaded. call(op, args, {onProgress, transfer}) is
// web/ui/rpc.js's; a worker that dies is given to the handler set with onCrash. In a browser
// that cannot run the engine, `missing` names what it lacks and no call is ever made.
import { missingFeature } from '../ui/needs.js';
import { connect } from '../ui/rpc.js';

const WORKER_URL = new URL('../engine/worker.js', import.meta.url);

/** The i18n key of what this browser lacks to run the engine (ui/needs.js), or null. */
export const missing = missingFeature();

let crashHandler = () => {};
export const call = missing ? null
  : connect(window.labWorker, { onCrash: (_, cause) => crashHandler(cause) });

/** fn(cause) runs when the worker is given up (cause as in ui/rpc.js). */
export function onCrash(fn) {
  crashHandler = fn;
}

/** A new worker in place of a dead one. */
export function restartWorker() {
  window.labWorker = new Worker(WORKER_URL, { type: 'module' });
  call.replace(window.labWorker);
}
