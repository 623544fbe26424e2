// Starts the engine's worker before the page's modules load, so the engine, the models and the
// first digit download in parallel with app.js (which talks to it through window.labWorker).
// A file rather than an inline script: the page runs under a CSP without 'unsafe-inline'
// (docs/security.md).
window.labWorker = new Worker(new URL('../engine/worker.js', document.currentScript.src),
  { type: 'module' });
