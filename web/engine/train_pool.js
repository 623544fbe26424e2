// Data-parallel training across Web Workers (issue 20), with no SharedArrayBuffer and so no
// COOP/COEP. The lab's worker holds replica 0, the trainer the run sees; each pool worker
// (replica_worker.js) holds a replica made the same way from replica 0's weights and state. Each
// batch, every replica makes its fixed share of the batch's shards (Trainer#shardGradient),
// replica 0 gathers the parts and steps with them (Trainer#step), sending them to every other
// replica with the request for its shards of the next batch as soon as they are copied into its
// engine, so that the replicas' steps run side by side, not one after the other. The core sums the
// shards over a fixed tree, so the weights are the bits one worker trains with the same shards,
// whatever the pool's size. One message each way per replica and batch carries the parts (each
// the net's parameter count in floats: 73 KB for the tutorial net, 4.4 MB for Madry's): a
// replica's come back transferred, and with one other replica all the parts go to it transferred
// too, so no side copies them (with more, each but the last gets a copy; a copy of Madry's two
// parts takes replica 0 about 8 ms).
//
// A replica that fails (its worker raised an error, its engine trapped, or it did not answer in
// time) is started again from replica 0, which is then between batches, and asked again. After
// MAX_RESTARTS such failures a failing replica is dropped and replica 0 makes its shards itself:
// the same bits, on fewer cores, and the run never waits on a worker that went quiet.
//
// A run's replicas outlive it: when it ends they wait, idle, for the next run (at most IDLE_MS),
// which starts them again from its own replica 0. A new worker compiles the engine and runs its
// first batches in V8's baseline code while replica 0 (the lab's worker, long warm) runs optimised
// code, so in a pool of new workers every run's first seconds went at the slowest one's pace.
// Every request carries a number that its answer echoes, and an answer to a request no longer
// waited for (the one under way when its run stopped) is dropped, so it is never taken for the
// answer to the next run's start: the worker answers in order, the stale one first.
import { ChildWorker } from './children.js';
import { wasmBytes } from './state.js';

/** The shards of the page's runs: a power of two, so that 1, 2 and 4 workers share them evenly. */
export const RUN_SHARDS = 8;
const MAX_RESTARTS = 2;
// How long a replica may take: to start (its engine, the training set), and for a batch, at least
// BATCH_TIMEOUT_MS and BATCH_TIMEOUT_FACTOR times the last batch's wall time.
const START_TIMEOUT_MS = 120000;
const BATCH_TIMEOUT_MS = 15000;
const BATCH_TIMEOUT_FACTOR = 50;
// How long replicas wait for another run before their workers (and their engines' memory, the
// training set's copy with it) are let go: a few minutes of a student's attacking between runs.
const IDLE_MS = 5 * 60 * 1000;

// A pool worker and its one request at a time.
class Replica {
  #worker = null;
  #waiting = null; // {seq, resolve, reject} of the request under way
  #seq = 0; // the last request's number
  #engineSent = false;
  #failure = null; // the worker's error, once it raised one: it takes no more requests

  constructor(index) {
    this.index = index;
    this.#spawn();
  }

