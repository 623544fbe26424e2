// What the benchmark measures and how, for advlab's WASM build, in any
// JavaScript environment: Node (wasm.mjs) and a module Web Worker in Chromium
// (browser/worker.mjs) run the same code. No Node imports here.
//
// The settings are those of bench_native.c, which measures the native build.

/** The settings every engine is measured with (ART's get-started tutorial). */
export const TUTORIAL = {
  arch: 'c4k5-p2-c10k5-p2-d100-d10',
  batch: 64,
  lr: 0.01,
  inferBatch: 256,
};

/** The attacks measured, as advlab.js configs (ART's names and keys). */
export const ATTACKS = {
  // 256 test images per call, labels = the model's own predictions (ART's default).
  fgsm: { name: 'fgsm', eps: 0.2 },
  pgd: { name: 'pgd', eps: 0.3, eps_step: 0.01, max_iter: 40, num_random_init: 0 },
  // ART's AdversarialTrainer in the tutorial: half of each batch of 64 replaced by FGSM.
  adv: { ratio: 0.5, attack: { name: 'fgsm', eps: 0.2 } },
  // The live view: for each new drawing and each of two nets, predict it, craft FGSM and
  // PGD-10 against that prediction, and predict both results. PGD-10's step is Madry's
  // 2.5 * eps / steps.
  live: {
    fgsm: { name: 'fgsm', eps: 0.2 },
    pgd: { name: 'pgd', eps: 0.2, eps_step: 0.05, max_iter: 10, num_random_init: 0 },
  },
  // AutoAttack's first member as advlab_evaluate runs it (one run, first step 2 eps), on
  // ROBUST's model: APGD takes all its iterations whatever the model, and Square stops on an
  // image once it is fooled, which a robust model seldom is. Labels = the model's predictions;
  // the loss is the cross-entropy (loss_type's default).
  apgd: { name: 'apgd', norm: 'inf', eps: 0.3, eps_step: 0.6, max_iter: 100 },
  // Square, L-inf: its figure is queries (images passed forward, the engine's count) per second.
  square: { name: 'square', norm: 'inf', eps: 0.3, max_iter: 1000 },
};

/**
 * The evaluation stages' model, the shipped PGD-trained one (data/weights/; issue 13's target
 * names it), and AutoAttack's standard suite as the page's "Is this defence real?" runs it.
 */
export const ROBUST = { file: 'pgd.safetensors' };
// maxBatch: the nets of the page's evaluation pool (web/engine/pool_worker.js) have 64.
export const EVALUATE = { suite: 'autoattack', eps: 0.3, maxBatch: 64 };

/**
 * How long each mode measures: `seconds` per repeat, `repeats` rounds, `attackImages` per
 * FGSM, PGD or APGD call, `squareImages` per Square call, `memoryBatches` of training for the
 * memory figure (0: a full epoch) and `evaluateImages`, the first test images AutoAttack
 * evaluates.
 */
export const MODES = {
  full: { seconds: 1.0, repeats: 5, attackImages: 256, squareImages: 64, memoryBatches: 0,
    evaluateImages: 1000 },
  quick: { seconds: 0.3, repeats: 3, attackImages: 256, squareImages: 64, memoryBatches: 200,
    evaluateImages: 200 },
  smoke: { seconds: 0.02, repeats: 1, attackImages: 32, squareImages: 8, memoryBatches: 10,
    evaluateImages: 2 },
};

const WARMUP_BATCHES = 20;

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of values, the nearest rank. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.round(q * (s.length - 1))];
}

// ----------------------------------------------------------- FLOP model

