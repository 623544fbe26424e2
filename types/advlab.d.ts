/**
 * The engine build this JavaScript engine can run: 'simd' where it supports WebAssembly SIMD,
 * else 'scalar'.
 * @returns {'simd'|'scalar'}
 */
export function wasmVariant(): "simd" | "scalar";
/**
 * Where a variant's .wasm file is: web/gen/advlab_core.wasm or web/gen/advlab_core_scalar.wasm.
 * @param {'simd'|'scalar'} [variant] by default wasmVariant()
 * @returns {URL}
 */
export function wasmUrl(variant?: "simd" | "scalar"): URL;
/**
 * Loads the WebAssembly module and returns a lab. Which build runs is chosen here (see
 * wasmVariant) unless options.variant forces one; lab.variant says which it is.
 * @param {object} [options]
 * @param {'simd'|'scalar'} [options.variant] the build to run; by default wasmVariant()
 * @param {ArrayBuffer|Uint8Array} [options.wasmBinary] the bytes of the chosen variant's .wasm
 *   (wasmUrl(variant)); by default read from the file next to this module (Node) or fetched from
 *   that URL (browser, worker).
 * @param {string|URL} [options.wasmUrl] where to find the chosen variant's .wasm instead.
 * @returns {Promise<Lab>}
 */
export function createLab(options?: {
    variant?: "simd" | "scalar";
    wasmBinary?: ArrayBuffer | Uint8Array;
    wasmUrl?: string | URL;
}): Promise<Lab>;
/** The most memory the wasm module may grow to, in MiB (-sMAXIMUM_MEMORY in CMakeLists.txt). */
export const MAX_MEMORY_MIB: 1024;
/**
 * The engine: creates datasets, nets, attacks and defences, measures attacks and runs the
 * tutorial experiment. One per module instance; made by createLab().
 */
