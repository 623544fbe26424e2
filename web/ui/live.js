// The live request coalescer of the lab page and the widgets: one request in flight at a time;
// requests made meanwhile collapse into one, sent on the next animation frame, so input as fast
// as a pointer moves costs at most one answer per frame. The host element's data-live is 'busy'
// from a request until the latest input has been answered, then 'idle'.
export class LiveRequests {
  #host;
  #send;
  #canSend;
  #dirty = false;
  #busy = false;
  #frame = 0;
  #changes = 0; // changes under way (a new model); the request is redone after each

  /**
   * @param {HTMLElement} host carries data-live
   * @param {() => Promise<void>} send makes one request from the latest input and shows its
   *   answer; it handles its own errors
   * @param {() => boolean} [canSend] false holds requests back (the engine is not ready); the
   *   next request() after it turns true sends
   */
  constructor(host, send, canSend = () => true) {
    this.#host = host;
    this.#send = send;
    this.#canSend = canSend;
  }

  /** Asks for an answer to the latest input. */
  request() {
    this.#dirty = true;
    this.#host.dataset.live = 'busy';
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  /** Runs work (a change the answer depends on), busy meanwhile, then asks again. */
  async during(work) {
    this.#changes++;
    this.#host.dataset.live = 'busy';
    try {
      return await work();
    } finally {
      this.#changes--;
      this.request();
    }
  }

  async #flush() {
    this.#frame = 0;
    if (this.#busy || !this.#dirty || !this.#canSend()) return;
    this.#dirty = false;
    this.#busy = true;
    try {
      await this.#send();
    } finally {
      this.#busy = false;
      if (this.#dirty) this.request();
      else if (!this.#changes) this.#host.dataset.live = 'idle';
    }
  }
}