/**
 * FLOPs of one image through an arch spec on 1x28x28 inputs, from the layer
 * shapes alone (bias, ReLU, pooling, softmax, the optimizer and the attacks'
 * elementwise steps are left out: together they are under 1% for the tutorial
 * net).
 *   MACs(conv cNkK on C x H x W) = N * (H-K+1) * (W-K+1) * C * K * K
 *   MACs(dense dN on I inputs)   = I * N
 *   forward            = 2 * sum MACs
 *   training per image = forward + weight gradients (2 * sum MACs)
 *                        + input gradients (2 * sum MACs of every layer but the first,
 *                          whose input gradient training never needs)
 *                      = 6 * sum MACs - 2 * MACs(first layer)
 *   one gradient step of an attack = forward + input gradients of every layer,
 *                        the first included, and no weight gradients = 4 * sum MACs
 *   FGSM = 1 step; PGD-k = k steps. The prediction that gives the labels is the
 *                        first step's forward, so it is not counted again.
 *   APGD-k = k steps + 2 forward passes (the clean images, whose logits pick the runner-up
 *                        classes, and the last iterate, which takes no gradient)
 *   a Square query = 1 forward pass
 *   adversarial training per image = training + ratio * FGSM
 *   live update = per net: predict (2 MACs) + FGSM + PGD-10 + predict 2 results,
 *                        for 2 nets = 2 * (2 + 4 + 40 + 4) * sum MACs
 */
