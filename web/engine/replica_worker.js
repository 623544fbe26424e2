// One replica of a data-parallel training run (train_pool.js): its own engine instance, the run's
// training set, and a net and trainer made as replica 0's (trainers.js) with replica 0's weights
// and trainer state. Each batch it first steps with the other replicas' parts of the last batch
// and its own, kept in its engine since it made them, then makes and keeps its shards of the
// next. Its parts go back as copies, transferred.
//
// Protocol: {op: 'start', seq, wasmBinary?, images, labels, weights, maxBatch, trainerState,
// slot, settings} answers {seq, ok: true} (a start again replaces the replica: after a restore,
// or for the next run); {op: 'batch', seq, parts, first, count} answers {seq, ok: true, parts}
// (`parts` empty before the first batch); every failure answers {seq, ok: false, error}. Each
// answer echoes its request's seq, so that the pool can tell a stale one. Requests are answered
// in the order they came: the next batch's may come before this one's answer has gone.
import { createLab } from '../advlab.js';
import { onRequest, reply } from './child_port.js';
import { trainerFor } from './trainers.js';

let labReady;
let replica = null; // {train, net, trainer}

function drop() {
  replica?.trainer?.free();
  replica?.net.free();
  replica?.train.free();
  replica = null;
}

async function start({ wasmBinary, images, labels, weights, maxBatch, trainerState, slot,
  settings }) {
  labReady ??= createLab({ wasmBinary });
  const lab = await labReady;
  drop();
  const train = lab.loadDataset(images, labels, 'the run\'s training set');
  const net = lab.netFromWeights(weights, 'replica 0\'s weights', maxBatch);
  replica = { train, net, trainer: null };
  replica.trainer = trainerFor(net, slot, train, settings);
  replica.trainer.restoreState(trainerState);
}

function batch({ parts, first, count }) {
  if (!replica) throw new Error('training replica: not started');
  const { trainer } = replica;
  if (parts.length) trainer.step(parts);
  return trainer.finished ? [] : trainer.shardGradient(first, count, { keep: true });
}

// Each request is handled once the one before it is done: a start awaits the engine, and the
// batch asked with it must wait for it.
let handled = Promise.resolve();
onRequest((event) => {
  handled = handled.then(() => handle(event));
});

async function handle({ data }) {
  const { seq } = data;
  try {
    if (data.op === 'start') {
      await start(data);
      reply({ seq, ok: true });
    } else {
      const parts = batch(data);
      reply({ seq, ok: true, parts }, parts.map((part) => part.grad.buffer));
    }
  } catch (error) {
    drop();
    reply({ seq, ok: false, error: error.message });
  }
}
