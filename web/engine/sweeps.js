// The lab page's sweeps (issue 18): a sweep's cells spread over the pool of workers (pool.js), one
// cell per free worker (each reads MNIST itself), and assembled by the C (lab.sweepResults) after
// each, so the page's results, CSV and JSON are the text `advlab sweep --json` gives. After each
// cell the results so far are kept in IndexedDB (the 'checkpoints' store, run 'sweep'): they are
// the sweep's checkpoint, so a pause or a reload loses at most the cells under way, which start
// again and, being deterministic, give the same numbers.
import { EvalPool, defaultPoolSize } from './pool.js';
import { state, wasmBytes } from './state.js';
import { store } from './store.js';

const RUN = 'sweep';

let running = null; // {pool, paused}: the sweep under way

const saveSweep = (record) => store('checkpoints', 'readwrite', (s) => s.put({ run: RUN,
  ...record, created: Date.now() })).catch(() => {});

// Whether a spec's text is a sweep's results JSON (which holds cells to show), not a bare spec.
function isResults(spec) {
  try {
    return typeof spec === 'string' && JSON.parse(spec)?.format === 'advlab-sweep';
  } catch {
    return false; // the C's reading of the spec says what is wrong with it
  }
}

/**
 * The op: a spec checked by the C and expanded (lab.sweepPlan), with the `advlab sweep` flags
 * that give the same sweep (its settings that differ from its family's defaults), and, when
 * the spec is a sweep's results JSON, its results (`saved`, checked as a checkpoint is).
 */
export function sweepPlan({ spec }) {
  const plan = state.lab.sweepPlan(spec);
  const saved = isResults(spec) ? state.lab.sweepResults(plan.spec, [], { checkpoint: spec })
    : null;
  const { family } = plan.spec;
  const { settings: defaults } = state.lab.sweepPlan({ family, vary: plan.spec.vary,
    measure: plan.spec.measure }).spec;
  const flag = (key) => `--${key.replaceAll('_', '-')}`;
  const args = ['advlab', 'sweep', ...(family ? [`--family ${family}`] : []),
    ...plan.spec.vary.map((a) => `--vary ${a.key}=${a.values.join(',')}`),
    `--seeds ${plan.spec.seeds.join(',')}`, `--measure ${plan.spec.measure.join(',')}`,
    ...Object.entries(plan.spec.settings).filter(([key, v]) => v !== defaults[key])
      .map(([key, v]) => `${flag(key)} ${v}`)];
  return { result: { ...plan, command: args.join(' '), saved } };
}

/**
 * The op: runs the spec's cells not in `checkpoint` (a results JSON, or none) across the pool.
 * Progress goes to request id as {kind: 'sweep', fraction, results?} (results: the sweep so far,
 * after each cell). Answers lab.sweepResults's {results, json, csv, pointsCsv} and whether the
 * sweep was paused before its end.
 */
export async function sweep({ spec, checkpoint }, id) {
  const bytes = await wasmBytes; // before the check, so that no await parts it from `running =`
  if (running) throw new Error('sweep: a sweep is already running; pause it first');
  const { lab } = state;
  const { spec: full, cells } = lab.sweepPlan(spec);
  const options = checkpoint ? { checkpoint } : {};
  const done = new Set(lab.sweepResults(full, [], options).results.cells.map((c) => c.cell));
  const todo = Array.from({ length: cells }, (_, c) => c).filter((c) => !done.has(c));
  const pool = new EvalPool(defaultPoolSize(), bytes);
  running = { pool, paused: false };
  const finished = [];
  const under = new Map(); // cell -> fraction of it done
  const fraction = () => (done.size + finished.length +
    [...under.values()].reduce((a, b) => a + b, 0)) / cells;
  let saved = Promise.resolve();
  try {
    await pool.sweepCells({ spec: full, cells: todo,
      onProgress: (cell, p) => {
        under.set(cell, p.fraction * cells - p.cellsDone);
        postMessage({ id, op: 'progress', kind: 'sweep', fraction: fraction() });
      },
      onCell: (r) => {
        under.delete(r.cell);
        finished.push(r);
        const { results, json } = lab.sweepResults(full, finished, options);
        saved = saved.then(() => saveSweep({ json, complete: finished.length === todo.length }));
        postMessage({ id, op: 'progress', kind: 'sweep', fraction: fraction(), results });
      } });
  } catch (error) {
    if (!running.paused) throw error;
  } finally {
    pool.terminate();
    await saved;
    running = null;
  }
  const out = lab.sweepResults(full, finished, options);
  return { result: { ...out, paused: finished.length < todo.length } };
}

/** The op: stops the sweep under way; its finished cells are in its checkpoint. */
export function sweepPause() {
  if (running) {
    running.paused = true;
    running.pool.terminate();
  }
  return { result: null };
}

/** The op: the sweep kept in this browser, {json, complete}, or null. */
export async function sweepSaved() {
  const record = await store('checkpoints', 'readonly', (s) => s.get(RUN)).catch(() => undefined);
  return { result: record ? { json: record.json, complete: record.complete } : null };
}

/** The op: forgets the sweep kept in this browser. */
export async function sweepDiscard() {
  await store('checkpoints', 'readwrite', (s) => s.delete(RUN)).catch(() => {});
  return { result: null };
}