export class Lab {
    /** @private made by createLab */
    private constructor();
    /** @type {string} the engine version, e.g. "0.1.0" */
    version: string;
    /** @type {'simd'|'scalar'} which build of the engine runs (see wasmVariant) */
    variant: "simd" | "scalar";
    /**
     * The defaults of a train config, from advlab_train_config_default.
     * @type {Readonly<Required<TrainConfig>>}
     */
    trainDefaults: Readonly<Required<TrainConfig>>;
    /**
     * A training preset (issue 20) by name: an arch, a robust trainer and the settings of both
     * configs, as Net#robustTrainer takes them (the keys are the C fields'); `advlab train --preset
     * NAME` trains the same run. An unknown name throws, listing the known ones.
     * @param {string} name 'robust'
     * @returns {{name: string, about: string, arch: string, trainer: string,
     *   train: TrainConfig, robust: object}}
     */
    trainPreset(name: string): {
        name: string;
        about: string;
        arch: string;
        trainer: string;
        train: TrainConfig;
        robust: object;
    };
    /**
     * Builds a dataset from the bytes of an IDX image file and an IDX label file (uncompressed).
     * @param {Uint8Array|ArrayBuffer} imagesBytes
     * @param {Uint8Array|ArrayBuffer} labelsBytes
     * @param {string} [name] used in error messages, e.g. 'train-images-idx3-ubyte'
     * @returns {Dataset}
     */
    loadDataset(imagesBytes: Uint8Array | ArrayBuffer, labelsBytes: Uint8Array | ArrayBuffer, name?: string): Dataset;
    /**
     * Creates and initialises a network.
     * @param {object} [opts]
     * @param {string} [opts.arch] a preset ('tutorial', 'madry') or a spec like 'c4k5-p2-d10'
     * @param {number} [opts.maxBatch] images per call of predict / lossGrad / inputGradient
     * @param {number|bigint} [opts.seed] weight initialisation seed (u64)
     * @returns {Net}
     */
    createNet({ arch, maxBatch, seed }?: {
        arch?: string;
        maxBatch?: number;
        seed?: number | bigint;
    }): Net;
    /**
     * Creates a network from a safetensors file; its arch comes from the file's metadata.
     * @param {Uint8Array|ArrayBuffer} bytes
     * @param {string} [name] used in error messages
     * @param {number} [maxBatch]
     * @returns {Net}
     */
    netFromWeights(bytes: Uint8Array | ArrayBuffer, name?: string, maxBatch?: number): Net;
    /**
     * Creates an attack on a net (borrowed: freeing the net frees the attack).
     * @param {Net} net
     * @param {AttackConfig} config {name, ...keys of advlab_attack_config}: missing keys take ART's
     *   defaults for that attack.
     * @returns {Attack}
     */
    createAttack(net: Net, { name, ...settings }?: AttackConfig): Attack;
    /**
     * Creates a pre-processor (a defence applied to the input) for height x width images.
     * @param {{name: 'squeeze'|'median'|'jpeg'|'noise', height?: number, width?: number}
     *   & ConfigKeys} config {name, height = 28, width = 28, ...keys}: squeeze (bit_depth), median
     *   (window), jpeg (quality), noise (sigma, seed).
     * @returns {Preprocessor}
     */
    createPreprocessor({ name, height, width, ...settings }?: {
        name: "squeeze" | "median" | "jpeg" | "noise";
        height?: number;
        width?: number;
    } & ConfigKeys): Preprocessor;
    /**
     * Applies a post-processor to probabilities.
     * @param {{name: 'reverse_sigmoid'|'high_confidence'|'rounded'|'class_labels'} & ConfigKeys}
     *   config {name, ...keys}: reverse_sigmoid (beta, gamma), high_confidence (cutoff), rounded
     *   (decimals), class_labels.
     * @param {Float32Array|number[]} probs n*classes probabilities, row after row
     * @param {number} classes
     * @returns {Float32Array} the processed probabilities (a copy)
     */
    postprocess({ name, ...settings }: {
        name: "reverse_sigmoid" | "high_confidence" | "rounded" | "class_labels";
    } & ConfigKeys, probs: Float32Array | number[], classes: number): Float32Array;
    /**
     * The feature-squeezing detector (Xu et al.) on a net (borrowed). A squeezer set to 0 is off.
     * @param {Net} net
     * @param {{bitDepth?: number, window?: number}} [opts] defaults: 1 bit and a 2x2 median
     *   filter, Xu et al.'s squeezers for MNIST.
     * @returns {Detector}
     */
    squeezeDetector(net: Net, opts?: {
        bitDepth?: number;
        window?: number;
    }): Detector;
    /**
     * ART's BinaryInputDetector: detectorNet (borrowed) is a 2-class net, 0 clean and 1
     * adversarial; the score is its probability of class 1. Train it with Detector#train.
     * @param {Net} detectorNet
     * @returns {Detector}
     */
    binaryDetector(detectorNet: Net): Detector;
    /**
     * How an attack did on a net, behind an optional defence.
     * @param {Net} net
     * @param {Float32Array} x clean images, n*inputSize
     * @param {Float32Array} xAdv their adversarial versions
     * @param {Int32Array|number[]} labels the true classes
     * @param {{targets?: Int32Array|number[], defence?: Preprocessor|null}} [opts] with targets,
     *   success means reaching the target (ART)
     * @returns {{n: number, cleanAccuracy: number, advAccuracy: number, successRate: number,
     *   meanL0: number, meanL2: number, meanLinf: number, confusion: Int32Array}} confusion is
     *   classes*classes on xAdv, row = true class, col = predicted.
     */
    attackMetrics(net: Net, x: Float32Array, xAdv: Float32Array, labels: Int32Array | number[], opts?: {
        targets?: Int32Array | number[];
        defence?: Preprocessor | null;
    }): {
        n: number;
        cleanAccuracy: number;
        advAccuracy: number;
        successRate: number;
        meanL0: number;
        meanL2: number;
        meanLinf: number;
        confusion: Int32Array;
    };
    /**
     * ART's empirical_robustness: minimal FGSM (steps of eps_step up to eps, in `norm`), then the
     * mean of ||xAdv - x|| / ||x|| over the images whose prediction flipped; 0 when none did.
     * @param {Net} net
     * @param {Float32Array} x n*inputSize images
     * @param {ConfigKeys} [config] FGSM keys: eps, eps_step, norm (ART's defaults 0.3, 0.1, inf)
     * @returns {number}
     */
    empiricalRobustness(net: Net, x: Float32Array, config?: ConfigKeys): number;
    /**
     * MNIST's normalisation of a drawn or uploaded digit (advlab_image_to_mnist): the ink's bounding
     * box scaled to 20 pixels on its longer side keeping the aspect ratio (area-averaged), then
     * shifted whole pixels so its centre of mass lands on pixel (14,14) of 28x28. No ink gives
     * zeros. Like the attack API, it copies its input into wasm memory allocated for the call.
     * @param {Uint8Array|Uint8ClampedArray|Float32Array|number[]} alpha width*height ink values,
     *   row after row, ink = 1: bytes are read as p/255, floats must be in [0,1]
     * @param {number} width 1..4096
     * @param {number} height 1..4096
     * @returns {Float32Array} 784 floats in [0,1], ink = 1 (a copy)
     */
    preprocessDrawing(alpha: Uint8Array | Uint8ClampedArray | Float32Array | number[], width: number, height: number): Float32Array;
    /**
     * The tutorial experiment end to end (see advlab.h, "experiment"), in chunks that yield to the
     * event loop between them.
     * @param {Dataset} train
     * @param {Dataset} test
     * @param {{arch?: string} & ConfigKeys} [settings] {arch = 'tutorial', ...keys of
     *   advlab_experiment_config}, e.g. train_limit, test_limit, epochs, adv_epochs, pgd_limit,
     *   pgd_iter, curve, defences, seed
     * @param {object} [hooks]
     * @param {(p: ExperimentProgress) => void} [hooks.onProgress] after each chunk
     * @param {number} [hooks.chunk] units (a training batch, or 256 attacked images) per chunk
     * @param {AbortSignal} [hooks.signal] stops the experiment (rejects with the signal's reason)
     * @returns {Promise<ExperimentReport>} the report (JSON.parse of
     *   advlab_experiment_report_json) plus `nets: {standard, defended}`: new Nets (maxBatch 64)
     *   holding copies of the two models' weights. They are the caller's to free; the experiment
     *   itself is freed before this resolves.
     */
    experiment(train: Dataset, test: Dataset, settings?: {
        arch?: string;
    } & ConfigKeys, { onProgress, chunk, signal }?: {
        onProgress?: (p: ExperimentProgress) => void;
        chunk?: number;
        signal?: AbortSignal;
    }): Promise<ExperimentReport>;
    /**
     * Checks a sweep spec and expands it (advlab_sweep_plan_json): the spec in full, as the results
     * will hold it, and the cells in their fixed order.
     * @param {SweepSpec|string} spec the spec, or its JSON text (a sweep's results JSON also works)
     * @returns {SweepPlan}
     */
    sweepPlan(spec: SweepSpec | string): SweepPlan;
    /**
     * Runs one cell of a sweep: one tutorial experiment, with the stages its measurements do not
     * need skipped, or one attack or poison family's cell. Any worker can run any cell;
     * sweepResults assembles them.
     * @param {Dataset} train
     * @param {Dataset} test
     * @param {SweepSpec|string} spec
     * @param {number} cell 0..cells-1 (sweepPlan)
     * @param {SweepHooks} [hooks]
     * @returns {Promise<SweepCellResult>}
     */
    sweepCell(train: Dataset, test: Dataset, spec: SweepSpec | string, cell: number, hooks?: SweepHooks): Promise<SweepCellResult>;
    /**
     * Assembles a sweep's results from cells computed anywhere (sweepCell in other workers), by the
     * same C that lab.sweep and `advlab sweep` use.
     * @param {SweepSpec|string} spec
     * @param {SweepCellResult[]} cells finished cells, in any order; others are left out
     * @param {{checkpoint?: string|object}} [options] a results JSON whose cells to take first
     * @returns {SweepResults}
     */
    sweepResults(spec: SweepSpec | string, cells: SweepCellResult[], { checkpoint }?: {
        checkpoint?: string | object;
    }): SweepResults;
    /**
     * A whole sweep, cell after cell, yielding between chunks. Equal, bit for bit except the timings,
     * to `advlab sweep --json` with the same spec.
     * @param {Dataset} train
     * @param {Dataset} test
     * @param {SweepSpec|string} spec
     * @param {SweepHooks & {checkpoint?: string|object,
     *   onCell?: (r: SweepCellResult & {checkpoint: string}) => void}} [hooks] checkpoint: a results
     *   JSON to resume from (its cells are not run again); onCell: after each finished cell, with the
     *   results JSON so far to save as the next checkpoint
     * @returns {Promise<SweepResults>}
     */
    sweep(train: Dataset, test: Dataset, spec: SweepSpec | string, hooks?: SweepHooks & {
        checkpoint?: string | object;
        onCell?: (r: SweepCellResult & {
            checkpoint: string;
        }) => void;
    }): Promise<SweepResults>;
    /**
     * Poisons a copy of a training set (ART's PoisoningAttackBackdoor, or with cleanLabel its
     * PoisoningAttackCleanLabelBackdoor): round(fraction * eligible) of the eligible rows get the
     * trigger and their target label (clean label: PGD on `proxy` first, labels kept).
     * @param {Dataset} dataset 28x28 images, 10 classes
     * @param {PoisonSettings} [settings]
     * @param {{proxy?: Net}} [opts] the clean label's proxy model
     * @returns {{dataset: Dataset, rows: Int32Array, report: object}} the poisoned copy (the
     *   caller's to free), the poisoned rows ascending, and the report `advlab poison --json` prints
     */
    poison(dataset: Dataset, settings?: PoisonSettings, { proxy }?: {
        proxy?: Net;
    }): {
        dataset: Dataset;
        rows: Int32Array;
        report: object;
    };
    /**
     * The images with the trigger of `settings` written in (advlab_trigger_apply): a copy.
     * @param {Float32Array} x n*784 images
     * @param {PoisonSettings} [settings] trigger, mask, distance and value are used
     * @returns {Float32Array}
     */
    addTrigger(x: Float32Array, settings?: PoisonSettings): Float32Array;
    /**
     * A model's clean accuracy and the attack's success rate: triggered test images of the source
     * classes (not already of their target) classified as their target (advlab_poison_measure).
     * @param {Net} net
     * @param {Dataset} test
     * @param {PoisonSettings} [settings] the poisoning whose trigger and targets are measured
     * @param {{limit?: number}} [opts] the first `limit` test images (all by default)
     * @returns {PoisonMetrics}
     */
    poisonMetrics(net: Net, test: Dataset, settings?: PoisonSettings, { limit }?: {
        limit?: number;
    }): PoisonMetrics;
    /**
     * Finds the poison in a training set from the last hidden layer of the model trained on it:
     * ART's ActivationDefence ('ac') or SpectralSignatureDefense ('spectral'), in chunks. With the
     * poisoned rows, the report has precision and recall; with test and poison, the model's clean
     * accuracy and attack success ("poisoned"); with retrain, a new model of the same arch
     * (maxBatch = the batch, seeded by the training's seed) is trained on the rows left and
     * measured ("retrained"), as `advlab cleanse --retrain --json` does.
     * @param {Net} net the model trained on `dataset`
     * @param {Dataset} dataset the (poisoned) training set
     * @param {CleanseSettings} [settings]
     * @param {CleanseOptions} [opts]
     * @returns {Promise<CleanseResult>}
     */
    cleanse(net: Net, dataset: Dataset, settings?: CleanseSettings, opts?: CleanseOptions): Promise<CleanseResult>;
    /**
     * STRIP (Gao et al.): each input is superimposed with numSamples of the clean images,
     * (x + clean) / 2, and flagged when its predictions' mean entropy is at most the threshold
     * the clean images' own entropies set at the false acceptance rate.
     * @param {Net} net
     * @param {Float32Array} clean n*784 clean images: the pool, and the calibration
     * @param {Float32Array} x m*784 inputs to judge
     * @param {ConfigKeys} [settings] numSamples (20), falseAcceptanceRate (0.01), seed
     * @returns {StripReport} the report `advlab strip --json` prints
     */
    strip(net: Net, clean: Float32Array, x: Float32Array, settings?: ConfigKeys): StripReport;
    /**
     * AutoAttack's evaluation (advlab_evaluate, issue 13): each member of the suite attacks the
     * images the earlier ones left correctly classified, so the robust accuracy is each image's
     * worst case; then the checks behind AutoAttack's warnings. The same report as
     * `advlab evaluate --json` prints under "report"; the same seed gives the same report but for
     * the members' seconds.
     * @param {Net} net
     * @param {Float32Array} x n*inputSize images in [0,1]
     * @param {Int32Array|number[]} labels their true classes
     * @param {{suite?: 'quick'|'autoattack'|'full', eps?: number, norm?: number|'inf',
     *   seed?: number|bigint, first?: number, checks?: boolean, defence?: Preprocessor|null}} [opts]
     *   suite (autoattack), eps (0.3), norm (inf), seed (1); for a part of a larger set, first (the
     *   index of its first image, 0) and checks (false on the later parts); and the pre-processor
     *   in front of the net (borrowed)
     * @returns {EvaluateReport}
     */
    evaluate(net: Net, x: Float32Array, labels: Int32Array | number[], opts?: {
        suite?: "quick" | "autoattack" | "full";
        eps?: number;
        norm?: number | "inf";
        seed?: number | bigint;
        first?: number;
        checks?: boolean;
        defence?: Preprocessor | null;
    }): EvaluateReport;
    /**
     * A universal adversarial perturbation (advlab_universal_fit, issue 13; Moosavi-Dezfooli et
     * al., as ART's UniversalPerturbation with DeepFool): one v fitted on the images x, then, on the
     * held-out images if given, the share whose prediction clip(x + v) changes. The same numbers
     * as `advlab universal --json` prints for the same images and settings.
     * @param {Net} net
     * @param {Float32Array} x n*inputSize fitting images in [0,1]
     * @param {{labels?: Int32Array|number[], heldOut?: Float32Array, eps?: number,
     *   norm?: number|'inf', delta?: number, maxIter?: number, attackerMaxIter?: number,
     *   overshoot?: number, seed?: number|bigint}} [opts] labels of x (the model's own answers when
     *   absent, as ART); heldOut, images never fitted on; eps (0.3), norm (inf), delta (0.2: stop at
     *   a fooling rate of 1 - delta), maxIter (20 passes), DeepFool's attackerMaxIter (100) and
     *   overshoot (0.02), seed (1: the order of each pass)
     * @returns {UniversalResult}
     */
    universal(net: Net, x: Float32Array, opts?: {
        labels?: Int32Array | number[];
        heldOut?: Float32Array;
        eps?: number;
        norm?: number | "inf";
        delta?: number;
        maxIter?: number;
        attackerMaxIter?: number;
        overshoot?: number;
        seed?: number | bigint;
    }): UniversalResult;
    /**
     * The FGSM eps of the experiment's accuracy curve (advlab_experiment_curve_eps), increasing.
     * @returns {number[]} e.g. [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
     */
    get curveEps(): number[];
    /**
     * The tutorial's measurements as the experiment plans them (advlab_experiment_tutorial), in
     * its order: each is the accuracy of `model` on the clean test images (attack null) or on
     * images that `attack` (with its defaults, at eps) made against `craftedOn`.
     * @param {ConfigKeys} [settings] keys of advlab_experiment_config, e.g. {eps: 0.3}
     * @returns {{name: string, model: ExperimentModel, craftedOn: ExperimentModel|null,
     *   attack: string|null, eps: number}[]} name as in the experiment's report
     */
    tutorialMeasurements(settings?: ConfigKeys): {
        name: string;
        model: ExperimentModel;
        craftedOn: ExperimentModel | null;
        attack: string | null;
        eps: number;
    }[];
    /**
     * Steals `victim` through its answers (ART's CopycatCNN or KnockoffNets): the victim answers
     * `queries` images of the thief set through predict, behind `postprocess`; the thief, a
     * tutorial-arch net, trains on the answers' argmax. Then, on `test`, the report
     * `advlab extract --json` prints: the victim's and the thief's accuracy, their fidelity, and
     * FGSM (eps) made on the thief against the victim beside white-box FGSM.
     * @param {Net} victim
     * @param {Dataset|null} thief the thief set; null: seeded uniform noise
     * @param {ExtractOptions} opts
     * @returns {Promise<{report: ExtractReport, thief: Net}>} thief: the caller's to free
     */
    extract(victim: Net, thief: Dataset | null, opts: ExtractOptions): Promise<{
        report: ExtractReport;
        thief: Net;
    }>;
    /**
     * Membership inference (ART's MembershipInferenceBlackBoxRuleBased 'rule',
     * MembershipInferenceBlackBox 'blackbox', LabelOnlyDecisionBoundary 'label_only'): the first
     * `members` rows of each set; the attack fits on the first half of each and is measured on
     * the second, as `advlab infer --json` reports.
     * @param {Net} net
     * @param {Dataset} members the net's training set
     * @param {Dataset} nonmembers images it never saw
     * @param {MembershipOptions} [opts]
     * @returns {Promise<{report: MembershipReport, scores: Float32Array}>} scores of the measured
     *   rows, members first (for a ROC curve)
     */
    inferMembership(net: Net, members: Dataset, nonmembers: Dataset, opts?: MembershipOptions): Promise<{
        report: MembershipReport;
        scores: Float32Array;
    }>;
    /**
     * The membership metrics of hand-made scores (advlab_membership_metrics): a row is called a
     * member when its score is above the threshold.
     * @param {Float32Array|number[]} scores
     * @param {Uint8Array|boolean[]|number[]} isMember
     * @param {number} threshold
     * @returns {MembershipReport}
     */
    membershipMetrics(scores: Float32Array | number[], isMember: Uint8Array | boolean[] | number[], threshold: number): MembershipReport;
    /**
     * The ROC curve of membership scores (advlab_membership_roc): one point per distinct score,
     * from (0, 0) to (1, 1), the threshold falling.
     * @param {Float32Array|number[]} scores
     * @param {Uint8Array|boolean[]|number[]} isMember
     * @returns {{fpr: Float32Array, tpr: Float32Array}}
     */
    membershipRoc(scores: Float32Array | number[], isMember: Uint8Array | boolean[] | number[]): {
        fpr: Float32Array;
        tpr: Float32Array;
    };
    /**
     * Model inversion (ART's MIFace): one image per class by gradient ascent on its logit, from
     * `start` (one image; default: the grey `init`), until the paper's rule stops each class.
     * @param {Net} net
     * @param {InvertOptions} [opts]
     * @returns {Promise<{images: Float32Array, scores: Float32Array, steps: number}>} images:
     *   classes*inputSize; scores: each class's probability of its own image
     */
    invert(net: Net, opts?: InvertOptions): Promise<{
        images: Float32Array;
        scores: Float32Array;
        steps: number;
    }>;
    /**
     * The certificate of ONE image, with the bounds behind it: whether `method` proves that no
     * perturbation within eps changes the answer, and the largest eps it proves (eps*). Built for a
     * page's worker: plain data in and out, and fast for ibp (a bisection of about ten interval
     * passes). Copies x into wasm memory allocated for the call.
     * @param {Net} net
     * @param {Float32Array|number[]} x one image, inputSize floats in [0,1]
     * @param {CertifyOptions} [opts]
     * @returns {Certificate}
     */
    certify(net: Net, x: Float32Array | number[], opts?: CertifyOptions): Certificate;
    /**
     * Certificates of n images, as certify's without the bounds.
     * @param {Net} net
     * @param {Float32Array} x n*inputSize images
     * @param {CertifyOptions & {labels?: Int32Array|number[]}} [opts] labels: the classes to
     *   certify (default: the net's answers)
     * @returns {Certificate[]}
     */
    certifyBatch(net: Net, x: Float32Array, opts?: CertifyOptions & {
        labels?: Int32Array | number[];
    }): Certificate[];
    /**
     * Verified accuracy at eps over the first `limit` images of a dataset: the share whose true
     * label is proved (smoothing: certified at L2 radius eps), beside the clean accuracy.
     * @param {Net} net
     * @param {Dataset} dataset
     * @param {CertifyOptions & {limit?: number}} [opts] limit: images (0, the default: all)
     * @returns {VerifiedAccuracy}
     */
    verifiedAccuracy(net: Net, dataset: Dataset, opts?: CertifyOptions & {
        limit?: number;
    }): VerifiedAccuracy;
    /**
     * How many of the images x the net classifies as labels (advlab_net_count_correct).
     * @param {Net} net
     * @param {Float32Array} x n*inputSize images
     * @param {Int32Array|number[]} labels n classes
     * @returns {number}
     */
    countCorrect(net: Net, x: Float32Array, labels: Int32Array | number[]): number;
    /**
     * The size of xAdv - x for one image (advlab_perturbation_norms): values changed, Euclidean
     * length and largest change, as attackMetrics averages them.
     * @param {Float32Array} x one image
     * @param {Float32Array} xAdv the same image changed
     * @returns {{l0: number, l2: number, linf: number}}
     */
    perturbationNorms(x: Float32Array, xAdv: Float32Array): {
        l0: number;
        l2: number;
        linf: number;
    };
    #private;
}
/** MNIST-style images and labels held in wasm memory. */
export class Dataset extends Owned {
    /** @private made by Lab#loadDataset */
    private constructor();
    /** @type {number} */ count: number;
    /** @type {number} */ height: number;
    /** @type {number} */ width: number;
    /** @returns {Uint8Array} the labels, a view (see "Memory views"). */
    get labels(): Uint8Array;
    /** @returns {Uint8Array} count*height*width pixel bytes (0..255), a view. */
    get pixels(): Uint8Array;
    /**
     * The mean image (height*width floats in [0,1]; advlab_dataset_mean), where ART's MIFace
     * notebook starts its reconstructions.
     * @returns {Float32Array}
     */
    mean(): Float32Array;
    /**
     * The dataset as the two IDX files Lab#loadDataset reads, for example to give a worker the
     * same set.
     * @returns {{images: Uint8Array, labels: Uint8Array}} copies
     */
    toIdx(): {
        images: Uint8Array;
        labels: Uint8Array;
    };
    /** Frees the dataset and any trainer or experiment using it. Idempotent. */
    free(): void;
    #private;
}
/**
 * A network plus io buffers for maxBatch images in wasm memory. Write images
 * into `input` (and labels into `labels`), call predict / inputGradient /
 * lossGrad with the number of images n, read `probs` / `grad`.
 */
