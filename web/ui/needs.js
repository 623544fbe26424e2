// What the engine needs of a browser, tested on the main thread before any worker starts, so that
// a browser without it gets one sentence that says what is missing and what to do (i18n keys
// "needs…"), and not a worker that fails somewhere later. The page and the widget both ask.
//
// WebAssembly is off in iOS Lockdown Mode and in some managed browsers; module workers came in
// Firefox 114 and Safari 15; DecompressionStream (the worker's MNIST inflater) in Firefox 113 and
// Safari 16.4. WebAssembly SIMD is not a need: advlab.js falls back to the scalar build.

/** The i18n key of the first thing this browser lacks, or null when it has everything. */
export function missingFeature() {
  if (typeof WebAssembly !== 'object') return 'needsWasm';
  if (typeof Worker !== 'function') return 'needsWorker';
  if (!moduleWorkers()) return 'needsModuleWorker';
  if (typeof DecompressionStream !== 'function') return 'needsDecompression';
  return null;
}

// A browser that knows module workers reads the options' `type`; the URL then fails to parse, so
// no worker starts and nothing is fetched (nor checked against a Content-Security-Policy).
function moduleWorkers() {
  let read = false;
  try {
    new Worker('http://[', { get type() { read = true; return 'module'; } });
  } catch { /* the SyntaxError the bad URL is there to cause */ }
  return read;
}
