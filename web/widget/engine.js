// The one worker every <advlab-demo> on a page shares, started when the first widget needs it:
// web/engine/worker.js, spoken to through web/ui/rpc.js ({id, op, args}).
//
// A sandboxed iframe without allow-same-origin has an opaque origin, and a browser refuses it
// a worker from any URL. There the worker starts from a data: URL and imports
// web/engine/worker.js, which needs the server to allow cross-origin reads (GitHub Pages does);
// messages that arrive before the import has finished are replayed to it.
import { missingFeature } from '../ui/needs.js';
import { connect } from '../ui/rpc.js';

const WORKER_URL = new URL('../engine/worker.js', import.meta.url).href;
// The name tells web/engine/ not to prefetch what the lab page opens with.
const WORKER_NAME = 'advlab-widgets';

let shared;

function bootstrapSource(url) {
  return `const early = [];
onmessage = (e) => early.push(e);
import(${JSON.stringify(url)}).then(() => { for (const e of early) onmessage(e); },
  (e) => { for (const m of early) postMessage({ id: m.data.id, ok: false,
    error: 'advlab: cannot load ' + ${JSON.stringify(url)} + ': ' + e.message }); });`;
}

function startWorker() {
  try {
    return new Worker(WORKER_URL, { type: 'module', name: WORKER_NAME });
  } catch (error) {
    if (error.name !== 'SecurityError') throw error;
    const source = `data:text/javascript,${encodeURIComponent(bootstrapSource(WORKER_URL))}`;
    return new Worker(source, { type: 'module', name: WORKER_NAME });
  }
}

/**
 * call(op, args, {onProgress, transfer}) on the shared worker, started on first use. In a browser
 * that cannot run the engine every call fails with what it lacks (an i18n key of ui/needs.js).
 */
export function engine() {
  const missing = missingFeature();
  if (missing) return () => Promise.reject(new Error(missing));
  shared ??= connect(startWorker());
  return shared;
}
