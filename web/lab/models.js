// The models view: each card's menu of models, where the shown one came from, and its export,
// import and adversarial-PNG buttons.
import { download } from '../ui/export.js';
import { clock, number, say, show, text } from '../ui/lang.js';
import { live } from './analysis.js';
import { cards } from './cards.js';
import { call } from './engine.js';
import { $, SLOTS, state } from './state.js';
import { failed } from './status.js';

// The pretrained models' names, by manifest id; a model the page does not know keeps its label.
const PRETRAINED_NAMES = { standard: 'lab.modelName.standard', fgsm: 'lab.modelName.fgsm',
  pgd: 'lab.modelName.pgd', poisoned: 'lab.modelName.poisoned', ibp: 'lab.modelName.ibp',
  robust: 'lab.modelName.robust' };
// Training for certification, as a defended model's name says it (engine/training.js).
const CERTIFIED_TRAINING = { ibp: 'IBP eps', noise: 'noise σ' };
const TRAINED_NAMES = { standard: 'lab.modelName.trainedStandard',
  defended: 'lab.modelName.trainedDefended' };

// A model's name in the page's language, from what the worker says it is (modelList in
// web/engine/models.js).
function modelName({ id, label, source, about, created }) {
  if (source === 'pretrained' && PRETRAINED_NAMES[id]) return text(PRETRAINED_NAMES[id]);
  if (about?.kind === 'trained' && about.preset) {
    return text('lab.modelName.trainedPreset', { ...about, time: clock(created) });
  }
  if (about?.kind === 'trained') {
    // IBP and noise training have no ratio, and noise's eps is its sigma.
    const certified = about.slot === 'defended' && CERTIFIED_TRAINING[about.attack];
    const key = certified ? 'lab.modelName.trainedCertified' : TRAINED_NAMES[about.slot];
    return text(key, { ...about, attack: certified ?? about.attack.toUpperCase(),
      time: clock(created) });
  }
  if (about?.kind === 'imported') return text('lab.modelName.imported', { name: about.name });
  if (about?.kind === 'poisoned') {
    return text('lab.modelName.trainedPoisoned', { epochs: about.epochs, time: clock(created) });
  }
  if (about?.kind === 'stolen') {
    return text('lab.modelName.stolen', { queries: number(about.queries),
      thief: text(`lab.steal.thief.${about.thief}`), time: clock(created) });
  }
  if (about?.kind === 'cleansed') {
    return text('lab.modelName.cleansed', { defence: text(`lab.poison.${about.defence}`),
      epochs: about.epochs, time: clock(created) });
  }
  return label;
}

/** Fills a slot's select with every model, grouped, and shows where the chosen one came from. */
export function showSlot(info) {
  state.slots[info.slot] = info;
  const root = cards[info.slot].root;
  const groups = [['lab.group.pretrained', (m) => m.source === 'pretrained'],
    ['lab.group.here', (m) => m.source !== 'pretrained']].map(([label, keep]) => {
    const group = document.createElement('optgroup');
    group.label = text(label);
    group.append(...state.models.filter(keep).map((m) => new Option(modelName(m), m.id)));
    return group;
  });
  const select = $('.model-select', root);
  select.replaceChildren(...groups.filter((g) => g.children.length));
  select.value = info.id;
  // The model's own metadata (written by the engine in English), under translated headings.
  show($('.provenance', root), [['lab.provenance.defence', info.defence],
    ['lab.provenance.training', info.training]]
    .filter(([, value]) => value).map(([key, value]) => text(key, { value })).join(' · '));
  // For the views that depend on what a slot shows (the Poison panel's search).
  document.dispatchEvent(new CustomEvent('slotshown', { detail: info }));
}

/** A new list of models (after training or an import), with the slots that changed. */
export function showModels(models, changed) {
  state.models = models;
  for (const slot of SLOTS) showSlot(changed.find((i) => i.slot === slot) ?? state.slots[slot]);
}

// A card's error line: a key and values, or null to hide it.
function showError(slot, key, values) {
  const error = $('.error', cards[slot].root);
  say(error, key, values);
  error.hidden = key === null;
}

// The adversarial image as a 28x28 grey PNG in MNIST's convention (white ink on black).
function adversarialPng(xAdv) {
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * xAdv[i]);
    image.data.set([v, v, v, 255], 4 * i);
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}

// Shows model `id` in a slot's card; a failure is said on the card.
async function chooseModel(slot, id) {
  try {
    showSlot(await call('setModel', { slot, id }));
    showError(slot, null);
  } catch (error) {
    showError(slot, 'lab.failed', failed(error));
    throw error;
  }
}

/** Whether model `id` is in this browser's list: shipped, or made or imported here. */
export const modelKnown = (id) => state.models.some((m) => m.id === id);

/** What a run's settings record of a slot's model: its id and, for a reader, its name. */
export function modelIdentity(slot) {
  const { id } = state.slots[slot];
  const model = state.models.find((m) => m.id === id);
  return { id, name: model ? modelName(model) : id };
}

/** Puts each model of {slot: {id}} in its card (a loaded run's), those not shown already. */
export async function useModels(models) {
  const changes = Object.entries(models).filter(([slot, { id }]) => state.slots[slot]?.id !== id);
  if (!changes.length) return;
  await live.during(async () => {
    for (const [slot, { id }] of changes) await chooseModel(slot, id);
  });
}

for (const slot of SLOTS) {
  const root = cards[slot].root;
  $('.model-select', root).addEventListener('change', (e) => live.during(
    () => chooseModel(slot, e.target.value).catch(() => {})));
  $('.export', root).addEventListener('click', async () => {
    try {
      const { bytes, name } = await call('exportModel', { slot });
      download(new Blob([bytes], { type: 'application/octet-stream' }), name);
    } catch (error) {
      showError(slot, 'lab.exportFailed', failed(error));
    }
  });
  $('.import', root).addEventListener('change', (e) => live.during(async () => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const { info, models } = await call('importModel', { slot, bytes, name: file.name },
        { transfer: [bytes.buffer] });
      showModels(models, [info]);
      showError(slot, null);
    } catch (error) {
      showError(slot, 'lab.importFailed', failed(error));
    }
  }));
  $('.download', root).addEventListener('click', async () => {
    if (!state.last) return;
    download(await adversarialPng(state.last[slot].xAdv), `adversarial-${slot}.png`);
  });
}