export class Net extends Owned {
    /** @private made by Lab#createNet and Lab#netFromWeights */
    private constructor();
    /** @type {string} the canonical arch spec */ arch: string;
    /** @type {number} */ classes: number;
    /** @type {number} values per image (C*H*W) */ inputSize: number;
    /** @type {number} */ maxBatch: number;
    /** @type {number} */ paramCount: number;
    /** @returns {Float32Array} inputs, maxBatch*inputSize floats in [0,1], NCHW (a view). */
    get input(): Float32Array;
    /** @returns {Int32Array} labels, maxBatch class indices (a view). */
    get labels(): Int32Array;
    /** @returns {Float32Array} probabilities from predict, maxBatch*classes (a view). */
    get probs(): Float32Array;
    /** @returns {Float32Array} input gradients from inputGradient, maxBatch*inputSize (a view). */
    get grad(): Float32Array;
    /** @returns {Float32Array} all parameters, flat, tensor after tensor (a view; writable). */
    params(): Float32Array;
    /** @returns {Float32Array} the parameter gradients from the last lossGrad (a view). */
    grads(): Float32Array;
    /**
     * The parameter tensors with PyTorch names and shapes.
     * @returns {{name: string, shape: number[], data: Float32Array}[]} data are views.
     */
    tensors(): {
        name: string;
        shape: number[];
        data: Float32Array;
    }[];
    /**
     * Re-initialises the weights from seed, exactly as createNet does.
     * @param {number|bigint} seed u64
     */
    init(seed: number | bigint): void;
    /**
     * Softmax probabilities of the first n images of `input`, into `probs`.
     * @param {number} n 1..maxBatch
     */
    predict(n: number): void;
    /**
     * Mean cross-entropy of the first n images of `input` against `labels`, and its gradient with
     * respect to every parameter (into grads()).
     * @param {number} n 1..maxBatch
     * @returns {number} the mean loss
     */
    lossGrad(n: number): number;
    /**
     * The gradient of each image's own loss with respect to that image, into `grad`.
     * @param {number} n 1..maxBatch
     * @returns {number} the mean loss
     */
    inputGradient(n: number): number;
    /**
     * Accuracy over the first `limit` samples of a dataset (all when limit <= 0).
     * @param {Dataset} dataset
     * @param {number} [limit]
     * @returns {{accuracy: number, confusion: Int32Array}} confusion is classes*classes, row = true
     *   class, col = predicted; a copy.
     */
    evaluate(dataset: Dataset, limit?: number): {
        accuracy: number;
        confusion: Int32Array;
    };
    /**
     * Prepares training on a dataset; run it in chunks with Trainer#run.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @returns {Trainer}
     */
    trainer(dataset: Dataset, config?: TrainConfig): Trainer;
    /**
     * Prepares ART's AdversarialTrainer: each batch has ceil(ratio*batch) samples replaced by
     * adversarial examples crafted (with the true labels) against the weights of that moment, or,
     * in turn, against each static net (ensemble adversarial training). Run it like a Trainer.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {AdversarialOptions} [adversarial]
     * @returns {Trainer}
     */
    adversarialTrainer(dataset: Dataset, config?: TrainConfig, adversarial?: AdversarialOptions): Trainer;
    /**
     * Trains for config.epochs, yielding to the event loop every `chunk` batches.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {TrainHooks} [hooks]
     * @returns {Promise<Progress>} the report of the last epoch
     */
    train(dataset: Dataset, config?: TrainConfig, hooks?: TrainHooks): Promise<Progress>;
    /**
     * Adversarial training (see adversarialTrainer), run as train runs.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {AdversarialOptions} [adversarial] as for adversarialTrainer
     * @param {TrainHooks} [hooks]
     * @returns {Promise<Progress>} the report of the last epoch
     */
    trainAdversarial(dataset: Dataset, config?: TrainConfig, adversarial?: AdversarialOptions, hooks?: TrainHooks): Promise<Progress>;
    /**
     * Prepares training for certification (Gowal et al.'s IBP training, Zhang et al.'s CROWN-IBP,
     * or Gaussian noise for randomized smoothing) through the ordinary trainer; run it like a
     * Trainer.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {CertifiedTraining} [certified]
     * @returns {Trainer}
     */
    certifiedTrainer(dataset: Dataset, config?: TrainConfig, certified?: CertifiedTraining): Trainer;
    /**
     * Certified training (see certifiedTrainer), run as train runs.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {CertifiedTraining} [certified]
     * @param {TrainHooks} [hooks]
     * @returns {Promise<Progress>} the report of the last epoch
     */
    trainCertified(dataset: Dataset, config?: TrainConfig, certified?: CertifiedTraining, hooks?: TrainHooks): Promise<Progress>;
    /**
     * Prepares robust training (issue 20): fast AT, TRADES or PGD training with an eps ramp,
     * through the ordinary trainer; run it like a Trainer. Fast AT's roll-back, when its check
     * finds a collapse, is told by the net's metadata "rolled_back".
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {RobustTraining} [robust]
     * @returns {Trainer}
     */
    robustTrainer(dataset: Dataset, config?: TrainConfig, robust?: RobustTraining): Trainer;
    /**
     * Robust training (see robustTrainer), run as train runs.
     * @param {Dataset} dataset
     * @param {TrainConfig} [config]
     * @param {RobustTraining} [robust]
     * @param {TrainHooks} [hooks]
     * @returns {Promise<Progress>} the report of the last epoch
     */
    trainRobust(dataset: Dataset, config?: TrainConfig, robust?: RobustTraining, hooks?: TrainHooks): Promise<Progress>;
    /** @returns {Uint8Array} the weights as safetensors (a copy). */
    saveWeights(): Uint8Array;
    /**
     * Replaces the parameters and metadata from a safetensors file of the same arch.
     * @param {Uint8Array|ArrayBuffer} bytes
     * @param {string} [name] used in error messages
     */
    loadWeights(bytes: Uint8Array | ArrayBuffer, name?: string): void;
    /**
     * Sets a metadata string carried into saved weights.
     * @param {string} key
     * @param {string} value
     */
    setMeta(key: string, value: string): void;
    /**
     * @param {string} key
     * @returns {string|null} a metadata value, or null.
     */
    meta(key: string): string | null;
    /** Frees the net, its io buffers and every trainer, attack or detector using it. Idempotent. */
    free(): void;
    #private;
}
/**
 * @typedef {object} Progress
 * @property {number} epoch 1-based epoch this report is about
 * @property {number} epochs
 * @property {number} batchInEpoch batches done in this epoch
 * @property {number} batchesPerEpoch
 * @property {boolean} epochDone true once the epoch has finished
 * @property {number} loss mean training loss over the epoch so far
 * @property {number} accuracy training accuracy over the epoch so far
 * @property {number} imagesPerSec
 */
