// The worker's shared state, in one object: whatever a module reads or changes of it is written
// `state.x`, and what one module alone keeps (IndexedDB, the pool, the training run, the widgets'
// nets) stays in that module. The engine and the manifest of pretrained models start loading as
// soon as the worker does, in parallel.
import { WEIGHTS, fetchBytes, fetchJson } from './fetch.js';

// The name web/widget/engine.js gives the widgets' worker: it skips the lab page's prefetch.
const WIDGET_WORKER = 'advlab-widgets';

/** The lab page's two models on show. */
export const SLOTS = ['standard', 'defended'];
/** Images per engine call of the nets made here. */
export const MAX_BATCH = 64;

export const state = {
  /** Whether this worker serves the lab page (it prefetches what the page opens with). */
  forLabPage: self.name !== WIDGET_WORKER,
  /** The engine (advlab.js's Lab), once engineReady has resolved. */
  lab: null,
  /** The lab page's slots: 'standard' | 'defended' -> {net, info}. */
  slots: {},
};

// Imported dynamically, so that it downloads in parallel with the manifest. It says which build
// of the engine this browser runs (SIMD or scalar), and then only that build's bytes download.
const advlab = import('../advlab.js');
const engineOptions = advlab.then(async ({ wasmUrl, wasmVariant }) => {
  const variant = wasmVariant();
  return { variant, wasmBinary: await fetchBytes(wasmUrl(variant).href) };
});

/** The engine's bytes, also handed to the pool's workers (which detect the same build). */
export const wasmBytes = engineOptions.then(({ wasmBinary }) => wasmBinary);

export const engineReady = Promise.all([advlab, engineOptions])
  .then(([{ createLab }, options]) => createLab(options))
  .then((lab) => { state.lab = lab; });

/** data/weights/manifest.json: {models: [{id, label, file, ...}]}. */
export const manifestReady = fetchJson(`${WEIGHTS}manifest.json`);
// Awaited where it is needed; a failure is reported there, not as an unhandled rejection here.
manifestReady.catch(() => {});
