// The lab page's start. Its worker begins fetching what the first answer needs as soon as it
// loads, in parallel with the engine (state.js): the default models' weights and the digit the
// page opens on. The init op then answers with the slots restored, that digit and any
// interrupted training run.
import { mnist, testDigit } from './data.js';
import { DEFAULT_MODEL, modelList, pretrained, restore, weightBytes } from './models.js';
import { interruptedRun, tabsKeptApart, trainingLockHeld } from './runs.js';
import { SLOTS, state } from './state.js';
import { storageWorks } from './store.js';

// MNIST test image #7, a 9: FGSM at the tutorial's eps 0.2 fools the pretrained standard model
// on it and not the defended one, so the page opens on the lab's point.
const START_DIGIT = 7;

const openingDigit = state.forLabPage ? testDigit(START_DIGIT) : null;
if (state.forLabPage) {
  for (const id of Object.values(DEFAULT_MODEL)) {
    pretrained(id).then((entry) => entry && weightBytes(entry.file), () => {});
  }
}

/**
 * The op: {models, slots, version, variant, digit, checkpoint, trainingElsewhere, storage,
 * tabsApart}. variant is the engine's build ('simd' | 'scalar', advlab.js's lab.variant).
 * checkpoint is the interrupted run's (null without one); trainingElsewhere says a run holds the
 * training lock now (another tab's, whose checkpoint is then not an interrupted run). storage and
 * tabsApart are false where IndexedDB or Web Locks are missing.
 */
export async function init() {
  const [digit, ...slots] = await Promise.all([openingDigit, ...SLOTS.map(restore)]);
  mnist('t10k').catch(() => {}); // for random digits and the detector, in the background
  const checkpoint = await interruptedRun();
  const trainingElsewhere = await trainingLockHeld();
  return {
    result: {
      models: await modelList(), slots, version: state.lab.version, variant: state.lab.variant,
      digit, checkpoint, trainingElsewhere, storage: await storageWorks(),
      tabsApart: tabsKeptApart(),
    },
    transfer: [digit.x.buffer],
  };
}
