// worker.html's script. window.call(op, args) sends one request to the worker and resolves with
// its reply; progress events are counted in window.progressEvents.
const worker = new Worker('./worker.mjs', { type: 'module' });
const pending = new Map();
let nextId = 1;
window.progressEvents = 0;
worker.onmessage = ({ data }) => {
  if (data.op === 'progress') { window.progressEvents++; return; }
  pending.get(data.id)(data);
  pending.delete(data.id);
};
worker.onerror = (e) => console.error(`worker error: ${e.message}`);
window.call = (op, args) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, resolve);
  worker.postMessage({ id, op, args });
});
window.ready = true;
