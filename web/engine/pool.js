// A pool of Web Workers (pool_worker.js) that runs evaluation tasks (evaluate.js) on
// slices of the images, one slice per worker, so curves and measurements use every core; and
// AutoAttack's evaluation (lab.evaluate) on parts of the images, each part on the next free worker;
// and a sweep's cells (lab.sweepCell), each cell on the next free worker.
//
// The page starts the workers (children.js). No SharedArrayBuffer is needed, so no COOP/COEP:
// each worker has its own engine instance, gets the models as safetensors bytes and its slice of
// the images as a copy, and answers with counts of correct predictions, which add up exactly to
// the counts one worker would get (or with a part's report, whose counts add up to the whole's:
// advlab_evaluate's `first`).
//
// Protocol: the pool posts {job, wasmBinary?, models, x, labels, tasks} or {job, wasmBinary?,
// evaluate: {model, pre, settings}, x, labels}, {job, wasmBinary?, sweep: {spec, cell}} or a
// universal perturbation {job, wasmBinary?, universal: {model, settings}, x, heldOut}; a worker
// answers {job, op: 'task', index, seconds} after each task (a sweep's cell: {job, op: 'task',
// progress}), then {job, ok: true, result} (the counts, the report, the cell's {cell, values,
// seconds}, or lab.universal's result) or {job, ok: false, error}.

import { ChildWorker } from './children.js';

const MAX_WORKERS = 4;

/** The pool size this browser suggests: one worker per core, at most MAX_WORKERS. */
export function defaultPoolSize() {
  return Math.max(1, Math.min(MAX_WORKERS, globalThis.navigator?.hardwareConcurrency ?? 1));
}

export class EvalPool {
  #wasmBinary;
  #workers = [];
  #started = new WeakSet(); // workers that have had the engine's bytes
  // Jobs not yet answered, by job number: {worker, resolve, reject, onTaskDone}. Each worker's
  // answers are routed here by their job number, so jobs of two requests may share a worker (it
  // runs them in turn) and each still gets its own answer.
  #pending = new Map();
  #nextJob = 1;

  /**
   * @param {number} size workers, at least 2 (one is the caller itself)
   * @param {Uint8Array} wasmBinary advlab_core.wasm, copied to each worker once
   */
  constructor(size, wasmBinary) {
    this.#wasmBinary = wasmBinary;
    for (let i = 0; i < size; i++) {
      const worker = new ChildWorker(new URL('./pool_worker.js', import.meta.url),
        `advlab-pool-${i}`);
      worker.onmessage = ({ data }) => this.#answer(data);
      worker.onerror = (event) => {
        event.preventDefault?.();
        const error = new Error(`evaluation worker: ${event.message ?? 'failed to start'}`);
        for (const [job, waiting] of this.#pending) {
          if (waiting.worker === worker) this.#settle(job, waiting.reject, error);
        }
      };
      this.#workers.push(worker);
    }
  }

  get size() {
    return this.#workers.length;
  }