/**
 * @typedef {object} GradientPart a node of a batch's gradient tree (Trainer#shardGradient)
 * @property {number} level the node covers shards [index << level, (index + 1) << level)
 * @property {number} index
 * @property {number} rows the batch rows in those shards
 * @property {number} correct of them, those the net classified right
 * @property {number} loss their summed loss
 * @property {Float32Array} grad the node's share of the batch's gradient
 */
/** Training of a net on a dataset, run in chunks of batches. */
export class Trainer extends Owned {
    /** @private ptr from trainer_create or adv_trainer_create; borrowed: net, dataset, ... */
    private constructor();
    /**
     * Runs at most maxBatches batches, stopping early at the end of an epoch.
     * @param {number} [maxBatches]
     * @returns {Progress}
     */
    run(maxBatches?: number): Progress;
    /** @returns {boolean} true once every epoch has run. */
    get finished(): boolean;
    /**
     * The trainer's checkpoint state: everything but the weights that the run needs to continue
     * exactly where it stopped (optimizer moments and step, epoch and batch, shuffle RNG, settings).
     * Save the weights with Net#saveWeights alongside.
     * @returns {Uint8Array} a copy
     */
    saveState(): Uint8Array;
    /**
     * Continues from a state saved by a trainer with the same settings on a net holding the saved
     * weights; then the run finishes bit-identically to one that never stopped. Bytes from another
     * arch or settings, of the wrong size, or with NaNs throw, and the trainer is left as it was.
     * @param {Uint8Array|ArrayBuffer} bytes
     */
    restoreState(bytes: Uint8Array | ArrayBuffer): void;
    /** @returns {number} the shards each batch is cut into (TrainConfig shards). */
    get shards(): number;
    /**
     * Data-parallel training: the gradient of shards [first, first + count) of the current batch,
     * as the nodes of the fixed tree that they fill. Changes no weights. Replicas (trainers made
     * the same way, on nets with the same weights) each make a share of the shards, and every one
     * steps with all the parts.
     * @param {number} first
     * @param {number} count
     * @param {object} [options]
     * @param {boolean} [options.keep] also keep the parts in the engine, where the next step takes
     *   them without being given them: a replica then sends its copies away (transferred) and
     *   steps with only the others' parts, each of its own copied out once and never back in
     * @param {Float32Array[]} [options.spares] buffers the copies may take (from the end) instead
     *   of new ones, those of the net's parameter count: a replica that gets its buffers back
     *   reuses them, and allocates nothing a batch (a new 4.4 MB buffer a part on Madry's net)
     * @returns {GradientPart[]} each with its gradient (a copy)
     */
    shardGradient(first: number, count: number, { keep, spares }?: {
        keep?: boolean;
        spares?: Float32Array[];
    }): GradientPart[];
    /**
     * Sums parts that cover every shard of the current batch once, whichever replicas made them,
     * and steps with the sum: the same bits as run(1) on one trainer. The parts are those given and
     * those kept by the last shardGradient with `keep`. Parts that miss or repeat a shard, or whose
     * gradients are the wrong size or hold a NaN or an infinity, throw, and the weights and the
     * trainer stay as they were (the kept parts too).
     * @param {GradientPart[]} parts
     * @returns {Progress}
     */
    step(parts: GradientPart[]): Progress;
    /** Frees the trainer (its optimizer state, and any parts it kept). Idempotent. */
    free(): void;
    #private;
}
/**
 * An attack on a net, made by Lab#createAttack. Its random stream (random starts) continues
 * across runs, so a fixed seed and sequence of calls give fixed results.
 */
