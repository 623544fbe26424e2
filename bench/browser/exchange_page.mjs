// The exchange stage's page (bench/exchange.mjs): two module workers joined by a MessageChannel
// that the page made and handed over, as web/engine/children.js joins the lab's worker and a
// training replica. window.roundTrip({between, how, floats, trips}) times `trips` round trips of
// a Float32Array of `floats` (after a tenth as many untimed) and resolves with the mean in
// microseconds:
// - between 'workers': worker A to worker B over the port and back; 'page': the page to A and
//   back, as the page and the lab's worker talk;
// - how 'transfer' (the buffer is handed over each way, as the pool sends its parts), 'clone'
//   (copied each way), or 'atomics' (no message: a counter in a SharedArrayBuffer, Atomics.notify
//   and Atomics.wait; only when the page is cross-origin isolated).
// A whole run is timed, not each trip: outside isolation performance.now() ticks in 0.1 ms.
const workers = [0, 1].map((i) => new Worker(new URL('./exchange_worker.mjs', import.meta.url),
  { type: 'module', name: `exchange-${i}` }));
const channel = new MessageChannel();
workers[0].postMessage({ op: 'link', port: channel.port1 }, [channel.port1]);
workers[1].postMessage({ op: 'link', port: channel.port2 }, [channel.port2]);

function ask(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.ok ? resolve(data) : reject(new Error(data.error)));
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(message);
  });
}

async function pageTrips(how, floats, trips) {
  const [a] = workers;
  let payload = new Float32Array(floats);
  const one = () => new Promise((resolve) => {
    a.onmessage = ({ data }) => resolve(data.payload);
    a.postMessage({ op: 'bounce', how, payload }, how === 'transfer' ? [payload.buffer] : []);
  });
  for (let i = 0; i < Math.ceil(trips / 10); i++) payload = await one();
  const start = performance.now();
  for (let i = 0; i < trips; i++) payload = await one();
  return performance.now() - start;
}

window.roundTrip = async ({ between, how, floats, trips }) => {
  if (how === 'atomics' && !crossOriginIsolated) throw new Error('atomics: the page is not isolated');
  let ms;
  if (between === 'page') ms = await pageTrips(how, floats, trips);
  else {
    const shared = how === 'atomics' ? new SharedArrayBuffer(8) : null;
    const served = ask(workers[1], { op: 'serve', how, shared });
    ({ ms } = await ask(workers[0], { op: 'time', how, floats, trips, shared }));
    await served;
  }
  return (ms * 1000) / trips;
};
window.isolated = crossOriginIsolated;
window.ready = true;
