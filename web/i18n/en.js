// English strings for the <advlab-demo> widget and, under "lab.", the lab page. {name} marks a
// value filled in at run time.
// Every key here must exist in each other language's file (tests/browser/embed-strings.test.mjs).
export default {
  langName: 'English',
  widget: 'advlab demo: adversarial examples',
  loading: 'Loading the engine and the models…',
  ready: 'Ready.',
  error: 'Something went wrong: {message}',
  needsWasm: 'This browser has WebAssembly switched off, and the lab\'s engine runs on it. Open ' +
    'this page in another browser, or allow WebAssembly for this site (on an iPhone or iPad in ' +
    'Lockdown Mode: Settings, Privacy & Security, Lockdown Mode, Configure Web Browsing).',
  needsWorker: 'This browser cannot run Web Workers, and the lab\'s engine runs in one. Open ' +
    'this page in another browser, or ask whoever manages this one to allow workers.',
  needsModuleWorker: 'This browser is too old for the lab: its engine runs in a module worker ' +
    '(Firefox 114, Safari 15, Chrome 80 or newer). Update the browser, or open another one.',
  needsDecompression: 'This browser is too old for the lab: it cannot unpack the MNIST digits ' +
    '(DecompressionStream: Firefox 113, Safari 16.4, Chrome 80 or newer). Update it, or open ' +
    'another one.',
  attack: 'Attack',
  attack_fgsm: 'FGSM (one step)',
  attack_bim: 'BIM (20 steps)',
  attack_pgd: 'PGD (20 steps, random start)',
  attack_deepfool: 'DeepFool (minimal)',
  attack_newtonfool: 'NewtonFool (minimal)',
  attack_cw: 'Carlini-Wagner L2 (minimal)',
  eps: 'Perturbation budget ε',
  epsMinimal: 'minimal',
  defence: 'Defence in front of the models: {name}, {how}.',
  defence_squeeze: 'feature squeezing (1 bit)',
  defence_median: 'median smoothing (2×2)',
  defence_jpeg: 'JPEG (quality 50)',
  adaptiveOn: 'the attack passes through it with BPDA',
  adaptiveOff: 'the attack is made on the bare model',
  pad: 'Drawing pad: draw a digit with a mouse, pen or finger',
  clear: 'Clear',
  undo: 'Undo',
  testDigit: 'MNIST test image',
  previous: 'Previous image',
  next: 'Next image',
  random: 'Random image',
  digitNote: 'MNIST test image #{index}, labelled {label}.',
  drawn: 'Your drawing.',
  model_standard: 'Standard model',
  model_fgsm: 'Adversarially trained (FGSM)',
  model_pgd: 'Adversarially trained (PGD, Madry)',
  model_poisoned: 'Poisoned (a backdoor in its training data)',
  model_ibp: 'Certified (IBP training)',
  model_trained: 'Trained here: {from} + FGSM ε {eps}',
  short_standard: 'standard',
  short_fgsm: 'FGSM-trained',
  short_pgd: 'PGD-trained',
  short_poisoned: 'poisoned',
  short_ibp: 'IBP-trained',
  short_trained: 'trained here',
  trigger: 'Add the backdoor trigger (ART\'s pattern, bottom right)',
  triggerNote: 'The poisoned model learnt from training digits of which one in ten carried this ' +
    'trigger and the next class\'s label. Clean digits: as accurate as the standard model. With ' +
    'the trigger: the next class.',
  input: 'input',
  clean: 'clean',
  adversarial: 'adversarial',
  perturbation: 'perturbation',
  verdict: 'Clean image: {clean}. Under attack: {adv}.',
  fooled: 'fooled',
  holds: 'holds',
  announce: '{model}: {clean} on the clean image, {adv} under attack ({outcome}).',
  bars: 'Probability of each digit, {model}',
  barsKey: 'Bars: blue for the clean image, orange for the adversarial one.',
  heatmapKey: 'Perturbation: red where the attack adds ink, blue where it removes it, magnified.',
  norms: 'L∞ {linf} · L2 {l2} · {l0} pixels changed',
  curveTitle: 'Accuracy under FGSM against ε ({n} test images)',
  curveAxis: 'ε (FGSM)',
  curveComputing: 'Attacking the test images… {percent}',
  curveAt: 'At ε {eps}: {values}.',
  curveNoPoint: 'ε {eps} is not one of the measured points ({points}).',
  stealTitle: 'Steal this model',
  stealHint: 'A thief sends unlabelled MNIST digits, labels them with this model\'s answers and ' +
    'trains a copy (ART\'s CopycatCNN). Each point is a theft with that many queries.',
  stealAxis: 'queries',
  stealAccuracy: 'thief accuracy',
  stealFidelity: 'fidelity',
  stealRunning: 'Querying the model and training the thief…',
  stealCounter: '{queries} of {budget} queries · {paid} paid in all',
  stealReport: 'Behind "{post}", {queries} answers from {victim} buy a thief right on {thief} of ' +
    'the test digits, agreeing with it on {fidelity}. FGSM at ε 0.2 made on the thief flips ' +
    '{transfer} of the model\'s right answers; white-box, {whitebox}.',
  trainTitle: 'Adversarial training',
  trainHint: 'Adversarially train a copy of the first model ({model}) for one epoch on {n} ' +
    'MNIST training images (FGSM, ε {eps}, half of each batch attacked), then compare. ' +
    'Downloads MNIST (11 MB) the first time.',
  trainButton: 'Train',
  trainLoading: 'Downloading MNIST…',
  trainProgress: 'Batch {batch} of {batches}, loss {loss}.',
  trainDone: 'Done. On 500 test images: clean {clean}, under FGSM ε {eps} {adv}.',
  // The lab page (web/index.html, web/lab/): keys under "lab.". The engine's messages and the
  // models' own metadata are not translated.
  'lab.title': 'advlab · adversarial examples, live',
  'lab.description': 'Draw a digit, attack it, and compare a standard and an adversarially ' +
    'trained model. Runs entirely in the browser.',
  'lab.subtitle': 'adversarial robustness lab',
  'lab.language': 'Language',
  'lab.lede': 'Draw a digit and raise ε: the standard model\'s answer flips while the ' +
    'adversarially trained model holds. The engine is C compiled to WebAssembly, running in a ' +
    'worker in this tab. Nothing leaves your machine.',
  'lab.loading': 'Loading the engine…',
  'lab.ready': 'Ready: both models answered {seconds} s after the page began loading.',
  'lab.startFailed': 'Could not start: {message}',
  'lab.failed': '{message}',
  'lab.dismiss': 'Dismiss this notice',
  'lab.resumeTraining': 'Resume training',
  'lab.discard': 'Discard it',
  'lab.input': 'Input',
  'lab.pad': 'Drawing pad: draw a digit',
  'lab.sees': 'What the model sees: 28×28, scaled to 20×20 and centred by mass, like MNIST.',
  'lab.undo': 'Undo',
  'lab.clear': 'Clear',
  'lab.random': 'Random MNIST digit',
  'lab.upload': 'Upload image',
  'lab.brush': 'Brush',
  'lab.drawDigit': 'Draw a digit.',
  'lab.digitNote': 'MNIST test image #{index}, labelled {label}.',
  'lab.uploaded': 'Uploaded {name}.',
  'lab.notImage': '{name}: not a PNG or JPEG image the browser can decode',
  'lab.attack': 'Attack',
  'lab.attack.bim': 'BIM (20 steps)',
  'lab.attack.pgd': 'PGD (20 steps, random start)',
  'lab.minimal': 'minimal',
  'lab.target': 'Target',
  'lab.untargeted': 'none (untargeted)',
  'lab.mode': 'Mode',
  'lab.mode.whitebox': 'white-box on each model',
  'lab.mode.transfer': 'transfer: made on the standard model',
  'lab.defendedSide': 'Defended side',
  'lab.pre': 'Pre-processor',
  'lab.pre.none': 'none',
  'lab.pre.squeeze': 'feature squeezing, 1 bit',
  'lab.pre.median': 'median smoothing, 2×2',
  'lab.pre.jpeg': 'JPEG, quality 50',
  'lab.adaptive': 'Adaptive attack',
  'lab.adaptive.unaware': 'off: made on the bare model',
  'lab.adaptive.exact': 'naive: exact gradient through it',
  'lab.adaptive.bpda': 'on: BPDA through it',
  'lab.detector': 'feature-squeezing detector',
  'lab.key.perturbation': 'Perturbation',
  'lab.key.perturbationText': 'red where the attack adds ink, blue where it removes it, ' +
    'magnified so the largest change is full colour.',
  'lab.key.bars': 'Bars',
  'lab.key.barsText': 'grey for the clean image, red for the adversarial one.',
  'lab.key.adaptiveText': 'squeezing and JPEG have zero gradient, so the naive attack stalls; ' +
    'BPDA passes the gradient straight through them and breaks the defence.',
  'lab.key.transfer': 'Transfer',
  'lab.key.transferText': 'the image made against the standard model, fed to the defended one: ' +
    'the tutorial\'s measurement.',
  'lab.models': 'The two models, side by side',
  'lab.card.standard': 'Standard model',
  'lab.card.defended': 'Defended model',
  'lab.weights.standard': 'Standard model weights',
  'lab.weights.defended': 'Defended model weights',
  'lab.slot.standard': 'standard',
  'lab.slot.defended': 'defended',
  'lab.clean': 'clean',
  'lab.adversarial': 'adversarial',
  'lab.perturbation': 'perturbation',
  'lab.caption.input': 'input',
  'lab.caption.preprocessed': 'input after pre-processor',
  'lab.normsQueries': 'L∞ {linf} · L2 {l2} · L0 {l0} pixels · {used} of {budget} queries, ' +
    'no gradient',
  'lab.attack.autoattack': 'AutoAttack\'s white-box members',
  'lab.attack.apgd': 'APGD-CE (100 steps)',
  'lab.attack.apgdT': 'APGD-T (9 targets)',
  'lab.attack.fab': 'FAB-T (9 targets)',
  'lab.attack.lbfgs': 'L-BFGS (Szegedy et al., minimal L2)',
  'lab.attack.jsma': 'JSMA (pixel pairs, to a target)',
  'lab.attack.blackBox': 'black-box: answers only, no gradient',
  'lab.attack.square': 'Square (1000 queries)',
  'lab.attack.hopskipjump': 'HopSkipJump (labels, 1000 queries)',
  'lab.attack.boundary': 'Boundary (labels, 1000 queries)',
  'lab.norms': 'L∞ {linf} · L2 {l2} · L0 {l0} pixels',
  'lab.flipped': 'flipped',
  'lab.holds': 'holds',
  'lab.reached': 'reached {target}',
  'lab.detectorSays': 'detector: {verdict}',
  'lab.export': 'Export .safetensors',
  'lab.import': 'Import',
  'lab.download': 'Adversarial PNG',
  'lab.exportFailed': 'Export failed. {message}',
  'lab.importFailed': 'Import failed, the current model is kept. {message}',
  'lab.group.pretrained': 'pretrained',
  'lab.group.here': 'trained or imported here',
  // The pretrained models' English names are the manifest's labels (data/weights/manifest.json).
  'lab.modelName.standard': 'standard',
  'lab.modelName.fgsm': 'FGSM-trained (eps 0.2, ratio 0.5)',
  'lab.modelName.pgd': 'PGD-trained (Madry, eps 0.3)',
  'lab.modelName.poisoned': 'poisoned (backdoor: ART\'s pattern, 10%, next class)',
  'lab.modelName.ibp': 'IBP-certified (Gowal et al., eps 0.11)',
  'lab.modelName.robust': 'robust preset (PGD-7 at eps 0.3, 16 and 32 channels)',
  'lab.modelName.trainedStandard': 'standard, trained here {time} ({epochs} epochs)',
  'lab.modelName.trainedDefended':
    'defended, trained here {time} ({attack} eps {eps} ratio {ratio}, {epochs} epochs)',
  'lab.modelName.trainedCertified':
    'defended, trained here {time} ({attack} {eps}, {epochs} epochs)',
  'lab.modelName.trainedPreset':
    'robust, trained here {time} (PGD-7 eps {eps}, {epochs} epochs, 16 and 32 channels)',
  'lab.modelName.imported': '{name} (imported)',
  'lab.provenance.defence': 'defence: {value}',
  'lab.provenance.training': 'training: {value}',
  'lab.trainTitle': 'Train in this tab',
  'lab.trainHint': 'The tutorial\'s settings: the standard model, then ART\'s AdversarialTrainer ' +
    'starting from it. Full MNIST (11 MB) downloads on first use; trained models are kept in ' +
    'this browser.',
  'lab.train.models': 'Models',
  'lab.train.both': 'standard, then defended',
  'lab.train.standard': 'standard only',
  'lab.train.defended': 'defended only',
  'lab.train.epochs': 'Epochs',
  'lab.train.batch': 'Batch',
  'lab.train.lr': 'Learning rate',
  'lab.train.pgd': 'PGD, 7 steps',
  'lab.train.ratio': 'Ratio',
  'lab.train.seed': 'Seed',
  'lab.train.limit': 'Images',
  'lab.train.limitTitle': '0 uses all 60000',
  'lab.train': 'Train',
  'lab.trainRobust': 'Train a robust model',
  'lab.trainRobustHint': 'Train a robust model: the defended model, with Madry\'s PGD training ' +
    '(7 steps, ε 0.3, ramped up over the first 2 of 10 epochs) of a wider net (16 and 32 ' +
    'channels) on every core, about 10 minutes on a 2-core laptop; then AutoAttack checks it.',
  'lab.pause': 'Pause',
  'lab.resume': 'Resume',
  'lab.cancel': 'Cancel',
  'lab.training': 'Training',
  'lab.trainProgress': '{model} model: epoch {epoch}/{epochs}, batch {batch}/{batches}, loss ' +
    '{loss}, train accuracy {accuracy}, {speed} images/s; cores training: {workers}',
  'lab.noStorage': 'This browser lets the lab keep nothing (no IndexedDB, as in some private ' +
    'windows): models trained or imported here, and a training run to resume, are lost on reload. ' +
    'Export a model to keep it.',
  'lab.noLocks': 'This browser has no Web Locks, so two tabs of the lab could train at once over ' +
    'one checkpoint: train in one tab at a time.',
  'lab.trainingElsewhere': 'Another tab of this lab is training; train here once it is done.',
  'lab.resuming': 'Resuming from the checkpoint…',
  'lab.loadingMnist': 'Loading MNIST…',
  'lab.cancelled': 'Cancelled; the models on show are kept.',
  'lab.trained': 'Done: the new models are on show and saved in this browser.',
  'lab.paused': 'Paused, with a checkpoint: {where}.',
  'lab.poolFailed': 'Training on this worker alone, the same model only slower: the other ' +
    'cores\' workers did not start ({error}).',
  'lab.checkpointFailed': 'Could not save a training checkpoint ({error}); training goes on ' +
    'without it.',
  'lab.interrupted': 'A training run was interrupted: {run}.',
  'lab.checkpoint': '{where} (saved {time})',
  'lab.checkpointAfterStandard': 'the standard model is done; {where} (saved {time})',
  'lab.place': '{model} model at epoch {epoch} of {epochs}',
  'lab.placeInEpoch': '{model} model at epoch {epoch} of {epochs}, and {batch} of {batches} ' +
    'batches into the next',
  'lab.seconds': '{s} s',
  'lab.minutes': '{m} min {s} s',
  'lab.crashFinal': 'The engine\'s worker stopped ({reason}) and is not restarted: reload the ' +
    'page.',
  'lab.crashRestarting': 'The engine\'s worker stopped ({reason}). Starting a new one…',
  'lab.crashResumed': 'The engine\'s worker stopped ({reason}). A new one took over and training ' +
    'goes on from its last checkpoint: {run}.',
  'lab.crashResumedPaused': 'The engine\'s worker stopped ({reason}). A new one took over, and ' +
    'the run stays paused at its last checkpoint: {run}.',
  'lab.crashRecovered': 'The engine\'s worker stopped ({reason}). A new one took over with the ' +
    'models on show.',
  'lab.crashRunLost': 'The engine\'s worker stopped ({reason}). A new one took over with the ' +
    'models on show; the run had no checkpoint yet, so press Train again.',
  'lab.why.silent': 'no word from it for {seconds} s',
  'lab.why.aborted': 'its engine aborted ({error})',
  'lab.why.failed': '{error}',
  'lab.why.failedToLoad': 'it failed to load or threw',
  'lab.crashNoRestart': 'The engine\'s worker stopped and could not restart: {message}',
  'lab.chart.loss': 'training loss',
  'lab.chart.accuracy': 'test accuracy',
  'lab.chart.accuracyCaption': 'test accuracy, clean and under FGSM ε (500 images)',
  'lab.chart.speed': 'images per second',
  'lab.chart.speedCaption': 'images/s · ETA',
  'lab.chart.epochs': 'epochs',
  'lab.chart.lossOf': '{model} loss',
  'lab.chart.imagesPerSecond': 'images/s',
  'lab.chart.curve': 'accuracy against epsilon',
  'lab.chart.curveCaption': 'accuracy under FGSM against ε',
  'lab.robustness': 'Robustness',
  'lab.testImages': 'Test images',
  'lab.curves': 'Accuracy vs ε',
  'lab.measure': 'Tutorial measurements',
  'lab.table.measurement': 'measurement',
  'lab.table.value': 'value',
  'lab.table.images': 'images',
  'lab.table.seconds': 's',
  'lab.row.cleanStandard': 'clean accuracy, standard model',
  'lab.row.fgsmStandard': 'FGSM eps {eps}, standard model',
  'lab.row.transfer': 'defended model on the OLD FGSM images (transfer)',
  'lab.row.fgsmDefended': 'fresh white-box FGSM eps {eps}, defended model',
  'lab.row.cleanDefended': 'clean accuracy, defended model',
  'lab.colophon': 'advlab: attacks and defences with the semantics of IBM\'s Adversarial ' +
    'Robustness Toolbox. Weights export as safetensors, loadable by PyTorch.',
  // Which build of the engine runs (advlab.js's lab.variant).
  'lab.poison.title': 'Poison the training data',
  'lab.poison.hint': 'A backdoor (BadNets; ART\'s PoisoningAttackBackdoor): a small trigger is ' +
    'stamped on a fraction of the training digits, which are relabelled to the target. A model ' +
    'trained on them is as accurate as ever on clean digits, and obeys the trigger.',
  'lab.poison.trigger': 'Trigger',
  'lab.poison.pattern': 'ART\'s pattern',
  'lab.poison.pixel': 'ART\'s single pixel',
  'lab.poison.mask': 'drawn here',
  'lab.poison.padLabel': 'The trigger, 28 by 28 pixels: click or drag to draw it',
  'lab.poison.clearTrigger': 'Clear the trigger',
  'lab.poison.source': 'Source class',
  'lab.poison.all': 'every class',
  'lab.poison.target': 'Target',
  'lab.poison.next': 'the next class (y+1)',
  'lab.poison.fraction': 'Fraction poisoned',
  'lab.poison.run': 'Poison MNIST',
  'lab.poison.train': 'Train the poisoned model',
  'lab.poison.poisoning': 'Poisoning the 60,000 training digits…',
  'lab.poison.report': '{poisoned} of {rows} training digits now carry the trigger and the ' +
    'target\'s label. Some of them:',
  'lab.poison.trainHint': 'The poisoned model trains as the standard model, with the training ' +
    'panel\'s epochs, batch, learning rate, seed and images.',
  'lab.poison.live': 'Add the trigger to the input',
  'lab.poison.strip': 'STRIP on the input (standard model)',
  'lab.poison.stripFlagged': 'STRIP: poisoned. Blended with clean digits, the input still gets ' +
    'one answer (entropy {entropy}, at or below the threshold {threshold}).',
  'lab.poison.stripClean': 'STRIP: clean. Blended with clean digits, the answers scatter ' +
    '(entropy {entropy}, above the threshold {threshold}).',
  'lab.poison.findTitle': 'Find the poison, then retrain without it',
  'lab.poison.defence': 'Defence',
  'lab.poison.ac': 'activation clustering',
  'lab.poison.spectral': 'spectral signatures',
  'lab.poison.retrain': 'retrain on the rest (defended model)',
  'lab.poison.find': 'Find the poison',
  'lab.poison.searching': 'Reading the last hidden layer of every training digit…',
  'lab.poison.retraining': 'Retraining on the digits left: epoch {epoch} of {epochs}…',
  'lab.poison.found': 'Flagged {flagged} of {rows} training digits: precision {precision}, ' +
    'recall {recall} of the {poisoned} poisoned.',
  'lab.poison.scatter': 'the reduced activations of one class',
  'lab.poison.scatterCaption': 'label {label}: the last hidden layer in 2-D, coloured by ' +
    'cluster; red rings were poisoned',
  'lab.poison.cleanAccuracy': 'clean accuracy',
  'lab.poison.attackSuccess': 'attack success',
  'lab.poison.rowPoisoned': 'trained on the poisoned data',
  'lab.poison.rowRetrained': 'retrained on the rest',
  'lab.poison.wasPoisoned': 'poisoned',
  'lab.poison.wasClean': 'clean',
  'lab.modelName.trainedPoisoned': 'poisoned, trained here {time} ({epochs} epochs)',
  'lab.modelName.cleansed': 'retrained after {defence}, here {time} ({epochs} epochs)',
  'lab.modelName.stolen': 'stolen here {time} ({queries} queries, {thief})',
  'lab.export.as': 'Download as {format}',
  'lab.export.series': 'series',
  'lab.export.value': 'value',
  'lab.audit.title': 'Is this defence real?',
  'lab.audit.hint': 'AutoAttack (Croce & Hein 2020): APGD-CE, APGD-T, FAB-T and the black-box ' +
    'Square, each on the images the others left standing, against the card\'s model behind the ' +
    'Attack panel\'s pre-processor. The robust accuracy is each image\'s worst case, and the ' +
    'warnings say when a figure looks like gradient masking.',
  'lab.audit.defended': 'the defended model, behind its pre-processor',
  'lab.audit.suite': 'Suite',
  'lab.audit.quick': 'quick (APGD-CE, APGD-T, 20 steps)',
  'lab.audit.autoattack': 'AutoAttack, standard',
  'lab.audit.full': 'full (and BPDA)',
  'lab.audit.run': 'Check it',
  'lab.audit.running': 'Attacking the test digits on every core…',
  'lab.audit.after': 'accuracy after it',
  'lab.audit.broke': 'broke first',
  'lab.audit.gradients': 'gradient calls',
  'lab.audit.report': 'Pre-processor: {pre}. Of {n} test digits, {clean} are right when clean ' +
    'and {robust} survive every attack at ε {eps} ({seconds} s on {workers} workers).',
  'lab.audit.noWarnings': 'No warning: nothing here looks like gradient masking.',
  'lab.audit.warn.softmax': 'The outputs look like probabilities, not logits: the attacks\' ' +
    'losses flatten where the softmax saturates, so they may be weaker than they should be.',
  'lab.audit.warn.zero_gradients': 'Gradients are zero on {share} of the checked digits: ' +
    'gradient attacks cannot move them. This defence may be masking gradients.',
  'lab.audit.warn.random': 'The output is random: two passes of the same digits differ. A ' +
    'randomised defence must be attacked through its expectation (EOT); these figures may ' +
    'flatter it.',
  'lab.audit.warn.black_box': 'The black-box Square broke digits the gradient attacks could not: ' +
    'the gradients mislead them. This defence may be masking gradients.',
  'lab.audit.warn.large_eps': 'At ε {eps}, where any digit can become any other, {accuracy} of ' +
    'the checked digits are still right: the attacks do not work on this model. This defence ' +
    'may be masking gradients.',
  'lab.audit.warn.naive_above_bpda': 'The defence\'s own gradient leaves {naive}, BPDA only ' +
    '{bpda}: the pre-processor masks gradients. Trust the BPDA figure (the full suite attacks ' +
    'through BPDA too).',
  // the universal perturbation (issue 13)
  'lab.universal.title': 'Universal perturbation',
  'lab.universal.hint': 'One perturbation for every digit (Moosavi-Dezfooli et al. 2017, as ' +
    'ART\'s UniversalPerturbation): DeepFool runs on each training digit the perturbation does ' +
    'not fool yet, its step is added, and the sum is pulled back into the ε-ball. Then it is ' +
    'added to test digits it has never seen.',
  'lab.universal.norm': 'Norm',
  'lab.universal.fit': 'Training digits',
  'lab.universal.delta': 'δ (stop at 1 − δ)',
  'lab.universal.passes': 'Passes at most',
  'lab.universal.run': 'Find it',
  'lab.universal.running': 'Fitting one perturbation to the training digits…',
  'lab.universal.perturbation': 'the perturbation (red adds ink, blue removes it)',
  'lab.universal.digit': 'test digit {index} with it added: the model said {clean}, now ' +
    '{predicted}',
  'lab.universal.report': 'It fools {fooled} of {n} test digits ({rate}). On the {fit} ' +
    'training digits it was fitted on: {fitRate} after {passes} passes; ‖v‖ {norm} ' +
    '({seconds} s).',
  'lab.study.title': 'Study: the tutorial, step by step',
  'lab.study.hint': 'The study\'s loop, as in ART\'s get-started example: train and measure, ' +
    'attack and measure, defend, attack again and measure. Then the threats of the other ' +
    'stages. Each step runs here, on real MNIST, through the panels below, with short settings ' +
    'you can change. Your progress is kept in this browser.',
  'lab.study.hide': 'Free lab: hide the guide',
  'lab.study.show': 'Show the guide',
  'lab.study.counter': 'Step {n} of {count}',
  'lab.study.back': 'Back',
  'lab.study.run': 'Run this step',
  'lab.study.next': 'Next step',
  'lab.study.restart': 'Start again',
  'lab.study.running': 'Running in the {panel}…',
  'lab.study.stopped': 'The step stopped before it measured anything; the panel says why.',
  'lab.study.control.epochs': 'Epochs',
  'lab.study.control.images': 'Training images',
  'lab.study.control.n': 'Test images',
  'lab.study.control.eps': 'ε',
  'lab.study.control.ratio': 'Ratio',
  'lab.study.control.fraction': 'Fraction poisoned',
  'lab.study.control.queries': 'Query budget',
  'lab.study.train.title': 'Train and measure',
  'lab.study.train.panel': 'training panel',
  'lab.study.train.intro': 'First, a model worth attacking: ART\'s get-started CNN (two ' +
    'convolutions, two dense layers), trained with Adam at lr 0.01 on MNIST\'s handwritten ' +
    'digits. Then it is measured on test digits it never saw. Fewer epochs and images than the ' +
    'tutorial\'s 20 and 60,000 keep this step to a minute.',
  'lab.study.train.notice': 'Your standard model, trained for {epochs} epochs on {images} ' +
    'digits, answers {clean} of {n} test digits right. Keep that number: the attack comes for it.',
  'lab.study.attack.title': 'Attack and measure',
  'lab.study.attack.panel': 'Robustness panel',
  'lab.study.attack.intro': 'FGSM (Goodfellow et al.) moves every pixel by ε in the direction ' +
    'that raises the model\'s loss: one gradient, one step. Each test digit gets its own ' +
    'perturbation, and the model is measured again on the results.',
  'lab.study.attack.notice': 'FGSM at ε {eps} (no pixel moves by more than {eps}) takes the ' +
    'model from {clean} to {fgsm} on {n} test digits. Draw a digit above: the standard card ' +
    'flips while the picture barely changes.',
  'lab.study.defend.title': 'Defend',
  'lab.study.defend.panel': 'training panel',
  'lab.study.defend.intro': 'Three ways: remove the perturbation (a pre-processor in front of ' +
    'the model), train it away, or detect it. This step trains it away, as the tutorial does: ' +
    'ART\'s AdversarialTrainer goes on from the standard model with FGSM images in place of a ' +
    'share (the ratio) of each batch. The other two are in the Attack panel: the pre-processor ' +
    'and the feature-squeezing detector.',
  'lab.study.defend.notice': 'The defended model, trained for {epochs} epochs with FGSM ' +
    '(ε {eps}) on {ratio} of each batch, answers {clean} of the clean test digits right: ' +
    'defending costs little accuracy here. Whether it holds is the next step\'s question.',
  'lab.study.again.title': 'Attack again and measure',
  'lab.study.again.panel': 'Robustness panel',
  'lab.study.again.intro': 'The tutorial measures the defended model on the adversarial images ' +
    'made for the standard model. A fair test also attacks the defended model itself, with fresh ' +
    'FGSM made on it. This step measures both.',
  'lab.study.again.notice': 'On the standard model\'s old adversarial images (the tutorial\'s ' +
    'number) the defended model scores {transfer}; against fresh FGSM made on it, {fresh}. The ' +
    'standard model had {standard}. The first number flatters: those images were made for ' +
    'another model.',
  'lab.study.poison.title': 'Poison the training data',
  'lab.study.poison.panel': 'Poison panel',
  'lab.study.poison.intro': 'The collection stage: whoever supplies training data can stamp a ' +
    'small trigger on some digits and relabel them (BadNets). This step poisons MNIST, trains a ' +
    'model on it, then looks for the poison with activation clustering and retrains without it.',
  'lab.study.poison.notice': 'With {fraction} of the training digits poisoned, the model obeys ' +
    'the trigger on {success} of triggered test digits while staying accurate on clean ones ' +
    '({clean}). Activation clustering found the poison with precision {precision} and recall ' +
    '{recall}; retrained without it, the trigger works on {after}.',
  'lab.study.steal.title': 'Steal and infer',
  'lab.study.steal.panel': 'Steal and infer panel',
  'lab.study.steal.intro': 'The use stage: a model that answers queries gives itself away. A ' +
    'thief labels its own images with the answers and trains a copy; a membership attack asks ' +
    'whether a digit was in the training set.',
  'lab.study.steal.notice': 'With {queries} queries the thief\'s copy answers {thief} of the ' +
    'test digits right and agrees with the model on {fidelity}. A model overfit on 500 digits ' +
    'gives its members away with an advantage of {advantage} (0 is guessing).',
  'lab.study.certify.title': 'Prove it',
  'lab.study.certify.panel': 'model cards',
  'lab.study.certify.intro': 'Every number so far is an attack that failed, which may only mean ' +
    'a weak attack. Interval bound propagation (IBP) proves instead: no change of each pixel up ' +
    'to ε* can move the answer. This step puts the IBP-trained model in the defended card and ' +
    'proves its answer on your drawing.',
  'lab.study.certify.notice': 'IBP proves the IBP-trained model\'s answer on your drawing up ' +
    'to ε* = {proved}; the live attack first succeeds at ε = {broken}. Between the two lies ' +
    'what neither a proof nor an attack has settled.',
  'lab.study.certify.noticeUnbroken': 'IBP proves the IBP-trained model\'s answer on your ' +
    'drawing up to ε* = {proved}, and the live attack finds nothing up to ε = 0.5. Draw another ' +
    'digit and run the step again.',
  'lab.steal.title': 'Steal the model, infer its training data',
  'lab.steal.hint': 'In use, a model answers queries, and the answers give it away. A thief ' +
    'sends its own images, labels them with the answers and trains a copy (ART\'s CopycatCNN and ' +
    'KnockoffNets). The post-processors are the defences: they change what an answer reveals.',
  'lab.steal.victim': 'Victim',
  'lab.steal.victimStandard': 'the standard model',
  'lab.steal.victimDefended': 'the defended model',
  'lab.steal.postprocess': 'Its answers',
  'lab.steal.post.none': 'probabilities',
  'lab.steal.post.reverse_sigmoid': 'reverse sigmoid',
  'lab.steal.post.high_confidence': 'high confidence only',
  'lab.steal.post.rounded': 'rounded',
  'lab.steal.post.class_labels': 'class labels only',
  'lab.steal.thief': 'Thief\'s images',
  'lab.steal.thief.mnist': 'MNIST training digits, unlabelled',
  'lab.steal.thief.fashion': 'Fashion-MNIST (other images)',
  'lab.steal.thief.noise': 'random noise',
  'lab.steal.method': 'Method',
  'lab.steal.method.copycat': 'CopycatCNN',
  'lab.steal.method.knockoffRandom': 'KnockoffNets, random',
  'lab.steal.method.knockoffAdaptive': 'KnockoffNets, adaptive',
  'lab.steal.queries': 'Query budget',
  'lab.steal.run': 'Steal it',
  'lab.steal.compare': 'Steal it behind each post-processor',
  'lab.steal.stealing': 'Querying the victim and training the thief…',
  'lab.steal.counter': '{queries} of {budget} queries · {paid} paid in all',
  'lab.steal.report': 'With {queries} answers from {victim}, the thief is right on ' +
    '{thiefAccuracy} of the test digits (the victim on {victimAccuracy}) and agrees with the ' +
    'victim on {fidelity}. FGSM at ε 0.2 made on the thief flips {transfer} of the victim\'s right ' +
    'answers, white-box FGSM {whitebox}.',
  'lab.steal.reportKept': 'With {queries} answers from {victim}, the thief is right on ' +
    '{thiefAccuracy} of the test digits (the victim on {victimAccuracy}) and agrees with the ' +
    'victim on {fidelity}. FGSM at ε 0.2 made on the thief flips {transfer} of the victim\'s right ' +
    'answers, white-box FGSM {whitebox}. The thief is now the card beside its victim.',
  'lab.steal.learn': 'The thief learns',
  'lab.steal.learn.labels': 'the answers\' top class (ART\'s default)',
  'lab.steal.learn.probabilities': 'the answers themselves',
  'lab.steal.chart': 'the thief against the query budget',
  'lab.steal.chartCaption': 'the thief\'s test accuracy and its agreement with the victim, ' +
    'against the queries it paid for; each point is a theft of its own',
  'lab.steal.queriesAxis': 'queries',
  'lab.steal.victimAccuracy': 'victim accuracy',
  'lab.steal.thiefAccuracy': 'thief accuracy',
  'lab.steal.fidelity': 'fidelity',
  'lab.steal.transfer': 'FGSM from the thief',
  'lab.steal.whitebox': 'white-box FGSM',
  'lab.infer.title': 'Was this digit in the training set?',
  'lab.infer.hint': 'Membership inference (ART\'s rule-based, black-box and label-only attacks): ' +
    'the first training images are the members, as many test images the non-members. Half of ' +
    'each tunes the attack, the other half measures it. A model that overfits gives its members ' +
    'away.',
  'lab.infer.target': 'Model',
  'lab.infer.overfit': 'overfit: the first 500 digits, 100 epochs (trained here)',
  'lab.infer.standard': 'the standard model',
  'lab.infer.rule': 'rule: members are answered right',
  'lab.infer.blackbox': 'black-box: a net on the answers',
  'lab.infer.labelOnly': 'label-only: distance to the boundary',
  'lab.infer.members': 'Members',
  'lab.infer.run': 'Infer membership',
  'lab.infer.training': 'Training the overfit model on 500 digits…',
  'lab.infer.inferring': 'Scoring members and non-members…',
  'lab.infer.report': 'On {members} members and {nonmembers} non-members it never tuned on, the ' +
    'attack says "member" of {tpr} of the members and of {fpr} of the non-members: an advantage ' +
    'of {advantage} (0 is guessing), AUC {auc}, balanced accuracy {balanced}.',
  'lab.infer.roc': 'the attack\'s ROC curve',
  'lab.infer.rocCaption': 'the attack\'s ROC curve: members caught against non-members wrongly ' +
    'accused; the dashed diagonal is guessing',
  'lab.infer.fprAxis': 'non-members accused',
  'lab.infer.tprAxis': 'members caught',
  'lab.infer.pick': 'Pick a digit for the attack\'s verdict:',
  'lab.infer.digits': 'measured digits',
  'lab.infer.wasMember': 'member',
  'lab.infer.wasNonmember': 'non-member',
  'lab.infer.member': 'a member',
  'lab.infer.nonmember': 'not a member',
  'lab.infer.verdictRight': 'The attack says {verdict} (score {score}, threshold {threshold}), ' +
    'and it is right: this digit is a {truth}.',
  'lab.infer.verdictWrong': 'The attack says {verdict} (score {score}, threshold {threshold}), ' +
    'and it is wrong: this digit is a {truth}.',
  'lab.invert.title': 'What the model remembers of each class',
  'lab.invert.hint': 'Model inversion (ART\'s MIFace): from the mean training digit, each ' +
    'class\'s image climbs its own score, using nothing but the model.',
  'lab.invert.run': 'Reconstruct the ten classes',
  'lab.invert.running': 'Climbing each class\'s score…',
  'lab.invert.report': 'Each image is what the model answers its class for most surely, from the ' +
    'mean digit: the model\'s idea of the class, not a training digit.',
  'lab.invert.tile': '{label}: p {score}',
  'lab.proof': 'Proof',
  'lab.proof.ibp': 'IBP (interval bounds)',
  'lab.proof.crown': 'CROWN (linear bounds)',
  'lab.proof.smoothing': 'randomized smoothing (L2, σ 0.25)',
  'lab.proof.none': 'off',
  'lab.cert.proved': 'Proved by {method}: no change of each pixel up to ε* = {radius} moves the ' +
    'answer from {label}, so none at ε = {eps} does.',
  'lab.cert.notAtEps': 'Not provable at ε = {eps} by {method}: it proves the answer {label} only ' +
    'up to ε* = {radius}.',
  'lab.cert.nothing': 'Not provable by {method}: its bounds prove nothing for this input, even ' +
    'at the smallest ε.',
  'lab.cert.smoothed': 'The smoothed model (noise σ {sigma}) answers {label}, certified within ' +
    'an L2 radius of {radius}.',
  'lab.cert.abstains': 'The smoothed model (noise σ {sigma}) abstains: the noisy answers do ' +
    'not agree enough to certify one.',
  'lab.cert.gap': 'green: proved up to {proved} · red: the attack succeeds from {broken} · black: your ε',
  'lab.cert.unbroken': 'green: proved up to {proved} · the attack did not succeed up to 0.5 · black: your ε',
  'lab.cert.chart': 'what is proved and what is broken, for ε from 0 to 0.5',
  'lab.train.ibp': 'IBP, certified (Gowal et al.)',
  'lab.train.noise': 'Gaussian noise σ = ε, for smoothing',
  'lab.train.fbf': 'fast AT (Wong et al.)',
  'lab.train.trades': 'TRADES (Zhang et al.)',
  'lab.train.pgdRamp': 'PGD, 7 steps, ε ramped up',
  'lab.chart.verified': 'dashed: verified by IBP',
  'lab.engineSimd': 'Engine: WebAssembly with SIMD.',
  'lab.engineScalar': 'Engine: WebAssembly without SIMD (this browser lacks it), slower, same ' +
    'results.',
  // The Sweeps panel (issue 18).
  'lab.sweep.title': 'Sweeps: one setting against another, over seeds',
  'lab.sweep.hint': 'Vary a setting of the tutorial\'s experiment, of an attack on its standard ' +
    'model (the attack, its ε, step and iterations, the defence and its parameter), of a ' +
    'backdoor in the training data (the poisoned fraction, the trigger), or of a theft of the ' +
    'standard model (the query budget, CopycatCNN or KnockoffNets); a second one makes a grid. Each value is measured once per seed: one seed misleads. Values are a list ' +
    '(0,0.1,0.2), a range start:stop:step, or names for a choice (fgsm,pgd or none,squeeze). ' +
    'The cells run on every core and are kept as they finish, so a pause or a reload loses only ' +
    'the cells under way; the numbers are those of advlab sweep on the command line.',
  'lab.sweep.vary': 'Vary',
  'lab.sweep.values': 'its values',
  'lab.sweep.vary2': 'and, for a grid',
  'lab.sweep.noSecond': 'nothing else',
  'lab.sweep.seeds': 'seeds',
  'lab.sweep.measure': 'measure',
  'lab.sweep.run': 'Run the sweep',
  'lab.sweep.pause': 'Pause',
  'lab.sweep.resume': 'Resume',
  'lab.sweep.load': 'Load a sweep\'s JSON',
  'lab.sweep.print': 'Print report',
  'lab.sweep.shown': 'The map shows',
  'lab.sweep.stopped': 'The engine\'s worker stopped during the sweep; Resume goes on from the cells it kept.',
  'lab.sweep.reportTitle': 'advlab sweep report',
  'lab.sweep.chart': 'the sweep\'s chart',
  'lab.sweep.reproduce': 'The same numbers on the command line:',
  'lab.sweep.key.eps': 'FGSM\'s ε',
  'lab.sweep.family': 'Each cell runs',
  'lab.sweep.family.experiment': 'the tutorial\'s experiment',
  'lab.sweep.family.attack': 'an attack on the standard model',
  'lab.sweep.family.poison': 'a backdoor in the training data',
  'lab.sweep.family.steal': 'a theft of the standard model',
  'lab.sweep.key.budget': 'the query budget',
  'lab.sweep.key.method': 'the theft',
  'lab.sweep.key.use_probability': 'learn the probabilities (0 or 1)',
  'lab.sweep.key.thief_epochs': 'the thief\'s epochs',
  'lab.sweep.m.thief_accuracy': 'the thief\'s accuracy',
  'lab.sweep.m.fidelity': 'fidelity: the thief agrees with the victim',
  'lab.sweep.key.fraction': 'the poisoned fraction',
  'lab.sweep.key.trigger': 'the trigger',
  'lab.sweep.key.source': 'the source class',
  'lab.sweep.key.target': 'the target class',
  'lab.sweep.trigger.pattern': 'ART\'s pattern',
  'lab.sweep.trigger.pixel': 'one pixel',
  'lab.sweep.m.attack_success': 'the trigger\'s success rate',
  'lab.sweep.key.attack': 'the attack',
  'lab.sweep.key.attack_eps': 'the attack\'s ε',
  'lab.sweep.key.eps_step': 'the attack\'s step',
  'lab.sweep.key.max_iter': 'the attack\'s iterations',
  'lab.sweep.key.defence': 'the defence',
  'lab.sweep.key.bit_depth': 'squeezing\'s bit depth',
  'lab.sweep.key.window': 'median\'s window',
  'lab.sweep.key.quality': 'JPEG\'s quality',
  'lab.sweep.key.sigma': 'noise\'s σ',
  'lab.sweep.defence.none': 'none',
  'lab.sweep.defence.squeeze': 'bit-depth squeezing',
  'lab.sweep.defence.median': 'median filter',
  'lab.sweep.defence.noise': 'Gaussian noise',
  'lab.sweep.m.clean_accuracy': 'accuracy, clean',
  'lab.sweep.m.robust_accuracy': 'accuracy under the attack',
  'lab.sweep.m.success_rate': 'the attack\'s success rate',
  'lab.sweep.meanOf': '{name}: mean',
  'lab.sweep.captionLinesAttack': 'share of the test images, mean over {seeds} seeds; bars: ± one ' +
    'standard deviation',
  'lab.sweep.captionHeatAttack': '{name}: share of the test images, mean over {seeds} seeds; ' +
    'darker is higher',
  'lab.sweep.key.ratio': 'adversarial ratio',
  'lab.sweep.key.epochs': 'epochs',
  'lab.sweep.key.adv_epochs': 'adversarial epochs',
  'lab.sweep.key.lr': 'learning rate',
  'lab.sweep.key.batch': 'batch size',
  'lab.sweep.key.pgd_eps': 'PGD\'s ε',
  'lab.sweep.key.pgd_eps_step': 'PGD\'s step',
  'lab.sweep.key.pgd_iter': 'PGD\'s iterations',
  'lab.sweep.key.train_limit': 'training images',
  'lab.sweep.key.test_limit': 'test images',
  'lab.sweep.m.clean_standard': 'standard model, clean',
  'lab.sweep.m.fgsm_standard': 'standard model under FGSM',
  'lab.sweep.m.transfer_defended': 'defended model, FGSM made on the standard',
  'lab.sweep.m.clean_defended': 'defended model, clean',
  'lab.sweep.m.fgsm_defended': 'defended model under FGSM',
  'lab.sweep.m.pgd_standard': 'standard model under PGD',
  'lab.sweep.m.pgd_defended': 'defended model under PGD',
  'lab.sweep.mean': '{name}: mean accuracy',
  'lab.sweep.std': '± std (points)',
  'lab.sweep.captionLines': 'accuracy, mean over {seeds} seeds; bars: ± one standard deviation',
  'lab.sweep.captionHeat': '{name}: accuracy, mean over {seeds} seeds; darker is higher',
  'lab.sweep.bad': 'Not run: {message}',
  'lab.sweep.already': 'A sweep is running: pause it first (its finished cells are kept).',
  'lab.sweep.running': 'Running {cells} cells on every core…',
  'lab.sweep.paused': 'Paused after {done} of {cells} cells; Resume goes on from there.',
  'lab.sweep.done': 'Done: {cells} cells in {seconds} s.',
  'lab.sweep.loaded': '{name}: {done} of {cells} cells. Run runs it again.',
  'lab.sweep.kept': 'The last sweep, kept in this browser: {cells} cells.',
  'lab.sweep.keptPaused': 'A sweep was paused after {done} of {cells} cells; Resume goes on from there.',
  // "Load a run (JSON)": a table's or chart's JSON export, run again (web/lab/reproduce.js).
  'lab.run.load': 'Load a run (JSON)',
  'lab.run.hint': 'A JSON exported from a table or chart here (or dropped on the page) runs again with its settings.',
  'lab.run.what.curves': 'the accuracy-against-ε curves',
  'lab.run.what.measurements': 'the tutorial measurements',
  'lab.run.what.audit': 'the defence check (AutoAttack)',
  'lab.run.what.universal': 'the universal perturbation',
  'lab.run.what.stealCurve': 'the theft\'s budget curve',
  'lab.run.what.stealTable': 'the thefts behind each post-processor',
  'lab.run.what.membership': 'the membership inference',
  'lab.run.what.poisonSearch': 'the search for the poison',
  'lab.run.what.training': 'the training run',
  'lab.run.running': '{file}: {what}, running again with its settings…',
  'lab.run.done': '{file}: {what} has run again with its settings; its panel shows the numbers.',
  'lab.run.sweep': '{file}: a sweep, loaded into the Sweeps panel.',
  'lab.run.notReady': '{file}: the engine is still starting; load the file again in a moment.',
  'lab.run.notJson': '{file} is not JSON ({message}); nothing was run.',
  'lab.run.notRun': '{file} is not a run this page exported: it has no "name". Nothing was run.',
  'lab.run.unknown': '{file}: no panel here makes a run named "{name}"; nothing was run.',
  'lab.run.newer': '{file} was made by advlab {version}, newer than this page\'s {ours}: open it there, or update this page. Nothing was run.',
  'lab.run.noSettings': '{file}: {what} in it has no settings to run again with; nothing was run.',
  'lab.run.busy': '{file}: {what} is running now; load the file again when it ends.',
  'lab.run.missing': '{file}: the setting "{key}" is missing; nothing was run.',
  'lab.run.notChoice': '{file}: the setting "{key}" is {value}, not one of {choices}; nothing was run.',
  'lab.run.notNumber': '{file}: the setting "{key}" is {value}, not a number; nothing was run.',
  'lab.run.notBoolean': '{file}: the setting "{key}" is {value}, not true or false; nothing was run.',
  'lab.run.outOfRange': '{file}: the setting "{key}" is {value}, outside {min} to {max}; nothing was run.',
  'lab.run.refused': '{file}: the setting "{key}" is {value}, which its control does not take; nothing was run.',
  'lab.run.needsModel': '{file}: this run needs the model "{name}" ({id}), which is not in this browser. Train or import it here, then load the file again.',
  'lab.run.notPoisoned': '{file}: the model "{name}" was not trained on poisoned data, so there is no poison to find.',
  'lab.run.failed': '{file}: the run failed: {message}',
};
