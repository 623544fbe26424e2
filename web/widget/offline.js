// Registers the service worker (web/sw.js) so a page in its folder works offline after the first
// visit. Optional: where service workers are unavailable (a sandboxed iframe's opaque origin,
// file://, a private window) this does nothing, and the page works online as before.
export function workOffline() {
  try {
    navigator.serviceWorker?.register(new URL('../sw.js', import.meta.url)).catch(() => {});
  } catch {
    // Reading navigator.serviceWorker throws in an opaque origin.
  }
}
