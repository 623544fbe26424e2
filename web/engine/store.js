// What the lab page keeps in IndexedDB, in three stores: 'models' holds the models trained or
// imported here ({id, label, about, source, bytes, created}; about is what the page names a model
// by, in its language: see modelList in models.js), 'slots' which model each slot shows ({slot,
// id}), and 'checkpoints' the training run under way (one record, run 'current').

const KEPT_MODELS = 8;

let dbPromise;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
    const req = indexedDB.open('advlab-lab', 2);
    req.onupgradeneeded = () => {
      const keys = { models: 'id', slots: 'slot', checkpoints: 'run' };
      for (const [name, keyPath] of Object.entries(keys)) {
        if (!req.result.objectStoreNames.contains(name)) {
          req.result.createObjectStore(name, { keyPath });
        }
      }
    };
    // A tab of an older version holding the database open blocks the upgrade: this tab goes on
    // without storage rather than wait. Tabs of this version give way to a newer one.
    req.onblocked = () => reject(new Error('the lab is open in another tab of an older version'));
    req.onsuccess = () => {
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

/**
 * Whether this browser lets the lab keep anything: false without IndexedDB (switched off, or in
 * some private windows), and the page then says that nothing outlives a reload.
 */
export function storageWorks() {
  return db().then(() => true, () => false);
}

/** Runs fn(objectStore) in a transaction on one store; resolves with its request's result. */
export async function store(name, mode, fn) {
  const tx = (await db()).transaction(name, mode);
  const req = fn(tx.objectStore(name));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
  });
}

/** The models kept here, newest first, without their bytes. */
export async function keptModels() {
  const all = await store('models', 'readonly', (s) => s.getAll());
  return all.sort((a, b) => b.created - a.created)
    .map(({ id, label, about, source, created }) => ({ id, label, about, source, created }));
}

/** Keeps a model, dropping the oldest beyond KEPT_MODELS except those in `shown` (ids). */
export async function keepModel(record, shown) {
  await store('models', 'readwrite', (s) => s.put(record));
  const stale = (await keptModels()).slice(KEPT_MODELS).filter((m) => !shown.has(m.id));
  for (const m of stale) await store('models', 'readwrite', (s) => s.delete(m.id));
}

// ------------------------------------------------------------ checkpoints

/**
 * Keeps the run under way: its request ({which, settings}), the slot in training, its place
 * ({epoch, batch, batchesPerEpoch, epochs}) and the bytes to go on from. At the start of a slot
 * there is nothing to keep but the place: that slot starts afresh.
 */
export function saveCheckpoint(run, slot, net, trainer, place) {
  const started = place.epoch > 0 || place.batch > 0;
  const record = { run: 'current', ...run, slot, ...place, created: Date.now(),
    ...(started ? { weights: net.saveWeights(), state: trainer.saveState() } : {}) };
  return store('checkpoints', 'readwrite', (s) => s.put(record));
}

export function loadCheckpoint() {
  return store('checkpoints', 'readonly', (s) => s.get('current')).catch(() => undefined);
}

export function dropCheckpoint() {
  return store('checkpoints', 'readwrite', (s) => s.delete('current')).catch(() => {});
}

/** What the page shows about a checkpoint: no bytes. */
export function checkpointSummary(c) {
  if (!c) return null;
  const { which, settings, slot, epoch, epochs, batch, batchesPerEpoch, created } = c;
  return { which, settings, slot, epoch, epochs, batch, batchesPerEpoch, created };
}
