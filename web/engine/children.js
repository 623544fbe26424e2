// Workers the engine's worker needs (the evaluation and training pools), started by the page
// (web/ui/children.js says why not here) and spoken to through the MessagePort it hands over.
// A ChildWorker offers what pool.js and train_pool.js use of a Worker: postMessage, onmessage,
// onerror and terminate. Messages posted before the port arrives wait for it.

let nextSpawn = 1;
const children = new Map(); // spawn id -> ChildWorker

export class ChildWorker {
  #port = null;
  #queue = []; // [message, transfer] posted before the port came
  onmessage = null;
  onerror = null;

  /**
   * @param {URL} url the child's module
   * @param {string} name its name, as a Worker's
   */
  constructor(url, name) {
    this.spawn = nextSpawn++;
    children.set(this.spawn, this);
    postMessage({ op: 'spawn', spawn: this.spawn, url: url.href, name });
  }

  postMessage(message, transfer = []) {
    if (this.#port) this.#port.postMessage(message, transfer);
    else this.#queue.push([message, transfer]);
  }

  terminate() {
    children.delete(this.spawn);
    this.#port?.close();
    this.#queue = [];
    postMessage({ op: 'unspawn', spawn: this.spawn });
  }

  attach(port) {
    this.#port = port;
    port.onmessage = (event) => this.onmessage?.(event);
    for (const [message, transfer] of this.#queue) port.postMessage(message, transfer);
    this.#queue = [];
  }

  fail(error) {
    this.onerror?.({ message: error });
  }
}

/** Takes the page's answer about a child ({op: 'spawned' | 'spawnError'}); false if it is not. */
export function childAnswer({ op, spawn, port, error }) {
  if (op !== 'spawned' && op !== 'spawnError') return false;
  const child = children.get(spawn);
  if (op === 'spawned') {
    if (child) child.attach(port);
    else port.close(); // terminated before it started
  } else child?.fail(error);
  return true;
}