export class Attack extends Owned {
    /** @private made by Lab#createAttack */
    private constructor();
    /** @type {string} 'fgsm', 'pgd', ... */ name: string;
    /** @type {boolean} whether run takes targets instead of labels */ targeted: boolean;
    /**
     * Adversarial versions of n images.
     * @param {Float32Array|number[]} x n*inputSize floats in [0,1]
     * @param {object} [opts]
     * @param {Int32Array|number[]} [opts.labels] untargeted: the true classes; by default the
     *   model's own predictions (ART)
     * @param {Int32Array|number[]} [opts.targets] targeted attacks: the classes to reach (required)
     * @returns {Float32Array} n*inputSize adversarial images (a copy)
     */
    run(x: Float32Array | number[], opts?: {
        labels?: Int32Array | number[];
        targets?: Int32Array | number[];
    }): Float32Array;
    /**
     * Adversarial versions of n images, as run, with the model queries each image cost (the
     * black-box attacks only: square, hopskipjump, boundary), never more than its budget.
     * @param {Float32Array|number[]} x n*inputSize floats in [0,1]
     * @param {object} [opts] as for run
     * @param {Int32Array|number[]} [opts.labels]
     * @param {Int32Array|number[]} [opts.targets]
     * @returns {{xAdv: Float32Array, queries: Int32Array}} copies
     */
    runQueries(x: Float32Array | number[], opts?: {
        labels?: Int32Array | number[];
        targets?: Int32Array | number[];
    }): {
        xAdv: Float32Array;
        queries: Int32Array;
    };
    /**
     * What this attack's runs have cost the model since it was made, counted in the net: images
     * passed forward (queries) and backward (gradient calls; 0 for the black-box attacks).
     * @returns {{forwardImages: number, backwardImages: number}}
     */
    counts(): {
        forwardImages: number;
        backwardImages: number;
    };
    /**
     * Attacks the defended model net(pre(x)) instead; null restores the plain model. pre is
     * borrowed: freeing it frees this attack.
     * @param {Preprocessor|null} pre
     * @param {{gradient?: 'bpda'|'exact'}} [options] how the gradient crosses pre: 'bpda' (straight
     *   through, the adaptive attack; the default) or 'exact' (its true derivative: zero for
     *   squeezing and JPEG, so the naive attack is fooled by gradient masking)
     */
    setDefence(pre: Preprocessor | null, { gradient }?: {
        gradient?: "bpda" | "exact";
    }): void;
    /** @returns {Preprocessor|null} the defence set by setDefence. */
    get defence(): Preprocessor | null;
    /** Frees the attack's scratch. Idempotent. */
    free(): void;
    #private;
}
/** A pre-processor defence, made by Lab#createPreprocessor. */
export class Preprocessor extends Owned {
    /** @private made by Lab#createPreprocessor */
    private constructor();
    /** @type {string} 'squeeze', 'median', 'jpeg' or 'noise' */ name: string;
    /** @type {number} values per image (height*width) */ imageSize: number;
    /**
     * @param {Float32Array|number[]} x n*imageSize floats in [0,1]
     * @returns {Float32Array} pre(x), the same shape (a copy)
     */
    apply(x: Float32Array | number[]): Float32Array;
    /** Frees the pre-processor and every attack using it as its defence. Idempotent. */
    free(): void;
    #private;
}
/**
 * A detector of adversarial inputs, made by Lab#squeezeDetector or Lab#binaryDetector: it scores
 * each image, and flags those scoring above its threshold.
 */
