// One replica of a data-parallel training run (train_pool.js): its own engine instance, the run's
// training set, and a net and trainer made as replica 0's (trainers.js) with replica 0's weights
// and trainer state. Each batch it first steps with the other replicas' parts of the last batch
// and its own, kept in its engine since it made them, then makes and keeps its shards of the
// next. Its parts go back as copies, transferred. Buffers circulate rather than being made each
// batch: the parts it stepped with go back with its answer, for replica 0's next copies, and
// replica 0 sends back the buffers of its earlier answers, which it copies its next parts into.
//
// Protocol: {op: 'start', seq, wasmBinary?, images, labels, weights, maxBatch, trainerState,
// slot, settings} answers {seq, ok: true} (a start again replaces the replica: after a restore,
// or for the next run); {op: 'batch', seq, parts, spares, first, count} answers {seq, ok: true,
// parts, spares} (`parts` empty before the first batch; `spares`: Float32Arrays free for copies,
// each way); every failure answers {seq, ok: false, error}. Each answer echoes its request's seq,
// so that the pool can tell a stale one. Requests are answered in the order they came: the next
// batch's may come before this one's answer has gone.
import { createLab } from '../advlab.js';
import { onRequest, reply } from './child_port.js';
import { trainerFor } from './trainers.js';

let labReady;
let replica = null; // {train, net, trainer}
let spares = []; // buffers free for the next parts' copies

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
  spares = [];
  const train = lab.loadDataset(images, labels, 'the run\'s training set');
  const net = lab.netFromWeights(weights, 'replica 0\'s weights', maxBatch);
  replica = { train, net, trainer: null };
  replica.trainer = trainerFor(net, slot, train, settings);
  replica.trainer.restoreState(trainerState);
}

// This batch's step and the next one's parts; the buffers of the parts it stepped with are then
// free, and go back.
function batch({ parts, spares: given, first, count }) {
  if (!replica) throw new Error('training replica: not started');
  const { trainer } = replica;
  spares.push(...given);
  if (parts.length) trainer.step(parts);
  const made = trainer.finished ? [] : trainer.shardGradient(first, count, { keep: true, spares });
  return { parts: made, spares: parts.map((part) => part.grad) };
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
      const answer = batch(data);
      reply({ seq, ok: true, ...answer },
        [...answer.parts.map((part) => part.grad), ...answer.spares].map((grad) => grad.buffer));
    }
  } catch (error) {
    drop();
    reply({ seq, ok: false, error: error.message });
  }
}
