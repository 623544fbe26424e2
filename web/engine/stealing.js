// The Steal and infer panel's work in the worker (issue 16): steal a slot's model through its
// answers, infer which digits trained a model, and reconstruct each class from a model alone.
// advlab.js does the work (lab.extract, lab.inferMembership, lab.membershipRoc, lab.invert); this
// picks the nets and data the page names and shapes the answers for it.
import { fashion, images, mnist } from './data.js';
import { adopt, modelList } from './models.js';
import { MAX_BATCH, state } from './state.js';

// Digits of each kind (member, non-member) the membership card shows for a verdict.
const VERDICT_DIGITS = 6;
// The overfit model of ART's membership notebooks: few images, many epochs.
const OVERFIT = { limit: 500, epochs: 100 };

let overfit = null; // {key, net}: trained once per seed

const progressTo = (id, stage) => (p) => postMessage({ id, op: 'progress', stage, ...p });

// The thief's data by the panel's name; null is seeded noise.
function thiefSet(thief, id) {
  if (thief === 'mnist') return mnist('train', id);
  if (thief === 'fashion') return fashion('train', id);
  if (thief === 'noise') return null;
  throw new Error(`steal: unknown thief data "${thief}" (expected mnist, fashion or noise)`);
}

/**
 * Steals `net` behind `postprocess` with `queries` answers of the thief data, the thief learning
 * the answers' argmax or, with `useProbability`, the answers themselves: lab.extract's {report,
 * thief}, measured on MNIST's test set, its progress streamed to request `id`. The caller frees
 * the thief.
 */
export async function theft(net, { postprocess, thief, method = 'copycat', sampling,
  useProbability, queries, seed }, id) {
  const [thiefData, test] = await Promise.all([thiefSet(thief, id), mnist('t10k', id)]);
  return state.lab.extract(net, thiefData, {
    test, method, queries, seed, use_probability: useProbability ? 1 : 0,
    ...(method === 'knockoff' ? { sampling } : {}),
    postprocess: postprocess === 'none' ? undefined : postprocess,
    onProgress: progressTo(id, 'steal'),
  });
}

/**
 * The op: the theft of the model in slot `victim` (see theft); answers {report, slots, models}.
 * With `keep`, the thieved model goes into the other slot, beside its victim.
 */
export async function steal({ victim, keep, ...settings }, id) {
  const net = state.slots[victim]?.net;
  if (!net) throw new Error(`steal: no model in slot "${victim}"`);
  const { report, thief: stolen } = await theft(net, settings, id);
  try {
    const slots = [];
    if (keep) {
      const other = victim === 'standard' ? 'defended' : 'standard';
      const from = state.slots[victim].info.label;
      const { queries, thief, postprocess } = settings;
      slots.push(await adopt(other, stolen.saveWeights(), {
        label: `stolen from ${from} with ${queries} queries`,
        about: { kind: 'stolen', from, queries, thief, postprocess } }, 'trained'));
    }
    return { result: { report, slots, models: keep ? await modelList() : undefined } };
  } finally {
    stolen.free();
  }
}

// The membership target: the standard slot's model, or the overfit one trained here on the first
// OVERFIT.limit training images (seeded, kept for the next run).
async function target(which, seed, train, id) {
  if (which === 'standard') return state.slots.standard.net;
  if (which !== 'overfit') throw new Error(`infer: unknown target "${which}"`);
  if (overfit?.key !== seed) {
    overfit?.net.free();
    overfit = null;
    const net = state.lab.createNet({ maxBatch: MAX_BATCH, seed });
    try {
      await net.train(train, { ...OVERFIT, seed }, { onProgress: progressTo(id, 'overfit') });
    } catch (error) {
      net.free();
      throw error;
    }
    overfit = { key: seed, net };
  }
  return overfit.net;
}

/**
 * The op: membership inference (`method`) on the target model with the first `members` training
 * images as members and as many test images as non-members. Answers {report, roc, digits}: roc is
 * the curve of the measured scores, and digits are the first VERDICT_DIGITS measured members and
 * non-members, each {x, member, score}, whose verdict is score > report.threshold.
 */
export async function infer({ target: which, method, members, seed }, id) {
  const [train, test] = await Promise.all([mnist('train', id), mnist('t10k', id)]);
  if (which === 'overfit' && members > OVERFIT.limit) {
    throw new Error(`infer: the overfit model saw only ${OVERFIT.limit} images; members ${members}` +
      ` must be at most ${OVERFIT.limit}`);
  }
  const net = await target(which, seed, train, id);
  const { report, scores } = await state.lab.inferMembership(net, train, test,
    { method, members, seed, onProgress: progressTo(id, 'infer') });
  const truth = Array.from(scores, (_, i) => (i < report.members ? 1 : 0));
  const roc = state.lab.membershipRoc(scores, truth);
  // The measured rows are the second half of each set's first `members` rows, members first.
  const first = members - report.members;
  const shown = (ds, offset, member) => Array.from(
    { length: Math.min(VERDICT_DIGITS, member ? report.members : report.nonmembers) }, (_, i) => ({
      x: images(ds, first + i, first + i + 1), member, label: ds.labels[first + i],
      score: scores[offset + i] }));
  const digits = [...shown(train, 0, true), ...shown(test, report.members, false)];
  return { result: { report, roc, digits },
    transfer: [roc.fpr.buffer, roc.tpr.buffer, ...digits.map((d) => d.x.buffer)] };
}

/**
 * The op: MIFace on the model in slot `slot`, every class from the mean training image (ART's
 * notebook). Answers {images (classes*784), scores, steps}.
 */
export async function invert({ slot, maxIter }, id) {
  const net = state.slots[slot]?.net;
  if (!net) throw new Error(`invert: no model in slot "${slot}"`);
  const train = await mnist('train', id);
  const result = await state.lab.invert(net, { start: train.mean(), max_iter: maxIter,
    onProgress: progressTo(id, 'invert') });
  return { result, transfer: [result.images.buffer, result.scores.buffer] };
}