export class Detector extends Owned {
    /** @private made by Lab#squeezeDetector and Lab#binaryDetector */
    private constructor();
    /** @type {'squeeze'|'binary'} */ kind: "squeeze" | "binary";
    /**
     * @param {Float32Array} x n*inputSize images
     * @returns {Float32Array} n scores (a copy)
     */
    score(x: Float32Array): Float32Array;
    /**
     * Sets the threshold so that at most a fraction fpr of these clean images score above it.
     * @param {Float32Array} clean n*inputSize images
     * @param {number} fpr 0..1
     * @returns {number} the new threshold
     */
    calibrate(clean: Float32Array, fpr: number): number;
    set threshold(value: number);
    /** @returns {number} the score above which an image is flagged. */
    get threshold(): number;
    /**
     * @param {Float32Array} x n*inputSize images
     * @returns {Uint8Array} n flags, 1 where the image scores above the threshold (a copy)
     */
    detect(x: Float32Array): Uint8Array;
    /**
     * Trains a binary detector on n clean and n adversarial images, shuffled together.
     * @param {Float32Array} clean n*inputSize images (class 0)
     * @param {Float32Array} adv n*inputSize images (class 1)
     * @param {TrainConfig} [config] optimizer, epochs, batch and seed (limit is ignored)
     */
    train(clean: Float32Array, adv: Float32Array, config?: TrainConfig): void;
    /** Frees the detector. Idempotent. */
    free(): void;
    #private;
}
/**
 * The method and the keys of advlab_certify_config.
 */
export type CertifyOptions = {
    /**
     * 'ibp' (default), 'crown' or 'smoothing'
     */
    method?: "ibp" | "crown" | "smoothing";
    /**
     * the radius to prove: L-inf for ibp and crown, L2 for smoothing (0.1)
     */
    eps?: number;
    /**
     * certify: the class to certify (default: the net's answer)
     */
    label?: number;
    /**
     * ibp, crown: also find eps* by bisection to 1e-3 (true)
     */
    radius?: boolean;
    /**
     * smoothing: the noise's std (0.25)
     */
    sigma?: number;
    /**
     * smoothing: samples that choose the class (100)
     */
    n0?: number;
    /**
     * smoothing: samples that bound its probability (1000)
     */
    n?: number;
    /**
     * smoothing: failure probability (0.001)
     */
    alpha?: number;
    /**
     * smoothing: noisy images per forward pass (100)
     */
    batch?: number;
    /**
     * smoothing: the noise (1); each call restarts it
     */
    seed?: number | bigint;
};
/**
 * One image's certificate (advlab_certificate).
 */
export type Certificate = {
    method: string;
    /**
     * the radius asked for
     */
    eps: number;
    /**
     * the net's class; smoothing: PREDICT's, -1 when it abstains
     */
    predicted: number;
    /**
     * the class certified
     */
    label: number;
    /**
     * the label is proved at eps
     */
    certified: boolean;
    /**
     * ibp, crown: eps*, the largest proved L-inf eps (0: none; -1 with
     * radius false); smoothing: the certified L2 radius (0: abstains)
     */
    radius: number;
    /**
     * ibp, crown: the smallest lower bound of z_label - z_j at eps (> 0
     * proves it); smoothing: the lower confidence bound of pA
     */
    bound: number;
    /**
     * certify, ibp and crown: lower bounds of the logits at eps
     */
    lower?: Float32Array | null;
    /**
     * upper bounds of the logits at eps
     */
    upper?: Float32Array | null;
    /**
     * lower bounds of z_label - z_j for each j (0 at label)
     */
    margin?: Float32Array | null;
};
export type VerifiedAccuracy = {
    method: string;
    eps: number;
    /**
     * images
     */
    n: number;
    cleanAccuracy: number;
    verifiedAccuracy: number;
    /**
     * each image's radius (see Certificate)
     */
    radii: Float64Array;
    /**
     * 1 where the true label is proved at eps
     */
    certified: Uint8Array;
};
/**
 * advlab_certify_train_config, for Net#certifiedTrainer
 */
export type CertifiedTraining = {
    /**
     * ibp (Gowal et al.), Gaussian noise (for
     * smoothing) or crown-ibp (Zhang et al.: CROWN-IBP's bounds mixed in by beta, 1 -> 0 over
     * the ramp)
     */
    certify: "ibp" | "noise" | "crown-ibp";
    /**
     * ibp, crown-ibp: the training eps after the ramp (0.1)
     */
    eps?: number;
    /**
     * ibp, crown-ibp: epochs of natural training first (1)
     */
    warmup?: number;
    /**
     * ibp, crown-ibp: epochs over which eps rises and kappa and beta fall (5)
     */
    ramp?: number;
    /**
     * ibp, crown-ibp: the natural loss's final weight (0.5)
     */
    kappa?: number;
    /**
     * noise: the noise's std (0.25)
     */
    sigma?: number;
};
/**
 * advlab_robust_train_config, for Net#robustTrainer
 */
export type RobustTraining = {
    /**
     * fast AT (Wong et al.), TRADES (Zhang et al.) or
     * Madry's PGD training with eps ramped up
     */
    trainer: "fbf" | "trades" | "pgd-ramp";
    /**
     * the L-inf radius (pgd-ramp: after the ramp) (0.3)
     */
    eps?: number;
    /**
     * trades, pgd-ramp: PGD's step (0.01)
     */
    epsStep?: number;
    /**
     * trades, pgd-ramp: PGD's steps (40)
     */
    maxIter?: number;
    /**
     * trades: the KL term's weight (1)
     */
    beta?: number;
    /**
     * pgd-ramp: eps at the first batch (0)
     */
    epsStart?: number;
    /**
     * pgd-ramp: epochs over which eps rises (5)
     */
    ramp?: number;
    /**
     * fbf: gradient norm clip; 0: none (0.5)
     */
    clip?: number;
    /**
     * fbf: held-out images of the per-epoch PGD check; 0: none (512)
     */
    check?: number;
    /**
     * fbf: the check's PGD steps (10)
     */
    checkIter?: number;
    /**
     * fbf: the fall in check accuracy that rolls back (0.2)
     */
    drop?: number;
};
/**
 * Keys of a C config
 *   (snake_case or camelCase), each set through its C setter: numbers, booleans (1/0), names
 *   ('sgd', 'inf') and seeds (u64).
 */
export type ConfigKeys = {
    [key: string]: number | boolean | string | bigint | undefined;
};
export type AttackName = "fgsm" | "bim" | "pgd" | "deepfool" | "newtonfool" | "cw" | "square" | "hopskipjump" | "boundary" | "apgd" | "apgd-t" | "fab" | "lbfgs" | "jsma";
/**
 * {name, ...keys of advlab_attack_config}
 */
export type AttackConfig = {
    name: AttackName;
} & ConfigKeys;
/**
 * ART's AdversarialTrainer, for Net#adversarialTrainer
 */
