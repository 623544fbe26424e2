// The lab's service worker: after the first visit the page works offline.
// Network first, so a rebuilt engine or new weights are picked up whenever
// the server answers; the cache answers only when it does not. Installing
// it stores the page, the engine, the shipped models and the MNIST test set;
// the training set is cached when a page this worker controls (from the
// second visit on) first trains. Optional: the page works without it. Its scope is
// this folder: the lab page, the embed page (embed.html) and the examples; a page that embeds
// <advlab-demo> from elsewhere decides for itself whether to register it.
const CACHE = 'advlab-v8';
const SHELL = [
  './index.html', './icon.svg', './advlab.js',
  './lab/boot.js', './lab/style.css', './lab/app.js', './lab/state.js', './lab/engine.js',
  './lab/status.js', './lab/cards.js', './lab/charts.js', './lab/analysis.js', './lab/input.js',
  './lab/models.js', './lab/training.js', './lab/recover.js', './lab/robustness.js',
  './lab/poison.js', './engine/poisoning.js', './lab/certificate.js', './engine/certificates.js',
  './lab/steal.js', './engine/stealing.js', './lab/study.js', './lab/audit.js', './engine/audit.js',
  './lab/universal.js', './engine/universal.js',
  './lab/sweep.js', './lab/sweep_chart.js', './engine/sweeps.js',
  './lab/exports.js', './lab/reproduce.js', './lab/rerun_check.js', './ui/budgets.js', './ui/export.js', './widget/steal.js',
  './engine/worker.js', './engine/state.js', './engine/fetch.js', './engine/turns.js',
  './engine/data.js', './engine/store.js', './engine/models.js', './engine/analyze.js',
  './engine/training.js', './engine/trainers.js', './engine/train_pool.js',
  './engine/replica_worker.js', './engine/runs.js', './engine/evaluate.js', './engine/robustness.js',
  './engine/pool.js', './engine/pool_worker.js', './engine/start.js', './engine/widgets.js',
  './engine/children.js', './engine/child_port.js',
  './ui/chart.js', './ui/lang.js', './ui/live.js', './ui/needs.js', './ui/pad.js',
  './ui/render.js', './ui/rpc.js', './ui/children.js',
  './embed.html', './advlab-demo.js', './widget/element.js', './widget/engine.js',
  './widget/settings.js', './widget/template.js', './widget/page.js', './widget/offline.js',
  './widget/widget.css', './widget/page.css', './widget/icon.svg',
  './i18n/index.js', './i18n/en.js', './i18n/ko.js',
  './examples/course-notes.html', './examples/course-notes.css', './examples/course-notes.js',
  './gen/advlab_core.mjs', './gen/advlab_core.wasm',
  '../data/weights/manifest.json', '../data/weights/standard.safetensors',
  '../data/weights/fgsm.safetensors', '../data/weights/pgd.safetensors',
  '../data/weights/poisoned.safetensors', '../data/weights/ibp.safetensors',
  '../data/weights/robust.safetensors',
  // The test set (1.7 MB): the opening digit, random digits, curves and the detector.
  '../data/mnist/t10k-images-idx3-ubyte.gz', '../data/mnist/t10k-labels-idx1-ubyte.gz',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
    }
    return response;
  }).catch(() => caches.match(request, { ignoreSearch: true }).then((cached) => cached ??
    Response.error())));
});
