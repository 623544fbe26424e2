// Starts the engine's worker before the page's modules load, so the engine, the models and the
// first digit download in parallel with app.js (which talks to it through window.labWorker).
// A file rather than an inline script: the page runs under a CSP without 'unsafe-inline'
// (docs/security.md).
// Without WebAssembly or workers there is no engine to start: app.js then says what is missing
// (ui/needs.js).
if (typeof WebAssembly === 'object' && typeof Worker === 'function') {
  window.labWorker = new Worker(new URL('../engine/worker.js', document.currentScript.src),
    { type: 'module' });
}
