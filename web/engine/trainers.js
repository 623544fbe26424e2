// The trainers the page trains with, made the same way in the lab's worker and in each replica
// of a data-parallel run (replica_worker.js): pure functions of the net, the slot, the training
// set and the run's settings, so every replica's trainer is the same.

/**
 * A trainer on net: clean for the standard slot; for the defended one ART's AdversarialTrainer
 * (FGSM, or PGD with 7 steps), training for certification (Gowal et al.'s IBP training at eps,
 * or Gaussian noise of std eps for randomized smoothing), or a robust trainer (fast AT, TRADES,
 * or PGD with 7 steps and eps ramped up over the first half of the run). settings.shards (1 by
 * default) cuts each batch for replicas (train_pool.js).
 */
export function trainerFor(net, slot, train, settings) {
  const config = { epochs: settings.epochs, batch: settings.batch, lr: settings.lr,
    seed: settings.seed, limit: settings.limit, shards: settings.shards ?? 1 };
  if (slot === 'standard') return net.trainer(train, config);
  if (settings.attack === 'ibp') {
    return net.certifiedTrainer(train, config, { certify: 'ibp', eps: settings.eps });
  }
  if (settings.attack === 'noise') {
    return net.certifiedTrainer(train, config, { certify: 'noise', sigma: settings.eps });
  }
  // A preset's run (settings.robust, from presetSettings) gives its robust trainer every setting.
  if (settings.robust) {
    return net.robustTrainer(train, config, { trainer: settings.attack, ...settings.robust });
  }
  const pgd7 = { eps: settings.eps, epsStep: (2.5 * settings.eps) / 7, maxIter: 7 };
  if (settings.attack === 'fbf') {
    return net.robustTrainer(train, config, { trainer: 'fbf', eps: settings.eps });
  }
  if (settings.attack === 'trades') {
    return net.robustTrainer(train, config, { trainer: 'trades', ...pgd7 });
  }
  if (settings.attack === 'pgd-ramp') {
    return net.robustTrainer(train, config,
      { trainer: 'pgd-ramp', ramp: settings.epochs / 2, ...pgd7 });
  }
  const attack = settings.attack === 'pgd'
    ? { name: 'pgd', eps: settings.eps, eps_step: (2.5 * settings.eps) / 7, max_iter: 7,
      num_random_init: 1 }
    : { name: 'fgsm', eps: settings.eps };
  return net.adversarialTrainer(train, config, { ratio: settings.ratio, attack });
}

/**
 * A training preset (Lab#trainPreset) as a page run's settings: the form's fields, and the arch,
 * the robust trainer's settings and the shards the form has no field for.
 */
export function presetSettings(preset) {
  const { train, robust } = preset;
  return { preset: preset.name, about: preset.about, arch: preset.arch, attack: preset.trainer,
    epochs: train.epochs, batch: train.batch, lr: train.lr, seed: train.seed, shards: train.shards,
    limit: 0, eps: robust.eps, ratio: 1, robust };
}