export type AdversarialOptions = {
    /**
     * fraction of each batch replaced, 0..1 (0.5)
     */
    ratio?: number;
    /**
     * as for createAttack, untargeted (default: FGSM eps 0.2, the
     * tutorial's); a given attack starts from ART's defaults
     */
    attack?: AttackConfig;
    /**
     * up to 4 fixed pre-trained nets, borrowed
     */
    staticNets?: Net[];
};
/**
 * Mirrors advlab_train_config; missing keys take Lab#trainDefaults.
 */
export type TrainConfig = {
    optimizer?: "adam" | "sgd";
    lr?: number;
    /**
     * SGD only
     */
    momentum?: number;
    /**
     * Adam
     */
    beta1?: number;
    /**
     * Adam
     */
    beta2?: number;
    /**
     * Adam
     */
    epsilon?: number;
    epochs?: number;
    /**
     * <= the net's maxBatch
     */
    batch?: number;
    /**
     * shuffling seed (u64)
     */
    seed?: number | bigint;
    /**
     * train on the first `limit` samples; all when <= 0
     */
    limit?: number;
    /**
     * a power of two up to 64: each batch's gradient is summed over this
     * many shards in a fixed tree, so replicas can share them out (Trainer#shardGradient)
     */
    shards?: number;
};
export type TrainHooks = {
    /**
     * after each epoch
     */
    onEpoch?: (p: Progress) => void;
    /**
     * after each chunk
     */
    onProgress?: (p: Progress) => void;
    /**
     * batches between yields (50)
     */
    chunk?: number;
    /**
     * stops training (rejects with the signal's reason)
     */
    signal?: AbortSignal;
};
export type ExperimentProgress = {
    /**
     * 0-based stage in progress
     */
    stage: number;
    stages: number;
    /**
     * 'train', 'fgsm_standard', 'adv_train', ...
     */
    stageName: string;
    /**
     * units (batches or chunks of images) of this stage done
     */
    done: number;
    /**
     * units of this stage
     */
    total: number;
    /**
     * training stages; 0 otherwise
     */
    epoch: number;
    epochs: number;
    /**
     * training stages: the epoch loss so far
     */
    loss: number;
    /**
     * of the whole experiment's estimated work, 0..1
     */
    fraction: number;
};
export type ExperimentModel = "standard" | "defended";
/**
 * A sweep (see advlab.h, "sweep"): one or two settings of a family's stage over lists of values,
 * times seeds. Setting names may be camelCase; a choice (the attack family's attack and defence)
 * takes names, as does a norm ('inf').
 */
export type SweepSpec = {
    /**
     * the stage each cell runs: the tutorial
     * experiment (the default); attack: train the standard model, attack it, optionally through a
     * defence; poison: plant the backdoor in the training rows, train on them
     */
    family?: "experiment" | "attack" | "poison";
    /**
     * 'tutorial' by default
     */
    arch?: string;
    /**
     * the family's other settings (not seed)
     */
    settings?: {
        [key: string]: number | string;
    };
    /**
     *   one or two, each with its values (names for a choice) or a range [start, stop, step] (stop
     *   included)
     */
    vary: {
        key: string;
        values?: (number | string)[];
        range?: [number, number, number];
    }[];
    /**
     * [1234] by default
     */
    seeds?: number[];
    /**
     * the family's measurement names, e.g. 'fgsm_defended', or the
     * attack family's clean_accuracy, robust_accuracy, success_rate, mean_l2, mean_linf, or the
     * poison family's clean_accuracy, attack_success
     */
    measure: string[];
};
export type SweepPlan = {
    /**
     * the spec in full (every setting), as results hold it
     */
    spec: SweepSpec;
    cells: number;
    /**
     * cells / seeds
     */
    points: number;
    /**
     * estimated image passes
     */
    work: number;
    /**
     * each cell's varied settings (a
     * choice by name) and its seed
     */
    cell_settings: {
        [key: string]: number | string;
    }[];
};
export type SweepProgress = {
    /**
     * the cell in progress, -1 when none
     */
    cell: number;
    cells: number;
    cellsDone: number;
    /**
     * the cell's experiment stage, '' between cells
     */
    stageName: string;
    /**
     * of the sweep's cells, 0..1
     */
    fraction: number;
};
export type SweepHooks = {
    /**
     * after each chunk
     */
    onProgress?: (p: SweepProgress) => void;
    /**
     * stops between chunks (rejects with the signal's reason)
     */
    signal?: AbortSignal;
    /**
     * units per chunk (see experiment)
     */
    chunk?: number;
};
export type SweepCellResult = {
    cell: number;
    values: {
        [name: string]: number;
    };
    seconds: number;
};
export type SweepResults = {
    /**
     * the results JSON, parsed: format, engine, spec, cells, points (mean
     * and sample standard deviation over seeds), timings
     */
    results: object;
    /**
     * its text, which is also the sweep's checkpoint
     */
    json: string;
    /**
     * a row per finished cell
     */
    csv: string;
    /**
     * a row per finished point: each measurement's mean and std
     */
    pointsCsv: string;
};
/**
 * advlab_experiment_report_json's fields (see advlab.h), and the two trained models
 */
export type ExperimentReport = {
    nets: {
        standard: Net;
        defended: Net;
    };
} & {
    [key: string]: unknown;
};
export type Progress = {
    /**
     * 1-based epoch this report is about
     */
    epoch: number;
    epochs: number;
    /**
     * batches done in this epoch
     */
    batchInEpoch: number;
    batchesPerEpoch: number;
    /**
     * true once the epoch has finished
     */
    epochDone: boolean;
    /**
     * mean training loss over the epoch so far
     */
    loss: number;
    /**
     * training accuracy over the epoch so far
     */
    accuracy: number;
    imagesPerSec: number;
};
/**
 * a node of a batch's gradient tree (Trainer#shardGradient)
 */
export type GradientPart = {
    /**
     * the node covers shards [index << level, (index + 1) << level)
     */
    level: number;
    index: number;
    /**
     * the batch rows in those shards
     */
    rows: number;
    /**
     * of them, those the net classified right
     */
    correct: number;
    /**
     * their summed loss
     */
    loss: number;
    /**
     * the node's share of the batch's gradient
     */
    grad: Float32Array;
};
/**
 * A poisoning (keys of advlab_poison_config, camelCase or snake_case).
 */
export type PoisonSettings = {
    /**
     * ART's add_pattern_bd (default), add_single_bd,
     * or a drawn mask
     */
    trigger?: "pattern" | "pixel" | "mask";
    /**
     * trigger 'mask': 784 values row by row, non-zero where the
     * trigger is
     */
    mask?: ArrayLike<number>;
    /**
     * the class poisoned ('all', the default)
     */
    source?: number | "all";
    /**
     * the poisoned label ('next', the default: (y + 1) mod 10)
     */
    target?: number | "next";
    /**
     * of the eligible rows, poisoned (0.1)
     */
    fraction?: number;
    /**
     * Turner et al.'s clean-label backdoor (needs a proxy and
     * a fixed target)
     */
    cleanLabel?: boolean | number;
    /**
     * clean label: PGD's ball, 'inf' (default) or 2
     */
    norm?: number | "inf";
    /**
     * clean label: PGD's radius (0.3)
     */
    eps?: number;
    /**
     * clean label: PGD's step (0.1)
     */
    epsStep?: number;
    /**
     * clean label: PGD's iterations (100)
     */
    maxIter?: number;
    /**
     * pattern, pixel: from the bottom-right walls (2)
     */
    distance?: number;
    /**
     * the trigger pixels' value (1)
     */
    value?: number;
    /**
     * which rows (1)
     */
    seed?: number | bigint;
};
export type PoisonMetrics = {
    /**
     * on the clean test images
     */
    cleanAccuracy: number;
    /**
     * images measured
     */
    cleanN: number;
    /**
     * triggered images classified as their target
     */
    attackSuccess: number;
    /**
     * triggered images measured
     */
    attackN: number;
};
/**
 * A cleansing (keys of advlab_cleanse_config).
 */
