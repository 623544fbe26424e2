// Data-parallel training across Web Workers (issue 20), with no SharedArrayBuffer and so no
// COOP/COEP. The lab's worker holds replica 0, the trainer the run sees; each pool worker
// (replica_worker.js) holds a replica made the same way from replica 0's weights and state. Each
// batch, every replica makes its fixed share of the batch's shards (Trainer#shardGradient) and
// keeps them in its engine; every replica then steps with its own and the others' parts
// (Trainer#step). The core sums the shards over a fixed tree, so the weights are the bits one
// worker trains with the same shards, whatever the pool's size.
//
// The parts cross as messages, one each way per replica and batch (each part the net's parameter
// count in floats: 73 KB for the tutorial net, 4.4 MB for Madry's), always transferred, never
// cloned, where one other replica needs them. A replica's answer carries its parts of a batch;
// replica 0 sends each replica, with the request for its shards of the next batch, every other
// maker's parts of this one, as soon as it has them all: with two workers, the moment its own
// are made, while the replica may still be making its own. So each replica steps as soon as its
// own shards and one message are in, and neither waits for the other's step or copies its own
// parts back in; each replica answers its requests in order, and may hold two at once.
//
// A replica that fails (its worker raised an error, its engine trapped, or it did not answer in
// time) has its shards of that batch made by replica 0, and after replica 0's step it is started
// again from replica 0's weights and state and asked for the next batch's. After MAX_RESTARTS
// such failures a failing replica is dropped and replica 0 makes its shards from then on: the
// same bits, on fewer cores, and the run never waits on a worker that went quiet.
//
// A run's replicas outlive it: when it ends they wait, idle, for the next run (at most IDLE_MS),
// which starts them again from its own replica 0. A new worker compiles the engine and runs its
// first batches in V8's baseline code while replica 0 (the lab's worker, long warm) runs optimised
// code, so in a pool of new workers every run's first seconds went at the slowest one's pace.
// Every request carries a number that its answer echoes, and an answer to a request no longer
// waited for (one under way when its run stopped) is dropped, so it is never taken for the
// answer to the next run's start: the worker answers in order, the stale ones first.
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

