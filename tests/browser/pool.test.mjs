// The evaluation pool (web/engine/pool.js): the lab's worker splits robustness curves (FGSM's
// and IBP's verified accuracy) and the tutorial's measurements across several workers, and the
// counts come out exactly as one worker's. A pool whose workers cannot start falls back to the
// lab's worker with the same counts; the next request tries a pool again, and two failures in a
// row give it up. A training run whose replicas cannot start trains alone, with the same bits,
// and one whose replica fails mid-run starts it again and ends with the same bits. A run's
// replicas serve the next run, even when it was cancelled while they were making their parts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { collectErrors, launchChromium } from './chromium.mjs';
import { serveProxy, serveStatic } from './serve.mjs';

const EPS = [0, 0.1, 0.2, 0.3];
const N = 601; // not a multiple of the pool sizes, so the slices differ in length

let server;
let proxy;
let refusePoolWorker = false; // the proxy answers 503 for pool_worker.js while true
let refuseReplicaWorker = false; // and for the training pool's replica_worker.js
let chromium;
let page;
const consoleErrors = [];
const replicas = []; // every replica worker the page started, in order

before(async () => {
  server = await serveStatic(repoRoot);
  proxy = await serveProxy(server.url,
    { refuse: (url) => (refusePoolWorker && url.endsWith('/pool_worker.js')) ||
      (refuseReplicaWorker && url.endsWith('/replica_worker.js')) });
  chromium = await launchChromium();
  page = collectErrors(await chromium.context.newPage(), consoleErrors);
  page.on('worker', (worker) => {
    if (worker.url().endsWith('/replica_worker.js')) replicas.push(worker);
  });
  await page.goto(`${proxy.url}/tests/browser/lab_worker.html`);
  await page.waitForFunction(() => window.ready === true);
  await page.evaluate(() => window.call('init'));
});

after(async () => {
  await chromium?.close();
  await proxy?.close();
  await server?.close();
});

function run(op, args) {
  return page.evaluate(([o, a]) => window.call(o, a), [op, args]);
}

test('curves over a pool of 2 or 3 workers equal one worker\'s', async () => {
  const alone = await run('curves', { n: N, eps: EPS, workers: 1 });
  assert.equal(alone.workers, 1);
  assert.equal(alone.n, N);
  assert.ok(alone.standard[0] > 0.9, `standard clean accuracy ${alone.standard[0]}`);
  assert.ok(alone.standard[2] < alone.defended[2],
    `FGSM 0.2: standard ${alone.standard[2]} should be below defended ${alone.defended[2]}`);
  // What IBP proves is never more than FGSM leaves standing, and falls as eps grows.
  for (const slot of ['standard', 'defended']) {
    const verified = alone.verified[slot];
    verified.forEach((v, i) => assert.ok(v <= alone[slot][i], `${slot} verified ${v} at ${i}`));
    assert.ok(verified[0] > 0.9 && verified[3] < verified[0], `${slot} verified ${verified}`);
  }
  for (const workers of [2, 3]) {
    const pooled = await run('curves', { n: N, eps: EPS, workers });
    assert.equal(pooled.workers, workers);
    assert.deepEqual(pooled.standard, alone.standard, `${workers} workers, standard`);
    assert.deepEqual(pooled.defended, alone.defended, `${workers} workers, defended`);
    assert.deepEqual(pooled.verified, alone.verified, `${workers} workers, verified (IBP)`);
  }
});

test('the tutorial measurements over a pool equal one worker\'s', async () => {
  const values = async (workers) =>
    (await run('measure', { n: N, eps: 0.2, workers })).rows.map((r) => r.value);
  const alone = await values(1);
  assert.equal(alone.length, 5);
  assert.ok(alone[2] > alone[1], `transfer ${alone[2]} should beat white-box FGSM ${alone[1]}`);
  assert.deepEqual(await values(2), alone);
});

test('the worker and its pool logged no console errors', () => {
  assert.deepEqual(consoleErrors, []);
});

// After the console check: a worker script that fails to load is logged as an error. The worker
// keeps a pool while its size stays the same, so each failure here asks for a size it lacks.
test('a failed pool falls back to one worker, tries again next time, and gives up after two',
  async () => {
    const curves = (workers) => run('curves', { n: 200, eps: [0, 0.2], workers });
    const alone = await curves(1);
    refusePoolWorker = true;
    const fellBack = await curves(3);
    assert.equal(fellBack.workers, 1, 'a pool that could not start was reported as used');
    assert.deepEqual([fellBack.standard, fellBack.defended], [alone.standard, alone.defended]);
    refusePoolWorker = false;
    const again = await curves(3);
    assert.equal(again.workers, 3, 'one failure gave the pool up');
    assert.deepEqual([again.standard, again.defended], [alone.standard, alone.defended]);

    refusePoolWorker = true;
    assert.equal((await curves(2)).workers, 1);
    assert.equal((await curves(2)).workers, 1);
    refusePoolWorker = false;
    assert.equal((await curves(2)).workers, 1, 'two failures in a row did not give the pool up');
  });