  /** Whether its worker may take another run: it has raised no error since it was spawned. */
  get healthy() { return this.#failure === null; }

  #spawn() {
    this.#worker = new ChildWorker(new URL('./replica_worker.js', import.meta.url),
      `advlab-replica-${this.index}`);
    this.#engineSent = false;
    this.#failure = null;
    this.#worker.onmessage = ({ data }) => {
      const waiting = this.#waiting;
      if (data.seq !== waiting?.seq) return; // the answer to a request given up
      this.#waiting = null;
      if (data.ok) waiting.resolve(data.parts);
      else waiting.reject(new Error(data.error));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault?.();
      const error = new Error(event.message || 'the worker failed to start');
      this.#failure = error;
      this.#settle(error);
    };
  }

  /**
   * Sends one request (`transfer`: buffers it hands over); resolves with its answer's parts, or
   * rejects when none comes within timeoutMs.
   */
  async call(message, timeoutMs, transfer = []) {
    if (this.#failure) throw this.#failure;
    const wasmBinary = this.#engineSent ? undefined : await wasmBytes;
    this.#engineSent = true;
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#waiting?.seq === seq) this.#waiting = null;
        reject(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      this.#waiting = { seq, resolve: settle(resolve), reject: settle(reject) };
      this.#worker.postMessage({ ...message, seq, wasmBinary }, transfer);
    });
  }

  /** Gives up the request under way, if any: it rejects now, and its answer will be dropped. */
  abandon() {
    this.#settle(new Error('stopped'));
  }

  /** A new worker in place of this one, which may be dead or half-way through a request. */
  replace() {
    this.terminate();
    this.#spawn();
  }

  terminate() {
    this.#worker.terminate();
    this.abandon();
  }

  #settle(error) {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.reject(error);
  }
}

// Replicas between runs, and the timer that lets go of those still idle then.
const idle = [];
let idleTimer = null;

// `count` replicas for a run, numbered 1 to count: idle ones first, then new ones.
function leaseReplicas(count) {
  const replicas = idle.splice(0, count);
  while (replicas.length < count) replicas.push(new Replica(replicas.length + 1));
  replicas.forEach((r, i) => { r.index = i + 1; });
  return replicas;
}

// Replicas whose run has ended: the healthy wait for the next run, their requests under way given
// up; the others are let go.
function releaseReplicas(replicas) {
  for (const replica of replicas) {
    replica.abandon();
    if (replica.healthy) idle.push(replica);
    else replica.terminate();
  }
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    for (const replica of idle.splice(0)) replica.terminate();
  }, IDLE_MS);
}

/**
 * Replica 0 of a data-parallel run and its pool: run, finished, saveState and free as a
 * Trainer's, so the one training loop (training.js) and the checkpoints take either.
 */
export class ParallelTrainer {
  #trainer;
  #net;
  #setup; // what every replica starts from, but replica 0's weights and state
  #replicas;
  #asked = null; // the other replicas' parts of the next batch, asked for: {answers, dropped}
  #stopped = false;
  #restarts = 0;
  #waitMs = 0; // this run's waits for the other replicas
  #batchMs = 0; // the last batch's wall time