  /**
   * Runs tasks on n images split across the workers.
   * @param {{models: Object<string, Uint8Array>, x: Float32Array, labels: Int32Array,
   *   tasks: object[], onTask?: (done: number, total: number) => void}} job
   * @returns {Promise<{counts: number[], seconds: number[]}>} correct predictions per task over
   *   all images, and per task the longest any worker took
   */
  async run({ models, x, labels, tasks, onTask = () => {} }) {
    const slices = splitImages(labels.length, this.size);
    const total = tasks.length * slices.length;
    let done = 0;
    const seconds = tasks.map(() => 0);
    const parts = await Promise.all(slices.map(([start, end], w) =>
      this.#runSlice(this.#workers[w], {
        models, tasks,
        x: x.slice(start * 784, end * 784), labels: labels.slice(start, end),
      }, ({ index, seconds: s }) => {
        seconds[index] = Math.max(seconds[index], s);
        onTask(++done, total);
      })));
    const counts = tasks.map((_, i) => parts.reduce((sum, part) => sum + part[i], 0));
    return { counts, seconds };
  }

  /**
   * AutoAttack's evaluation of one model (safetensors bytes, behind pre-processor `pre` or none)
   * on parts of the images, each part {first, n, checks} on the next free worker.
   * @returns {Promise<object[]>} each part's report (lab.evaluate's), in the parts' order
   */
  async evaluateParts({ model, pre, x, labels, parts, settings, onPart = () => {} }) {
    const reports = new Array(parts.length);
    let next = 0;
    let done = 0;
    const work = async (worker) => {
      while (next < parts.length) {
        const i = next++;
        const { first, n, checks } = parts[i];
        reports[i] = await this.#post(worker, { evaluate: { model, pre,
          settings: { ...settings, first, checks } },
        x: x.slice(first * 784, (first + n) * 784), labels: labels.slice(first, first + n) });
        onPart(++done, parts.length);
      }
    };
    await Promise.all(this.#workers.map(work));
    return reports;
  }

  /**
   * The universal perturbation (lab.universal) of one model (safetensors bytes) on the first
   * worker: fitted on x, its fooling rate measured on heldOut.
   * @returns {Promise<object>} lab.universal's result
   */
  universal({ model, x, heldOut, settings }) {
    return this.#post(this.#workers[0], { universal: { model, settings }, x, heldOut });
  }

  /**
   * A sweep's cells, each on the next free worker (lab.sweepCell on MNIST, which each worker
   * reads once). onCell(result) runs as each cell ends, in the order they end; onProgress(cell,
   * progress) with the cell's SweepProgress.
   * @param {{spec: object, cells: number[], onCell: (r: object) => void,
   *   onProgress?: (cell: number, p: object) => void}} job
   */
  async sweepCells({ spec, cells, onCell, onProgress = () => {} }) {
    let next = 0;
    const work = async (worker) => {
      while (next < cells.length) {
        const cell = cells[next++];
        onCell(await this.#post(worker, { sweep: { spec, cell } },
          ({ progress }) => onProgress(cell, progress), []));
      }
    };
    await Promise.all(this.#workers.map(work));
  }

  /** Stops every worker; jobs under way reject with "stopped". */
  terminate() {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    for (const { reject } of this.#pending.values()) reject(new Error('stopped'));
    this.#pending.clear();
  }

  #runSlice(worker, { models, tasks, x, labels }, onTaskDone) {
    return this.#post(worker, { models, tasks, x, labels }, onTaskDone);
  }

  // Posts one job (by default its images transferred) and answers its result.
  #post(worker, message, onTaskDone = () => {},
    transfer = [message.x, message.labels, message.heldOut].filter(Boolean).map((a) => a.buffer)) {
    const job = this.#nextJob++;
    const wasmBinary = this.#started.has(worker) ? undefined : this.#wasmBinary;
    this.#started.add(worker);
    return new Promise((resolve, reject) => {
      this.#pending.set(job, { worker, resolve, reject, onTaskDone });
      worker.postMessage({ job, wasmBinary, ...message }, transfer);
    });
  }

  // A worker's message: a task done, or a job's answer.
  #answer(data) {
    const waiting = this.#pending.get(data.job);
    if (!waiting) return;
    if (data.op === 'task') waiting.onTaskDone(data);
    else if (data.ok) this.#settle(data.job, waiting.resolve, data.result);
    else this.#settle(data.job, waiting.reject, new Error(data.error));
  }

  #settle(job, fn, value) {
    this.#pending.delete(job);
    fn(value);
  }
}

// [start, end) image ranges, as equal as can be, one per worker that has any images.
function splitImages(n, workers) {
  const used = Math.max(1, Math.min(workers, n));
  return Array.from({ length: used }, (_, w) =>
    [Math.floor((w * n) / used), Math.floor(((w + 1) * n) / used)]);
}
