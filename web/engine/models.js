// Models in the worker: the pretrained ones (data/weights/), those trained or imported here (kept
// in IndexedDB) and the lab page's two slots that show one each.
import { WEIGHTS, fetchBytes } from './fetch.js';
import { MAX_BATCH, SLOTS, manifestReady, state } from './state.js';
import { keepModel, keptModels, store } from './store.js';

/** What each slot shows until the page chooses otherwise. */
export const DEFAULT_MODEL = { standard: 'standard', defended: 'fgsm' };
// Imports larger than this are refused before they reach the engine: the largest shipped model
// (madry) is 13 MB.
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const weightFiles = new Map(); // file name -> Promise of its bytes

/** The pretrained model `id`'s manifest entry ({id, label, file}), or undefined. */
export async function pretrained(id) {
  return (await manifestReady).models.find((m) => m.id === id);
}

/** A pretrained model's safetensors bytes, fetched once. */
export function weightBytes(file) {
  if (!weightFiles.has(file)) weightFiles.set(file, fetchBytes(WEIGHTS + file));
  return weightFiles.get(file);
}

/** Builds a net from safetensors bytes and checks it takes MNIST digits. */
export function netFrom(bytes, name) {
  const net = state.lab.netFromWeights(bytes, name, MAX_BATCH);
  if (net.inputSize !== 784 || net.classes !== 10) {
    const shape = `${net.inputSize} inputs and ${net.classes} classes`;
    net.free();
    throw new Error(`${name}: the model has ${shape}; the lab needs 28x28 inputs and 10 classes`);
  }
  return net;
}

/**
 * Every model the page can choose: the pretrained ones, then those kept here. Each has an English
 * label (for messages, and for models kept before `about` existed). The page names a pretrained
 * model by its id, and one kept here by `about`, in its own language: {kind: 'trained', slot,
 * epochs, attack, eps, ratio} (when: `created`), {kind: 'imported', name}, {kind: 'poisoned', slot,
 * epochs, poison} (poison: the Poison panel's settings), {kind: 'cleansed', defence, epochs} or
 * {kind: 'stolen', from, queries, thief, postprocess}.
 */
export async function modelList() {
  const { models } = await manifestReady;
  const shipped = models.map(({ id, label, poison }) => ({ id, label, source: 'pretrained',
    ...(poison ? { about: { kind: 'poisoned', poison } } : {}) }));
  return [...shipped, ...(await keptModels().catch(() => []))];
}

/** The nets the slots show, by slot name. */
export function slotNets() {
  return Object.fromEntries(SLOTS.map((slot) => [slot, state.slots[slot].net]));
}

// Puts a net in a slot, freeing the one it replaces.
function install(slot, net, { id, label, source }) {
  state.slots[slot]?.net.free();
  const info = {
    slot, id, label, source, arch: net.arch,
    command: net.meta('command'), defence: net.meta('defence'), training: net.meta('training'),
  };
  state.slots[slot] = { net, info };
  return info;
}

/** Shows model `id` (pretrained or kept here) in a slot and remembers the choice. */
async function choose(slot, id) {
  const entry = await pretrained(id);
  let info;
  if (entry) {
    const net = netFrom(await weightBytes(entry.file), entry.file);
    info = install(slot, net, { id, label: entry.label, source: 'pretrained' });
  } else {
    const record = await store('models', 'readonly', (s) => s.get(id));
    if (!record) throw new Error(`model "${id}" is neither pretrained nor kept in this browser`);
    info = install(slot, netFrom(record.bytes, record.label), record);
  }
  await store('slots', 'readwrite', (s) => s.put({ slot, id })).catch(() => {});
  return info;
}

/** Restores a slot's last choice, falling back to its default pretrained model. */
export async function restore(slot) {
  const saved = await store('slots', 'readonly', (s) => s.get(slot)).catch(() => undefined);
  if (saved) {
    try {
      return await choose(slot, saved.id);
    } catch {
      // A model no longer shipped or kept: the default below.
    }
  }
  return choose(slot, DEFAULT_MODEL[slot]);
}

/**
 * Keeps safetensors bytes as a new model and shows it in a slot; a bad file throws first, and the
 * slot keeps the model it had. `file` is what error messages call the bytes (an import's name).
 */
export async function adopt(slot, bytes, { label, about, file = label }, source) {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new Error(`${file}: ${bytes.length} bytes is over the limit of ${MAX_IMPORT_BYTES}`);
  }
  const created = Date.now();
  const record = { id: `${source}:${created}:${slot}`, label, about, source, bytes, created };
  const info = install(slot, netFrom(bytes, file), record);
  await keepModel(record, new Set(SLOTS.map((s) => state.slots[s]?.info.id)));
  await store('slots', 'readwrite', (s) => s.put({ slot, id: record.id }));
  return info;
}

// ------------------------------------------------------------ ops

export async function setModel({ slot, id }) {
  return { result: await choose(slot, id) };
}

export async function exportModel({ slot }) {
  const bytes = state.slots[slot].net.saveWeights();
  return { result: { bytes, name: `advlab-${slot}.safetensors` }, transfer: [bytes.buffer] };
}

/** Validates the file by building a net from it; a bad file throws and the slot stays as it was. */
export async function importModel({ slot, bytes, name }) {
  const info = await adopt(slot, bytes,
    { label: `${name} (imported)`, about: { kind: 'imported', name }, file: name }, 'imported');
  return { result: { info, models: await modelList() } };
}