export type CleanseSettings = {
    /**
     * activation clustering (default) or spectral signatures
     */
    defence?: "ac" | "spectral";
    /**
     * ac: PCA dimensions (10)
     */
    nbDims?: number;
    /**
     * ac: which cluster is poison
     * ('silhouette')
     */
    analysis?: "smaller" | "relative_size" | "silhouette";
    /**
     * ac: 0.35
     */
    sizeThreshold?: number;
    /**
     * ac: 0.1
     */
    silhouetteThreshold?: number;
    /**
     * ac: k-means++ runs (10)
     */
    restarts?: number;
    /**
     * spectral: the poison expected in a class (0.33)
     */
    expectedFraction?: number;
    /**
     * spectral: 1.5
     */
    epsMultiplier?: number;
    /**
     * ac: k-means++ (1)
     */
    seed?: number | bigint;
};
export type ExtractOptions = {
    /**
     * the images the theft is measured on
     */
    test: Dataset;
    /**
     * test images (0, the default: all)
     */
    limit?: number;
    method?: "copycat" | "knockoff";
    /**
     * the victim's post-processor
     * ('reverse_sigmoid', 'high_confidence', 'rounded', 'class_labels'), with its keys
     */
    postprocess?: string | ({
        name: string;
    } & ConfigKeys);
    /**
     * the budget (1000); and any other key of advlab_extract_config:
     * sampling ('random'|'adaptive'), reward ('cert'|'div'|'loss'|'all'), epochs, batch, lr, eps,
     * use_probability (1: learn the answers themselves, not their argmax), seed
     */
    queries?: number;
    onProgress?: (p: {
        done: number;
        total: number;
        queries: number;
    }) => void;
    /**
     * units between yields (16)
     */
    chunk?: number;
    signal?: AbortSignal;
};
/**
 * The theft measured (advlab_extract_report).
 */
export type ExtractReport = {
    /**
     * the victim's answers the thief used
     */
    queries: number;
    /**
     * the victim's, behind its post-processor
     */
    victimAccuracy: number;
    thiefAccuracy: number;
    /**
     * how often thief and victim agree
     */
    fidelity: number;
    /**
     * FGSM made on the thief: share of the victim's right answers
     * it flips
     */
    transferRate: number;
    /**
     * the same for FGSM made on the victim
     */
    whiteboxRate: number;
};
export type MembershipOptions = {
    method?: "rule" | "blackbox" | "label_only" | "label-only";
    /**
     * members and as many non-members (500); and any other key of
     * advlab_membership_config: epochs, lr (blackbox), starts, search_steps (label_only), seed
     */
    members?: number;
    onProgress?: (p: {
        done: number;
        total: number;
    }) => void;
    /**
     * units between yields (16)
     */
    chunk?: number;
    signal?: AbortSignal;
};
/**
 * (advlab_membership_report)
 */
export type MembershipReport = {
    /**
     * measured members
     */
    members: number;
    /**
     * measured non-members
     */
    nonmembers: number;
    /**
     * a member iff its score is above it
     */
    threshold: number;
    tpr: number;
    fpr: number;
    /**
     * tpr - fpr
     */
    advantage: number;
    auc: number;
    balancedAccuracy: number;
};
export type InvertOptions = {
    /**
     * the image every class starts from
     */
    start?: Float32Array | number[];
    /**
     * and the other keys of advlab_invert_config: window_length,
     * threshold, learning_rate, init
     */
    max_iter?: number;
    /**
     * done: steps so far
     */
    onProgress?: (p: {
        done: number;
        total: number;
    }) => void;
    /**
     * steps between yields (50)
     */
    chunk?: number;
    signal?: AbortSignal;
};
export type CleanseOptions = {
    /**
     * the truly poisoned rows (ascending): precision and recall
     */
    rows?: ArrayLike<number>;
    /**
     * with poison: measure the models
     */
    test?: Dataset;
    /**
     * the poisoning to measure
     */
    poison?: PoisonSettings;
    /**
     * train a new model on the rows left
     */
    retrain?: TrainConfig | boolean;
    /**
     * cleanse: {done,
     * total} units; retrain: the training's Progress
     */
    onProgress?: (p: {
        stage: "cleanse" | "retrain";
    } & object) => void;
    /**
     * cleanse units between yields (4)
     */
    chunk?: number;
    signal?: AbortSignal;
};
export type CleanseResult = {
    /**
     * as `advlab cleanse --json` prints it
     */
    report: object;
    /**
     * one per row, 1 where flagged as poison
     */
    flags: Uint8Array;
    /**
     * one per row: ac's cluster, spectral's flag
     */
    clusters: Uint8Array;
    /**
     * two per row: ac's first two reduced coordinates (within the
     * row's class), spectral's (score, 0)
     */
    points: Float32Array;
    /**
     * retrain: the new model (the caller's to free)
     */
    net?: Net;
    /**
     * retrain: the rows left (the caller's to free)
     */
    cleaned?: Dataset;
};
export type EvaluateReport = {
    settings: {
        suite: string;
        eps: number;
        norm: number;
        seed: number;
    };
    /**
     * images evaluated
     */
    n: number;
    clean_accuracy: number;
    /**
     * each image's worst case over the suite
     */
    robust_accuracy: number;
    /**
     * in order: the accuracy after each, the images it fooled first,
     * its input gradients (one per image per pass) and wall time
     */
    members: {
        name: string;
        accuracy: number;
        broke: number;
        gradient_calls: number;
        seconds: number;
    }[];
    /**
     * on the
     * first images: the naive/BPDA pair only under a defence
     */
    checks: {
        images: number;
        zero_gradient_share: number;
        large_eps: number;
        large_eps_accuracy: number;
        naive_accuracy?: number;
        bpda_accuracy?: number;
    };
    /**
     * softmax, zero_gradients, random, black_box,
     * large_eps, naive_above_bpda, each a sentence saying what it suggests
     */
    warnings: {
        id: string;
        text: string;
    }[];
};
export type UniversalResult = {
    /**
     * v, inputSize values, within eps in the config's norm
     */
    perturbation: Float32Array;
    /**
     * on the fitting images: the share that clip(x + v) moves off
     * their label, after the last pass
     */
    foolingRate: number;
    /**
     * that count
     */
    fooled: number;
    /**
     * fitting images
     */
    n: number;
    /**
     * passes over the fitting images, at most maxIter
     */
    passes: number;
    /**
     * ||v|| in the config's norm
     */
    norm: number;
    /**
     * on heldOut: the share whose prediction changes;
     * null without heldOut
     */
    heldOutFoolingRate: number | null;
    /**
     * that count
     */
    heldOutFooled: number | null;
    /**
     * held-out images (0 without heldOut)
     */
    heldOutN: number;
};
export type StripReport = {
    defence: "strip";
    /**
     * num_samples, false_acceptance_rate, seed
     */
    settings: object;
    clean_images: number;
    /**
     * the clean images' mean entropy (bits)
     */
    clean_mean: number;
    /**
     * and its deviation
     */
    clean_std: number;
    /**
     * entropy at or below which an input is flagged
     */
    threshold: number;
    images: {
        prediction: number;
        entropy: number;
        flagged: boolean;
    }[];
};
declare class Owned {
    /**
     * @param {number} ptr the C handle
     * @param {string} name what it is, in errors
     * @param {Owned[]} [borrowed]
     */
    constructor(ptr: number, name: string, borrowed?: Owned[]);
    /** @internal handles that borrow this one @type {Set<Owned>} */ dependents: Set<Owned>;
    /** @internal The C handle; throws once freed. @returns {number} */
    get ptr(): number;
    /** @internal Starts borrowing h: freeing h will free this. @param {Owned} h */
    borrow(h: Owned): void;
    /** @internal Stops borrowing h. @param {Owned} h */
    unborrow(h: Owned): void;
    /** @internal Frees the dependents, forgets the borrowed. @returns {number} the C handle */
    release(): number;
    /** True once free() has been called. */
    get freed(): boolean;
    #private;
}
export {};
