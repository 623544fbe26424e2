// One replica of a data-parallel training run (train_pool.js): its own engine instance, the run's
// training set, and a net and trainer made as replica 0's (trainers.js) with replica 0's weights
// and trainer state. Each batch it first steps with the parts the other replicas made of the last
// batch, joined to its own, then makes its shards of the next.
//
// Protocol: {op: 'start', wasmBinary?, images, labels, weights, maxBatch, trainerState, slot,
// settings} answers {ok: true} (a start again replaces the replica, as after a restore);
// {op: 'batch', others, first, count} answers {ok: true, parts} (`others` empty before the first
// batch); every failure answers {ok: false, error}.
import { createLab } from '../advlab.js';
import { trainerFor } from './trainers.js';

let labReady;
let replica = null; // {train, net, trainer, own}: own, the parts it made of the last batch

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
  replica = { train, net, trainer: null, own: [] };
  replica.trainer = trainerFor(net, slot, train, settings);
  replica.trainer.restoreState(trainerState);
}

function batch({ others, first, count }) {
  if (!replica) throw new Error('training replica: not started');
  const { trainer } = replica;
  if (others.length) trainer.step([...replica.own, ...others]);
  replica.own = trainer.finished ? [] : trainer.shardGradient(first, count);
  return replica.own;
}

onmessage = async ({ data }) => {
  try {
    if (data.op === 'start') {
      await start(data);
      postMessage({ ok: true });
    } else {
      postMessage({ ok: true, parts: batch(data) });
    }
  } catch (error) {
    drop();
    postMessage({ ok: false, error: error.message });
  }
};