export function flopModel(spec, input = [1, 28, 28]) {
  let [c, h, w] = input;
  const layers = [];
  for (const part of spec.split('-')) {
    let m;
    if ((m = /^c(\d+)k(\d+)$/.exec(part))) {
      const n = +m[1], k = +m[2];
      const oh = h - k + 1, ow = w - k + 1;
      layers.push({ layer: part, macs: n * oh * ow * c * k * k });
      [c, h, w] = [n, oh, ow];
    } else if (part === 'p2') {
      [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
    } else if ((m = /^d(\d+)$/.exec(part))) {
      const n = +m[1];
      layers.push({ layer: part, macs: c * h * w * n });
      [c, h, w] = [n, 1, 1];
    } else {
      throw new Error(`flopModel: unknown layer '${part}' in '${spec}'`);
    }
  }
  const macs = layers.reduce((s, l) => s + l.macs, 0);
  const forward = 2 * macs;
  const train = 6 * macs - 2 * layers[0].macs;
  const step = 4 * macs;
  const live = ATTACKS.live;
  return {
    arch: spec, layers, macs_per_image: macs, forward_flops_per_image: forward,
    train_flops_per_image: train,
    fgsm_flops_per_image: step,
    pgd_flops_per_image: ATTACKS.pgd.max_iter * step,
    apgd_flops_per_image: ATTACKS.apgd.max_iter * step + 2 * forward,
    square_flops_per_query: forward,
    adv_train_flops_per_image: train + ATTACKS.adv.ratio * step,
    live_flops_per_update: 2 * (forward + step + live.pgd.max_iter * step + 2 * forward),
    formula: 'train = 2*MACs (forward) + 2*MACs (weight grads) + 2*(MACs - MACs of layer 1) (input grads) ' +
      '= 6*MACs - 2*MACs(layer 1); attack step = 2*MACs (forward) + 2*MACs (input grads of every layer) ' +
      '= 4*MACs; FGSM = 1 step, PGD-40 = 40 steps; APGD-100 = 100 steps + 2 forward; ' +
      'a Square query = 1 forward; adversarial training = train + 0.5 * FGSM; ' +
      'live = 2 nets * (predict + FGSM + PGD-10 + predict 2) = 2 * 50*MACs',
  };
}

// -------------------------------------------------------------- timing

// Calls step() (which returns images done) until `seconds` have passed; images/s.
function timed(seconds, step) {
  let images = 0;
  const t0 = performance.now();
  let elapsed;
  do {
    images += step();
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  return images / elapsed;
}

// Runs step() for at least `seconds`, so that V8 tiers the hot wasm code up first.
function warmUp(seconds, step) {
  for (const t0 = performance.now(); performance.now() - t0 < 1000 * seconds;) step();
}

// Batches done so far by a trainer, from its progress report.
const position = (p) => (p.epoch - 1) * p.batchesPerEpoch + p.batchInEpoch;

// Images trained once `pos` batches are done (each epoch's last batch may be short).
function imagesAt(pos, batchesPerEpoch, n) {
  const epochs = Math.floor(pos / batchesPerEpoch);
  return epochs * n + Math.min((pos % batchesPerEpoch) * TUTORIAL.batch, n);
}

// ------------------------------------------------------------- stages
// Each stage is {repeat(), report(), free()}: repeat() measures for o.seconds
// and returns that repeat's figure.

const trainConfig = { optimizer: 'adam', lr: TUTORIAL.lr, batch: TUTORIAL.batch, epochs: 10000 };

// Training through Trainer#run, in chunks of 8 batches: clean, or adversarial when `adv` is given.
function trainStage(net, data, o, adv) {
  const t = adv ? net.adversarialTrainer(data, trainConfig, adv) : net.trainer(data, trainConfig);
  // Warm-up: at least WARMUP_BATCHES batches and half a repeat, so V8 has tiered the hot code up.
  let p = t.run(WARMUP_BATCHES);
  warmUp(o.seconds / 2, () => { p = t.run(8); });
  let pos = position(p);
  let timedBatches = 0;
  return {
    repeat() {
      const start = pos;
      const rate = timed(o.seconds, () => {
        const before = pos;
        p = t.run(8);
        pos = position(p);
        return imagesAt(pos, p.batchesPerEpoch, data.count)
          - imagesAt(before, p.batchesPerEpoch, data.count);
      });
      timedBatches += pos - start;
      return rate;
    },
    report: () => ({
      batch: TUTORIAL.batch, warmup: `${WARMUP_BATCHES} batches and ${o.seconds / 2} s`, timed_batches: timedBatches,
      optimizer: 'adam', lr: TUTORIAL.lr, epoch_loss: p.loss, epoch_accuracy: p.accuracy,
      ...(adv ? { ratio: adv.ratio, attack: `${adv.attack.name} eps ${adv.attack.eps}` } : {}),
    }),
    free: () => t.free(),
  };
}

// Net#predict on one batch of 256 test images.
function inferStage(net, images, o) {
  const n = TUTORIAL.inferBatch;
  net.input.set(images.subarray(0, n * net.inputSize));
  warmUp(o.seconds / 2, () => net.predict(n));
  let calls = 0;
  return {
    repeat: () => timed(o.seconds, () => { net.predict(n); calls++; return n; }),
    report: () => ({ batch: n, timed_calls: calls }),
    free() {},
  };
}

// Attack#run on o.attackImages test images, labels = the model's own predictions.
function attackStage(lab, net, images, o, config) {
  const attack = lab.createAttack(net, config);
  const x = images.subarray(0, o.attackImages * net.inputSize);
  warmUp(o.seconds / 2, () => attack.run(x));
  let calls = 0;
  return {
    repeat: () => timed(o.seconds, () => { attack.run(x); calls++; return o.attackImages; }),
    report: () => ({ images: o.attackImages, ...config, labels: 'predictions', timed_calls: calls }),
    free: () => attack.free(),
  };
}

// Square's rate: queries (the images its runs passed forward, as the engine counts them:
// Attack#counts) per second, on o.squareImages test images, labels = the model's predictions.
function squareStage(lab, net, images, o) {
  const attack = lab.createAttack(net, ATTACKS.square);
  const x = images.subarray(0, o.squareImages * net.inputSize);
  const run = () => {
    const before = attack.counts().forwardImages;
    attack.run(x);
    return attack.counts().forwardImages - before;
  };
  warmUp(o.seconds / 2, run);
  let calls = 0;
  let queries = 0;
  return {
    rate: 'queries_per_sec',
    repeat: () => timed(o.seconds, () => {
      const q = run();
      calls++;
      queries += q;
      return q;
    }),
    report: () => ({ images: o.squareImages, ...ATTACKS.square, labels: 'predictions', timed_calls: calls,
      queries_per_image: queries / (calls * o.squareImages) }),
    free: () => attack.free(),
  };
}

const argmax = (p) => p.reduce((best, v, i) => (v > p[best] ? i : best), 0);

// One model of the live view: a net of maxBatch 2 with another's weights, and its two attacks.
function liveModel(lab, weights) {
  const net = lab.createNet({ arch: 'tutorial', maxBatch: 2, seed: 1 });
  net.params().set(weights.params());
  return {
    net,
    fgsm: lab.createAttack(net, ATTACKS.live.fgsm),
    pgd: lab.createAttack(net, ATTACKS.live.pgd),
  };
}

// What the page does for a new drawing x, for one model: predict it, craft FGSM and
// PGD-10 against that prediction, predict both results. Returns the predicted classes.
function liveUpdate(m, x) {
  const { net } = m;
  const k = net.classes;
  net.input.set(x);
  net.predict(1);
  const labels = [argmax(net.probs.subarray(0, k))];
  const fgsm = m.fgsm.run(x, { labels });
  const pgd = m.pgd.run(x, { labels });
  // Read the views again: the attack calls allocate, which may have grown wasm memory.
  net.input.set(fgsm);
  net.input.set(pgd, x.length);
  net.predict(2);
  const probs = net.probs;
  return [labels[0], argmax(probs.subarray(0, k)), argmax(probs.subarray(k, 2 * k))];
}

// A latency figure: `update` (which returns its ms) back to back for o.seconds per repeat, and
// at least 5 times; a repeat's figure is the median. report() adds to the p90 and the count.
function latencyStage(update, o, report, free = () => {}) {
  const samples = [];
  warmUp(o.seconds / 2, update);
  return {
    latency: true,
    repeat() {
      const ms = [];
      const t0 = performance.now();
      while (performance.now() - t0 < 1000 * o.seconds || ms.length < 5) ms.push(update());
      samples.push(...ms);
      return median(ms);
    },
    report: () => ({ p90_ms: quantile(samples, 0.9), samples: samples.length, ...report() }),
    free,
  };
}

// The next test image of `images`, in turn.
function imageCycle(images, d) {
  const count = Math.floor(images.length / d);
  let next = 0;
  return () => {
    const x = images.subarray(next * d, (next + 1) * d);
    next = (next + 1) % count;
    return x;
  };
}

// The live latency: updates back to back, a new test image each, for both nets.
function liveStage(lab, standard, defended, images, o) {
  const models = [liveModel(lab, standard), liveModel(lab, defended)];
  const nextImage = imageCycle(images, standard.inputSize);
  let sink = 0;
  return latencyStage(() => {
    const x = nextImage();
    const t0 = performance.now();
    for (const m of models) sink += liveUpdate(m, x).reduce((a, b) => a + b, 0);
    return performance.now() - t0;
  }, o, () => ({ nets: 2, checksum: sink }), () => {
    for (const m of models) m.net.free();
  });
}

// Certification (issue 17). `ibp`: verifying a batch of test images at eps 0.1 (no eps*), as the
// Robustness panel's verified curve does; images/s. `certify_live` and `crown_live`: the card's
// certificate for one new image, eps* by bisection to 1e-3, with IBP and with CROWN; median ms.
export const CERTIFY = { eps: 0.1, batch: 1000 };

function verifyStage(lab, net, images, o) {
  const n = Math.min(CERTIFY.batch, Math.floor(images.length / net.inputSize));
  const x = images.subarray(0, n * net.inputSize);
  const verify = () => lab.certifyBatch(net, x, { method: 'ibp', eps: CERTIFY.eps, radius: false });
  warmUp(o.seconds / 2, verify);
  let calls = 0;
  return {
    repeat: () => timed(o.seconds, () => { verify(); calls++; return n; }),
    report: () => ({ images: n, eps: CERTIFY.eps, method: 'ibp', timed_calls: calls }),
    free() {},
  };
}

function certifyLiveStage(lab, net, images, o, method) {
  const nextImage = imageCycle(images, net.inputSize);
  let radius = 0;
  return latencyStage(() => {
    const x = nextImage();
    const t0 = performance.now();
    radius += lab.certify(net, x, { method, eps: CERTIFY.eps }).radius;
    return performance.now() - t0;
  }, o, () => ({ method, radius_sum: radius }));
}

// The peak module (bench/peak.c): every chain-count variant, each run for about `seconds`.
function peakStage(m, seconds) {
  let sink = 0;
  const variants = [];
  for (let v = 0; m._peak_chains(v) > 0; v++) {
    let iters = 1 << 16;
    for (;;) {
      const t0 = performance.now();
      sink += m._peak_run(v, iters);
      const dt = (performance.now() - t0) / 1000;
      if (dt >= seconds / 4 || iters >= 1 << 29) {
        iters = Math.max(1, Math.min(2 ** 30, Math.round(iters * seconds / Math.max(dt, 1e-9))));
        break;
      }
      iters *= 2;
    }
    variants.push({ v, chains: m._peak_chains(v), iters, flops: m._peak_flops_per_iter(v),
      gflops: [] });
  }
  return {
    repeat() {
      for (const x of variants) {
        const t0 = performance.now();
        sink += m._peak_run(x.v, x.iters);
        x.gflops.push(x.iters * x.flops / ((performance.now() - t0) / 1000) / 1e9);
      }
    },
    report() {
      const by = variants.map((x) => ({ ...x, median: median(x.gflops) }));
      const best = by.reduce((a, b) => (b.median > a.median ? b : a));
      return {
        gflops: best.median, chains: best.chains, repeats: best.gflops,
        by_chains: Object.fromEntries(by.map((x) => [x.chains, x.median])), checksum: sink,
      };
    },
  };
}

// --------------------------------------------------------------- rounds

const errorText = (e) => String(e?.message ?? e).split('\n')[0];

/**
 * Every WASM figure, measured in rounds (train, infer, fgsm, pgd, apgd, square, adv_train, live,
 * ibp, certify_live, crown_live, peak; train, ...) so that other load on the machine weighs on
 * all of them alike; each figure is the median over the rounds.
 * @param {object} args
 * @param {import('../web/advlab.js').Lab} args.lab
 * @param {import('../web/advlab.js').Dataset} args.train the MNIST training set
 * @param {Float32Array} args.images at least 256 test images, 784 floats each in [0,1]
 * @param {() => Promise<object>} args.loadPeak resolves with the peak module (advlab_peak.mjs)
 * @param {Uint8Array} [args.robustWeights] ROBUST's safetensors bytes (for apgd and square)
 * @param {keyof MODES} args.mode
 * @returns {Promise<object>} the figures; `error` or `peak_error` says what failed
 */
// The figures measureWasm takes, in the order it measures them.
export const WASM_FIGURES = ['train', 'infer', 'fgsm', 'pgd', 'apgd', 'square', 'adv_train', 'live',
  'ibp', 'certify_live', 'crown_live'];

// figures: which of WASM_FIGURES to measure; loadPeak null measures no peak. robustWeights:
// ROBUST's safetensors bytes, which APGD and Square attack.
export async function measureWasm({ lab, train, images, loadPeak, mode, robustWeights,
  figures: wanted = WASM_FIGURES }) {
  const o = MODES[mode];
  const want = (k) => wanted.includes(k);
  const out = { seconds_per_repeat: o.seconds, repeats: o.repeats,
    rounds: [...wanted, ...(loadPeak ? ['peak'] : [])].join(', ') };
  const created = [];
  const keep = (x) => { created.push(x); return x; };
  const stages = {};
  try {
    const net = keep(lab.createNet({ arch: 'tutorial', maxBatch: TUTORIAL.batch, seed: 1 }));
    const advNet = keep(lab.createNet({ arch: 'tutorial', maxBatch: TUTORIAL.batch, seed: 2 }));
    out.arch = net.arch;
    if (want('train')) stages.train = keep(trainStage(net, train, o));
    if (want('infer')) {
      stages.infer = keep(inferStage(trainedCopy(lab, net, TUTORIAL.inferBatch, keep), images, o));
    }
    const attacked = trainedCopy(lab, net, o.attackImages, keep);
    if (want('fgsm')) stages.fgsm = keep(attackStage(lab, attacked, images, o, ATTACKS.fgsm));
    if (want('pgd')) stages.pgd = keep(attackStage(lab, attacked, images, o, ATTACKS.pgd));
    if (want('apgd') || want('square')) {
      const robust = keep(lab.netFromWeights(robustWeights, ROBUST.file, o.attackImages));
      if (want('apgd')) stages.apgd = keep(attackStage(lab, robust, images, o, ATTACKS.apgd));
      if (want('square')) stages.square = keep(squareStage(lab, robust, images, o));
    }
    if (want('adv_train')) stages.adv_train = keep(trainStage(advNet, train, o, ATTACKS.adv));
    if (want('live')) stages.live = keep(liveStage(lab, net, advNet, images, o));
    if (want('ibp')) stages.ibp = keep(verifyStage(lab, attacked, images, o));
    if (want('certify_live')) {
      stages.certify_live = keep(certifyLiveStage(lab, attacked, images, o, 'ibp'));
    }
    if (want('crown_live')) {
      stages.crown_live = keep(certifyLiveStage(lab, attacked, images, o, 'crown'));
    }
  } catch (e) {
    out.error = errorText(e);
  }
  let peak = null;
  try {
    if (loadPeak) peak = peakStage(await loadPeak(), o.seconds / 4);
  } catch (e) {
    out.peak_error = errorText(e);
  }
  const figures = Object.fromEntries(Object.keys(stages).map((k) => [k, []]));
  for (let r = 0; r < o.repeats && !out.error; r++) {
    try {
      for (const [k, stage] of Object.entries(stages)) figures[k].push(stage.repeat());
    } catch (e) {
      out.error = errorText(e);
    }
    peak?.repeat();
  }
  if (!out.error) {
    for (const [k, stage] of Object.entries(stages)) {
      out[k] = stage.latency
        ? { median_ms: median(figures[k]), repeats_median_ms: figures[k], ...stage.report() }
        : { [stage.rate ?? 'images_per_sec']: median(figures[k]), repeats: figures[k], ...stage.report() };
    }
  }
  if (peak) out.peak = peak.report();
  out.memory = { wasm_heap_bytes: wasmHeapBytes(created) };
  for (const x of created.reverse()) x.free();
  return out;
}

/**
 * AutoAttack's standard suite (lab.evaluate, EVALUATE's settings) on ROBUST's model, on the n
 * images x with their labels, in one call on this one thread: its wall time and its report,
 * which is the same natively and in WASM but for the members' seconds.
 */
export function measureEvaluate({ lab, robustWeights, x, labels }) {
  let net = null;
  try {
    net = lab.netFromWeights(robustWeights, ROBUST.file, EVALUATE.maxBatch);
    const t0 = performance.now();
    const report = lab.evaluate(net, x, labels, { suite: EVALUATE.suite, eps: EVALUATE.eps });
    return { status: 'ok', model: ROBUST.file, images: labels.length, workers: 1,
      seconds: (performance.now() - t0) / 1000, report };
  } catch (e) {
    return { status: 'failed', error: errorText(e) };
  } finally {
    net?.free();
  }
}

// A net of maxBatch n holding net's weights.
function trainedCopy(lab, net, n, keep) {
  const copy = keep(lab.createNet({ arch: 'tutorial', maxBatch: n, seed: 1 }));
  copy.params().set(net.params());
  return copy;
}

// The size of wasm memory (the module's HEAP8.buffer.byteLength), read through a net's view.
function wasmHeapBytes(handles) {
  const net = handles.find((h) => typeof h.params === 'function' && !h.freed);
  return net ? net.params().buffer.byteLength : null;
}

/**
 * Trains the tutorial net on the whole training set for `batches` batches (0: one epoch),
 * yielding between chunks as the page's training worker does, and reports its rate and the
 * size of wasm memory afterwards (it only grows, so that is its peak).
 */
export async function trainForMemory({ lab, train, test, batches, onProgress }) {
  const net = lab.createNet({ arch: 'tutorial', maxBatch: TUTORIAL.batch, seed: 1 });
  const t = net.trainer(train, { optimizer: 'adam', lr: TUTORIAL.lr, batch: TUTORIAL.batch, epochs: 1 });
  try {
    const t0 = performance.now();
    let p;
    let done = 0;
    do {
      p = t.run(Math.min(50, batches ? batches - done : 50));
      done = position(p);
      onProgress?.(p);
      await new Promise((resolve) => setTimeout(resolve, 0));
    } while (!t.finished && (!batches || done < batches));
    const seconds = (performance.now() - t0) / 1000;
    const images = imagesAt(done, p.batchesPerEpoch, train.count);
    return {
      batches: done, images, seconds, images_per_sec: images / seconds, loss: p.loss,
      test_accuracy: net.evaluate(test, 1000).accuracy,
      wasm_heap_bytes: net.params().buffer.byteLength,
    };
  } finally {
    t.free();
    net.free();
  }
}