// Trains the standard slot with settings (window.trainFraction following the run's progress):
// the workers it reported, each report's [ownMs, waitMs, stepMs] (where a pool's replica 0 spent
// its batches), its pool notices, and the SHA-256 of its weights' tensors.
function trainDigest(settings) {
  return page.evaluate(async (s) => {
    const workers = new Set();
    const times = [];
    const notices = [];
    window.trainFraction = 0;
    await window.call('train', { which: 'standard', settings: s }, { onProgress: (p) => {
      if (p.kind === 'train') {
        workers.add(p.workers);
        times.push([p.ownMs, p.waitMs, p.stepMs]);
        window.trainFraction = p.fraction;
      }
      if (p.kind === 'pool') notices.push(p.error);
    } });
    const { bytes } = await window.call('exportModel', { slot: 'standard' });
    const header = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256',
      bytes.subarray(8 + header)));
    return { workers: [...workers], times, notices, digest: Array.from(digest).join(',') };
  }, settings);
}

// Alone first: once a run has had a replica, the next runs take it again rather than start one.
test('a training run whose replicas cannot start trains alone: the same bits, and it says so',
  async () => {
    const settings = { epochs: 1, batch: 64, lr: 0.01, seed: 3, limit: 640, attack: 'fgsm',
      eps: 0.1, ratio: 0.5, workers: 2 };
    refuseReplicaWorker = true;
    const alone = await trainDigest(settings);
    refuseReplicaWorker = false;
    const pooled = await trainDigest(settings);
    assert.deepEqual(pooled.workers, [2]);
    assert.deepEqual(pooled.notices, []);
    assert.deepEqual(alone.workers, [1], 'a pool that could not start was reported as used');
    assert.equal(alone.notices.length, 1);
    assert.match(alone.notices[0], /^training workers: /);
    assert.equal(alone.digest, pooled.digest, 'alone, the run trained other weights');
    // Where the pool's batches went: times in every report, and over the run replica 0's shards
    // and steps took some (a step alone may read 0 on a timer coarsened to 0.1 ms).
    for (const t of pooled.times) {
      assert.ok(t.every((v) => Number.isFinite(v) && v >= 0), `a pool's report: ${t} ms a batch`);
    }
    const [own, , step] = [0, 1, 2].map((i) => pooled.times.reduce((sum, t) => sum + t[i], 0));
    assert.ok(own > 0 && step > 0, `replica 0's shards (${own} ms) or steps (${step} ms) took none`);
    assert.ok(alone.times.flat().every((v) => v === undefined),
      'a run without a pool reported a pool\'s times');
  });

const WIDER = { epochs: 1, batch: 64, lr: 0.001, seed: 4, limit: 6400, eps: 0.3,
  arch: 'c16k5-p2-c32k5-p2-d100-d10', workers: 2 };

// Starts a run of settings and waits for its first progress report, a few of its 100 batches in,
// while it is still going; {run} is the run's trainDigest.
async function startRun(settings) {
  const run = trainDigest(settings);
  await page.waitForFunction(() => window.trainFraction > 0, undefined, { polling: 10 });
  assert.ok(await page.evaluate(() => window.trainFraction < 0.8),
    'the run ended before the test could act');
  return { run };
}

// Its replica fails while it holds a request for its parts (replica 0 asks for the next batch's
// before it steps), so this is the restart from replica 0 in the middle of a batch.
test('a replica that fails mid-run is started again, and the run ends with the same bits',
  async () => {
    let broken;
    try {
      const unbroken = await trainDigest(WIDER);
      const spawned = replicas.length;
      assert.ok(spawned > 0, 'no replica worker was seen');
      ({ run: broken } = await startRun(WIDER));
      assert.equal(replicas.length, spawned, 'the run started a new replica, not the last run\'s');
      await replicas.at(-1).evaluate(() => {
        setTimeout(() => { throw new Error('a replica failing on purpose'); });
      });
      const { workers, notices, digest } = await broken;
      assert.equal(replicas.length, spawned + 1, 'the failed replica was not started again');
      assert.deepEqual(workers, [2]);
      assert.deepEqual(notices, []);
      assert.equal(digest, unbroken.digest, 'the run with a restart trained other weights');
    } finally {
      await broken?.catch(() => {});
    }
  });

// When a run stops, its replica is still making the parts of a batch nobody will take (replica 0
// asked for them before it stepped). Their answer reaches the replica's next run after that run
// has asked it to start: were it taken for the start's answer, the start's own would be taken for
// the first batch's parts, and the run would fail.
test('a run cancelled while its replica makes parts leaves it to the next run: the same bits',
  async () => {
    const unbroken = await trainDigest(WIDER);
    const spawned = replicas.length;
    const { run: cancelled } = await startRun(WIDER);
    assert.deepEqual(await page.evaluate(() => window.call('cancel')), { cancelled: true });
    await cancelled;
    const again = await trainDigest(WIDER);
    assert.equal(replicas.length, spawned, 'the run started a new replica, not the last run\'s');
    assert.deepEqual(again.workers, [2]);
    assert.deepEqual(again.notices, []);
    assert.equal(again.digest, unbroken.digest, 'the run after a cancelled one trained other weights');
  });
