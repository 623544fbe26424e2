// The lab page's state: what it knows of the engine's answers, shown again after a language
// switch or a worker restart. Every module of the page reads and writes it here.
import { message } from '../ui/lang.js';

/** The page's two models, by the worker's slot names. */
export const SLOTS = ['standard', 'defended'];

export const state = {
  ready: false, // the worker has answered init
  models: [], // every model the page can choose (modelList in web/engine/models.js)
  slots: {}, // slot -> the info of the model it shows
  last: null, // the latest analysis, and the controls it answered
  lastControls: null,
  firstAnswerMs: 0, // when the first analysis came, for the status line
  measurements: null, // the tutorial's rows, once measured
  engine: null, // {version, variant} of the worker's engine, for exports
  poisonInput: { trigger: null, strip: false }, // what the Poison panel asks of the analysis
};

// Each slot's card title, weights-menu label and name in a sentence.
export const SLOT_WORDS = {
  standard: { title: 'lab.card.standard', weights: 'lab.weights.standard',
    name: 'lab.slot.standard' },
  defended: { title: 'lab.card.defended', weights: 'lab.weights.defended',
    name: 'lab.slot.defended' },
};
export const slotName = (slot) => message(SLOT_WORDS[slot].name);

export const $ = (selector, root = document) => root.querySelector(selector);