  /**
   * Starts `workers - 1` replicas of trainer (made by trainerFor(net, slot, train, settings),
   * where settings.shards is a multiple of the workers) and answers the pool.
   */
  static async create(trainer, { net, train, slot, settings, workers }) {
    const pool = new ParallelTrainer(trainer, net, train, slot, settings, workers);
    try {
      await Promise.all(pool.#replicas.map((r) => pool.#start(r)));
    } catch (error) {
      pool.#stop({ keep: false });
      throw new Error(`training workers: ${error.message}`);
    }
    return pool;
  }

  constructor(trainer, net, train, slot, settings, workers) {
    this.#trainer = trainer;
    this.#net = net;
    this.#setup = { ...train.toIdx(), maxBatch: net.maxBatch, slot, settings };
    this.#replicas = leaseReplicas(workers - 1);
  }

  get finished() { return this.#trainer.finished; }
  get workers() { return this.#replicas.length + 1; }

  /**
   * Trainer#run's contract: at most maxBatches batches, stopping early at an epoch's end. Its
   * imagesPerSec is the wall-clock rate over these batches, messages included, and waitMs the
   * mean time per batch that replica 0, its own shards made, waited for the others' parts (the
   * exchange, and any replica slower than it).
   */
  async run(maxBatches) {
    const start = performance.now();
    let rows = 0;
    let batches = 0;
    this.#waitMs = 0;
    let p;
    while (batches < maxBatches) {
      const batchStart = performance.now();
      const parts = (await this.#gather()).flat();
      p = this.#trainer.step(parts, () => { this.#asked = this.#askAll(parts); });
      rows += parts.reduce((sum, part) => sum + part.rows, 0);
      batches++;
      this.#batchMs = performance.now() - batchStart;
      if (p.epochDone || this.#trainer.finished) break;
    }
    return { ...p, imagesPerSec: rows / Math.max((performance.now() - start) / 1000, 1e-6),
      waitMs: this.#waitMs / batches };
  }

  saveState() { return this.#trainer.saveState(); }

  /** Ends the run: its replicas wait for the next run, and replica 0's trainer is freed. */
  free() {
    this.#stop({ keep: true });
    this.#trainer.free();
  }

  // keep: whether the replicas may serve another run (not when some failed to start: the next
  // run then starts new workers).
  #stop({ keep }) {
    this.#stopped = true;
    if (keep) releaseReplicas(this.#replicas);
    else this.#replicas.forEach((replica) => replica.terminate());
    this.#replicas = [];
  }

  // Shards [first, first + count) of `maker` of the workers.
  #share(maker) {
    const n = this.workers;
    const S = this.#trainer.shards;
    const first = Math.floor((maker * S) / n);
    return { first, count: Math.floor(((maker + 1) * S) / n) - first };
  }

  // Every replica's parts of this batch, replica 0's first: the others' as asked for at the last
  // step (or now, at a run's first batch). Replicas dropped on the way leave the pool before the
  // next batch.
  async #gather() {
    const { answers, dropped } = this.#asked ?? this.#askAll([]);
    this.#asked = null;
    const { first, count } = this.#share(0);
    const own = this.#trainer.shardGradient(first, count);
    const made = performance.now();
    const theirs = await answers;
    this.#waitMs += performance.now() - made;
    if (dropped.size) {
      this.#replicas = this.#replicas.filter((r) => !dropped.has(r));
      this.#replicas.forEach((r, i) => { r.index = i + 1; });
    }
    return [own, ...theirs];
  }

  // Asks every other replica for its parts of the next batch, sending the parts of this one to
  // step with first: transferred to the last replica, copied to the others.
  #askAll(parts) {
    const timeoutMs = Math.max(BATCH_TIMEOUT_MS, BATCH_TIMEOUT_FACTOR * this.#batchMs);
    const dropped = new Set();
    const last = this.#replicas.length - 1;
    const answers = Promise.all(this.#replicas.map((replica, i) => this.#ask(replica, parts,
      i === last ? parts.map((part) => part.grad.buffer) : [], timeoutMs, dropped)));
    return { answers, dropped };
  }

  // A replica's parts of the next batch, sent with this batch's parts to step with first. A
  // replica that fails is started again from replica 0 (by then stepped with this batch, and
  // waiting for the parts) while restarts remain; else it is dropped (terminated, and added to
  // `dropped`) and replica 0 makes its shards. Once the pool is stopped, nothing is asked again.
  async #ask(replica, parts, transfer, timeoutMs, dropped) {
    const share = this.#share(replica.index);
    try {
      return await replica.call({ op: 'batch', parts, ...share }, timeoutMs, transfer);
    } catch {
      if (this.#stopped) return [];
      if (this.#restarts++ < MAX_RESTARTS) {
        try {
          replica.replace();
          await this.#start(replica);
          return await replica.call({ op: 'batch', parts: [], ...share }, timeoutMs);
        } catch {
          // dropped below
        }
      }
      replica.terminate();
      dropped.add(replica);
      return this.#trainer.shardGradient(share.first, share.count);
    }
  }

  // Starts a replica from replica 0's weights and state as they are now.
  #start(replica) {
    return replica.call({ op: 'start', ...this.#setup, weights: this.#net.saveWeights(),
      trainerState: this.#trainer.saveState() }, START_TIMEOUT_MS);
  }
}
