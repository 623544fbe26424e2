// Long work in the worker runs in chunks and yields between them, so that pause, cancel and live
// attacks are answered within a chunk.

// A MessageChannel, not setTimeout: nested timers are clamped to 4 ms.
const channel = new MessageChannel();
const queue = [];
channel.port1.onmessage = () => queue.shift()();

/** Resolves once the event loop has had a turn. */
export function nextTurn() {
  return new Promise((resolve) => {
    queue.push(resolve);
    channel.port2.postMessage(0);
  });
}
