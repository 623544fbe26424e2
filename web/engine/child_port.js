// A pool worker's side of web/engine/children.js: the page starts it and first posts
// {childPort}, the port to the engine's worker that asked for it; every request comes through
// that port, and every answer goes back through it.

let port = null;

/** Runs handler(event) on each request from the engine's worker. */
export function onRequest(handler) {
  onmessage = ({ data }) => {
    port = data.childPort;
    port.onmessage = handler;
  };
}

/** Answers the engine's worker. */
export function reply(message, transfer = []) {
  port.postMessage(message, transfer);
}
