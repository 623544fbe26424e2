// Long work in the worker runs in chunks and yields between them, so that pause, cancel and live
// attacks are answered within a chunk.
//
// The worker's heartbeat lives here too (ui/rpc.js gives up on a worker silent for 8 s). A timer
// beats every BEAT_MS, and a turn beats when one is due: a browser may run a long job's
// MessageChannel turns ahead of every timer (Firefox does), and a timer alone would then fall
// silent for the whole job.
export const BEAT_MS = 1000;
let lastBeat = 0;

/** Posts {op: 'heartbeat'} to whoever started this worker. */
export function beat() {
  lastBeat = performance.now();
  postMessage({ op: 'heartbeat' });
}

// A MessageChannel, not setTimeout: nested timers are clamped to 4 ms.
const channel = new MessageChannel();
const queue = [];
channel.port1.onmessage = () => queue.shift()();

/** Resolves once the event loop has had a turn. */
export function nextTurn() {
  if (performance.now() - lastBeat >= BEAT_MS) beat();
  return new Promise((resolve) => {
    queue.push(resolve);
    channel.port2.postMessage(0);
  });
}