// A pool worker and its requests under way, which it answers in order.
class Replica {
  #worker = null;
  #waiting = new Map(); // seq -> {resolve, reject} of each request under way
  #seq = 0; // the last request's number
  #posting = Promise.resolve(); // the last request's post: each is posted after the one before
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
      const waiting = this.#waiting.get(data.seq);
      if (!waiting) return; // the answer to a request given up
      this.#waiting.delete(data.seq);
      if (data.ok) waiting.resolve(data);
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
   * Sends one request (`transfer`: buffers it hands over), after every request made before it;
   * resolves with its answer, or rejects when none comes within timeoutMs. The worker
   * handles its requests in order, so a run's start and its first batch may be asked at once.
   */
  call(message, timeoutMs, transfer = []) {
    if (this.#failure) return Promise.reject(this.#failure);
    const seq = ++this.#seq;
    const answer = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(seq);
        reject(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      this.#waiting.set(seq, { resolve: settle(resolve), reject: settle(reject) });
    });
    this.#posting = this.#posting.then(async () => {
      try {
        const wasmBinary = this.#engineSent ? undefined : await wasmBytes;
        if (!this.#waiting.has(seq)) return; // given up (or its worker replaced) while it waited
        this.#worker.postMessage({ ...message, seq, wasmBinary }, transfer);
        this.#engineSent = true;
      } catch (error) {
        this.#waiting.get(seq)?.reject(error);
        this.#waiting.delete(seq);
      }
    });
    return answer;
  }

  /** Gives up the requests under way: they reject now, and their answers will be dropped. */
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
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const { reject } of waiting) reject(error);
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
  #makers; // 1 .. workers - 1: {index, replica}; replica null once dropped (replica 0 makes
  // its shards then)
  #asked = null; // each maker's parts of the next batch, asked for (promises, in #makers' order)
  #failed = new Set(); // makers whose parts of this batch replica 0 made: restarted after the step
  #spares = []; // buffers come back from the replicas, for replica 0's next copies of its parts
  #stopped = false;
  #restarts = 0;
  #times = { own: 0, wait: 0, step: 0 }; // this run's ms in replica 0's shards, waits and steps
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
    // A maker's `free`: the buffers of its last parts, once stepped with, to send back.
    this.#makers = leaseReplicas(workers - 1).map((replica) =>
      ({ index: replica.index, replica, free: [] }));
  }

  get finished() { return this.#trainer.finished; }
  /** The workers making shards: replica 0 and every replica not dropped. */
  get workers() { return this.#replicas.length + 1; }

  get #replicas() { return this.#makers.flatMap(({ replica }) => (replica ? [replica] : [])); }

  /**
   * Trainer#run's contract: at most maxBatches batches, stopping early at an epoch's end. Its
   * imagesPerSec is the wall-clock rate over these batches, messages included. Also, as means per
   * batch, where replica 0's time went: ownMs making its own shards, waitMs then waiting for the
   * others' parts (the exchange, and any replica slower than it), stepMs summing and stepping.
   */
  async run(maxBatches) {
    const start = performance.now();
    let rows = 0;
    let batches = 0;
    this.#times = { own: 0, wait: 0, step: 0 };
    let p;
    while (batches < maxBatches) {
      const batchStart = performance.now();
      const { own, theirs } = await this.#gather();
      const stepStart = performance.now();
      p = this.#trainer.step(theirs.flat());
      this.#times.step += performance.now() - stepStart;
      this.#makers.forEach((maker, i) => {
        if (maker.replica) maker.free.push(...theirs[i].map((part) => part.grad));
      });
      if (!this.#trainer.finished) this.#recover();
      rows += [...own, ...theirs.flat()].reduce((sum, part) => sum + part.rows, 0);
      batches++;
      this.#batchMs = performance.now() - batchStart;
      if (p.epochDone || this.#trainer.finished) break;
    }
    const { own, wait, step } = this.#times;
    return { ...p, imagesPerSec: rows / Math.max((performance.now() - start) / 1000, 1e-6),
      ownMs: own / batches, waitMs: wait / batches, stepMs: step / batches };
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
    this.#makers = [];
  }

  // Shards [first, first + count) of maker `index` (0: replica 0) of the pool as it started:
  // a dropped maker's share stays its own, made by replica 0.
  #share(index) {
    const n = this.#makers.length + 1;
    const S = this.#trainer.shards;
    const first = Math.floor((index * S) / n);
    return { first, count: Math.floor(((index + 1) * S) / n) - first };
  }

  // This batch's parts: replica 0's own, kept in its engine, and every other maker's (as asked
  // for at the last batch, or now at a run's first; by maker), replica 0 making those of a maker
  // that failed. Each replica is asked for its next batch's parts as soon as the parts it steps
  // with are in.
  async #gather() {
    const answers = this.#asked ?? this.#askAll(null);
    const { first, count } = this.#share(0);
    const start = performance.now();
    const own = this.#trainer.shardGradient(first, count, { keep: true, spares: this.#spares });
    const made = performance.now();
    this.#times.own += made - start;
    const parts = this.#makers.map((maker, i) => (maker.replica
      ? answers[i].then((answer) => this.#taken(answer, own.length))
        .catch(() => this.#makeFor(maker))
      : Promise.resolve(this.#makeFor(maker))));
    this.#asked = this.#askAll({ own, parts });
    const theirs = await Promise.all(parts);
    this.#times.wait += performance.now() - made;
    return { own, theirs };
  }

  // An answer's parts; the buffers it sent back join the spares, as many as replica 0 copies its
  // parts into a batch (its own, and a copy for each replica but the last).
  #taken({ parts, spares }, ownParts) {
    this.#spares.push(...spares);
    this.#spares.splice(0, this.#spares.length - ownParts * this.#makers.length);
    return parts;
  }

  // Each maker's parts of the next batch, asked for (null for a dropped maker's, which replica 0
  // makes). A replica's request carries the parts of this batch it steps with first (none at a
  // run's first batch): every other maker's, replica 0's as a copy of its own (transferred) and
  // the others' as clones, sent once they are all in. A replica that failed this batch is asked
  // after the step instead (#recover).
  #askAll(batch) {
    const timeoutMs = Math.max(BATCH_TIMEOUT_MS, BATCH_TIMEOUT_FACTOR * this.#batchMs);
    const last = this.#makers.length - 1;
    return this.#makers.map((maker, i) => {
      if (!maker.replica) return null; // made by replica 0 at its turn
      const own = !batch ? [] : i === last ? batch.own
        : batch.own.map((part) => ({ ...part, grad: this.#copy(part.grad) }));
      const others = batch ? Promise.all(batch.parts.filter((_, j) => j !== i)) : [];
      const answer = Promise.resolve(others).then((theirs) => {
        if (this.#stopped || this.#failed.has(maker)) throw new Error('not asked');
        const spares = maker.free.splice(0);
        return maker.replica.call({ op: 'batch', parts: [...own, ...theirs.flat()], spares,
          ...this.#share(maker.index) }, timeoutMs,
        [...own.map((part) => part.grad), ...spares].map((grad) => grad.buffer));
      });
      answer.catch(() => {}); // seen by the next #gather, unless #recover asks again first
      return answer;
    });
  }

  // A copy of one of replica 0's parts' gradient, in a spare if one fits.
  #copy(grad) {
    const spare = this.#spares.pop();
    if (spare?.length !== grad.length) return grad.slice();
    spare.set(grad);
    return spare;
  }

  // The parts of a maker whose replica failed to give them (or that has none), made by replica 0;
  // the replica is started again after the step. Once the pool is stopped, none.
  #makeFor(maker) {
    if (this.#stopped) return [];
    if (maker.replica) this.#failed.add(maker);
    const { first, count } = this.#share(maker.index);
    return this.#trainer.shardGradient(first, count);
  }

  // After a step, each maker whose replica failed this batch: its worker is started again from
  // replica 0 (now between batches) and asked for the next batch's parts, while restarts remain;
  // else it is dropped, and replica 0 makes its shards from then on.
  #recover() {
    for (const maker of this.#failed) {
      const { replica } = maker;
      const i = this.#makers.indexOf(maker);
      maker.free = []; // for the worker it had
      if (this.#restarts++ < MAX_RESTARTS) {
        replica.replace();
        const timeoutMs = Math.max(BATCH_TIMEOUT_MS, BATCH_TIMEOUT_FACTOR * this.#batchMs);
        const asked = Promise.all([this.#start(replica), replica.call({ op: 'batch', parts: [],
          spares: [], ...this.#share(maker.index) }, timeoutMs)]);
        this.#asked[i] = asked.then(([, answer]) => answer);
        this.#asked[i].catch(() => {}); // seen by the next #gather
      } else {
        replica.terminate();
        maker.replica = null;
      }
    }
    this.#failed.clear();
  }

  // Starts a replica from replica 0's weights and state as they are now.
  #start(replica) {
    return replica.call({ op: 'start', ...this.#setup, weights: this.#net.saveWeights(),
      trainerState: this.#trainer.saveState() }, START_TIMEOUT_MS);
  }
}
