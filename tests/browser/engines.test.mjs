// The lab in each engine a student may open it in: Chromium, Firefox ESR and WebKitGTK (Safari's
// engine), driven through tests/browser/engines.mjs, under the strict CSP of docs/security.md and
// with tests/browser/probe.js in every page. In each engine:
// - the page answers from the pretrained models, with probabilities bit-identical to the native
//   CLI's;
// - a drawing made with the mouse is classified;
// - FGSM at eps 0.3 flips the standard model;
// - training in the worker advances, pauses and resumes;
// - an exported model imports back with the same answers;
// - the course notes' widgets render;
// - the evaluation pool's counts equal one worker's;
// - a worker trains weights bit-identical to the native CLI's, and so do the page's runs over a
//   pool of 1, 2 and 3 workers (data-parallel training over 8 shards);
// - no console error and no CSP violation, and screenshots to look at (desktop, Korean, phone).
// Then, with WebAssembly switched off in Chromium and in Firefox, the page and the widgets say so.
//
// ADVLAB_ENGINES=firefox,webkit runs some engines only (all three by default).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { repoRoot } from '../node/helpers.mjs';
import { openTab } from './engines.mjs';
import { answer, CHOSEN, click, probedLab, probeRecord, ready, setControl, settled }
  from './lab_tab.mjs';
import { OUT } from './lab_page.mjs';

const native = resolve(repoRoot, process.env.ADVLAB_NATIVE ?? 'build/native/advlab');
const SHOTS = join(OUT, 'engines');
const START_DIGIT = 7; // the digit the page opens on (web/engine/start.js)
const TRAIN = { seed: 11, config: { epochs: 1, batch: 64, lr: 0.01, limit: 512 } };
// A page run on a pool of replicas: 20 batches of the tutorial net, over the page's 8 shards.
const POOLED = { epochs: 1, batch: 64, lr: 0.01, limit: 1280, seed: 11, attack: 'fgsm', eps: 0.1,
  ratio: 0.5 };
const RUN_SHARDS = 8; // web/engine/train_pool.js
const WIDGETS_READY_MS = 60000;

const lab = probedLab();
const reference = {}; // what native computes: {probs: Float32Array, paramsDigest: hex}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'advlab-engines-'));
  try {
    const probsFile = join(dir, 'probs.f32');
    execFileSync(native, ['predict', '--model', 'data/weights/standard.safetensors', '--limit',
      String(START_DIGIT + 1), '--inputs-out', join(dir, 'inputs.f32'), '--probs-out', probsFile],
    { cwd: repoRoot, stdio: 'ignore' });
    const bytes = readFileSync(probsFile);
    reference.probs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
      .slice(START_DIGIT * 10, START_DIGIT * 10 + 10);

    const weights = join(dir, 'trained.safetensors');
    const { epochs, batch, lr, limit } = TRAIN.config;
    execFileSync(native, ['train', '--seed', String(TRAIN.seed), '--epochs', String(epochs),
      '--batch', String(batch), '--lr', String(lr), '--limit', String(limit), '--out', weights],
    { cwd: repoRoot, stdio: 'ignore' });
    const lab = await createLab();
    const net = lab.netFromWeights(readFileSync(weights), 'trained.safetensors', batch);
    reference.paramsDigest = createHash('sha256')
      .update(new Uint8Array(net.params().slice().buffer)).digest('hex');
    net.free();

    const pooled = join(dir, 'pooled.safetensors');
    execFileSync(native, ['train', ...['seed', 'epochs', 'batch', 'lr', 'limit']
      .flatMap((key) => [`--${key}`, String(POOLED[key])]), '--shards', String(RUN_SHARDS),
    '--threads', '2', '--out', pooled], { cwd: repoRoot, stdio: 'ignore' });
    reference.pooledDigest = createHash('sha256').update(tensorBytes(readFileSync(pooled)))
      .digest('hex');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The tensors of a safetensors file: what follows its header, whose metadata differs by run.
function tensorBytes(bytes) {
  return bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)));
}

// ------------------------------------------------------------ in-page helpers

function progress(tab) {
  return tab.evaluate(() => document.querySelector('#train-progress').value);
}

// A shown probability (a float32 widened to a double, as the card's data-probs has it) as the
// float32's bits.
function float32Bits(values) {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}

// ------------------------------------------------------------ every engine

for (const engine of CHOSEN) {
  describe(engine, () => {
    let tab;
    before(async () => { tab = await openTab(engine); });
    after(async () => { await tab?.close(); });

    test('the page loads and answers from the pretrained models, bit for bit as native', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await settled(tab);
      const note = await tab.evaluate(() => document.querySelector('#digit-note').textContent);
      const label = note.match(/labelled (\d)/)?.[1];
      assert.ok(label, `no MNIST label in "${note}"`);
      const standard = await answer(tab, 'standard');
      assert.equal(standard.clean, label, 'standard model, start digit');
      assert.equal((await answer(tab, 'defended')).clean, label, 'defended model, start digit');
      assert.equal(await tab.evaluate(() => document.querySelector('#engine-variant').textContent),
        'Engine: WebAssembly with SIMD.');
      assert.deepEqual(float32Bits(standard.probs.split(' ').map(Number)),
        float32Bits(reference.probs), 'the probabilities differ from the native CLI\'s');
    });

    test('FGSM at eps 0.3 flips the standard model', async () => {
      await setControl(tab, '#attack', 'fgsm');
      await setControl(tab, '#eps', 0.3);
      await settled(tab);
      const { clean, adv } = await answer(tab, 'standard');
      assert.notEqual(adv, clean, 'the standard model was not fooled at eps 0.3');
      assert.match(await tab.evaluate(() => document.querySelector('#standard .norms').textContent),
        /L∞ 0\.300/);
    });

    test('a 7 drawn with the mouse is classified 7 by both models', async () => {
      await click(tab, '#clear');
      await setControl(tab, '#eps', 0);
      await settled(tab);
      await tab.drag('#pad', [[0.28, 0.22], [0.72, 0.22], [0.46, 0.84]]);
      await settled(tab);
      assert.match(await tab.evaluate(() => document.querySelector('#digit-note').textContent),
        /Draw/);
      assert.equal((await answer(tab, 'standard')).clean, '7');
      assert.equal((await answer(tab, 'defended')).clean, '7');
    });

    test('training in the worker advances, pauses and resumes', async () => {
      await setControl(tab, '[name=which]', 'standard');
      await setControl(tab, '[name=epochs]', 3);
      await setControl(tab, '[name=limit]', 20000);
      await setControl(tab, '[name=seed]', 7);
      await click(tab, '#train');
      await tab.waitFor(() => document.querySelector('#train-progress').value > 0, undefined,
        { what: 'training to start' });
      await click(tab, '#pause');
      await tab.waitFor(() => !document.querySelector('#resume').disabled, undefined,
        { what: 'the pause to take' });
      const paused = await progress(tab);
      await new Promise((done) => setTimeout(done, 800));
      assert.equal(await progress(tab), paused, 'training advanced while paused');
      assert.ok(paused < 1, 'training ended before it was paused');
      await click(tab, '#resume');
      await tab.waitFor((p) => document.querySelector('#train-progress').value > p, paused,
        { what: 'training to advance after resume' });
      await tab.waitFor(() => !document.querySelector('#train').disabled, undefined,
        { timeout: 180000, what: 'training to end' });
      assert.match(await tab.evaluate(() => document.querySelector('#train-status').textContent),
        /Done/);
      assert.match(await tab.evaluate(() =>
        document.querySelector('#standard .model-select').selectedOptions[0].text), /trained here/);
    });

    test('an exported model imports back with the same answers', async () => {
      await settled(tab);
      const before = await answer(tab, 'standard');
      await click(tab, '#standard .export');
      await tab.waitFor(() => probe.downloads.length > 0, undefined, { what: 'the export' });
      // The exported bytes go back in through the import control, as a chosen file would.
      const name = await tab.evaluate(async () => {
        const { blob, name: file } = probe.downloads.pop();
        const chosen = new DataTransfer();
        chosen.items.add(new File([blob], `re-${file}`));
        const input = document.querySelector('#standard .import');
        input.files = chosen.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        return `re-${file}`;
      });
      await tab.waitFor((n) => document.querySelector('#standard .model-select')
        .selectedOptions[0].text.includes(n), name, { what: 'the import' });
      await settled(tab);
      assert.equal((await answer(tab, 'standard')).probs, before.probs);
    });

    test('screenshots: desktop, Korean and phone width', async (t) => {
      await tab.screenshot(join(SHOTS, `${engine}-page-desktop.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko', undefined,
        { what: 'the page to switch to Korean' });
      await tab.screenshot(join(SHOTS, `${engine}-page-ko.png`));
      await setControl(tab, '#lang', 'en');
      await tab.resize(390, 844);
      const [width, overflow] = await tab.evaluate(() =>
        [innerWidth, document.documentElement.scrollWidth - innerWidth]);
      // WebKitGTK's MiniBrowser keeps its window wider than a phone's.
      t.diagnostic(`phone viewport: ${width} px wide`);
      await tab.screenshot(join(SHOTS, `${engine}-page-phone.png`));
      await tab.resize(1280, 900);
      assert.ok(width < 480, `the viewport stayed ${width} px wide`);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone screen`);
    });

    test('no console error and no CSP violation on the page', async () => {
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('a browser without DecompressionStream or workers is told what to do', async () => {
      for (const [missing, says] of [['DecompressionStream', /too old.*DecompressionStream/],
        ['Worker', /cannot run Web Workers/]]) {
        await tab.goto(`${lab.url}/web/index.html?without=${missing}`);
        await tab.waitFor(() => document.body.dataset.unsupported, undefined,
          { what: `the page to find ${missing} missing` });
        assert.match(await tab.evaluate(() => document.querySelector('#status').textContent), says);
      }
    });

    test('the course notes\' widgets render and answer', async () => {
      await tab.goto(`${lab.url}/web/examples/course-notes.html`);
      const widgets = () => [...document.querySelectorAll('advlab-demo')].map((w) => ({
        ...w.dataset, panels: w.getAttribute('panels'),
        stealReady: !w.shadowRoot.querySelector('.steal-button').disabled,
        status: w.shadowRoot.querySelector('.status').textContent,
        answers: [...w.shadowRoot.querySelectorAll('.model')].map((m) => m.dataset.clean) }));
      await tab.waitFor(() => {
        const all = [...document.querySelectorAll('advlab-demo')];
        return all.length > 0 && all.every((w) => w.dataset.ready === 'true');
      }, undefined, { timeout: WIDGETS_READY_MS, what: 'every widget to be ready', show: widgets });
      // Each widget shows live answers from its models, or its accuracy curve, or waits for the
      // reader to start a theft.
      for (const widget of await tab.evaluate(widgets)) {
        const what = JSON.stringify(widget);
        if (widget.curve) assert.equal(widget.curve, 'ready', what);
        else if (widget.panels === 'steal') assert.ok(widget.stealReady, what);
        else assert.ok(widget.answers.length && widget.answers.every((a) => /^\d$/.test(a)), what);
      }
      await tab.screenshot(join(SHOTS, `${engine}-course-notes.png`));
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('the evaluation pool\'s counts equal one worker\'s', async () => {
      await tab.goto(`${lab.url}/tests/browser/lab_worker.html`);
      await tab.waitFor(() => window.ready === true, undefined, { what: 'the lab worker' });
      const counts = await tab.evaluate(async () => {
        await window.call('init');
        const run = (workers) => window.call('curves', { n: 301, eps: [0, 0.2], workers });
        return { alone: await run(1), pooled: await run(2) };
      });
      assert.equal(counts.pooled.workers, 2);
      assert.deepEqual([counts.pooled.standard, counts.pooled.defended],
        [counts.alone.standard, counts.alone.defended]);
      assert.ok(counts.alone.standard[0] > 0.9, `clean accuracy ${counts.alone.standard[0]}`);
    });

    test('the page\'s runs over 1, 2 and 3 workers train the native CLI\'s weights', async () => {
      await tab.goto(`${lab.url}/tests/browser/lab_worker.html`);
      await tab.waitFor(() => window.ready === true, undefined, { what: 'the lab worker' });
      const runs = await tab.evaluate(async (settings) => {
        await window.call('init');
        const out = [];
        for (const workers of [1, 2, 3]) {
          const cores = new Set();
          await window.call('train', { which: 'standard', settings: { ...settings, workers } },
            { onProgress: (p) => { if (p.kind === 'train') cores.add(p.workers); } });
          const { bytes } = await window.call('exportModel', { slot: 'standard' });
          const header = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256',
            bytes.subarray(8 + header)));
          out.push({ workers, cores: [...cores],
            digest: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') });
        }
        return out;
      }, POOLED);
      for (const { workers, cores, digest } of runs) {
        assert.deepEqual(cores, [workers], `${workers} workers asked, the run reported ${cores}`);
        assert.equal(digest, reference.pooledDigest, `${workers} workers: weights differ from native`);
      }
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('a worker trains weights bit-identical to the native CLI\'s', async () => {
      await tab.goto(`${lab.url}/tests/browser/worker.html`);
      await tab.waitFor(() => window.ready === true, undefined, { what: 'the test worker' });
      const reply = await tab.evaluate(async (train) => {
        const r = await window.call('train', { arch: 'tutorial', ...train });
        if (!r.ok) return { error: r.error };
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', r.result.params));
        return { variant: r.result.variant,
          digest: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
      }, TRAIN);
      assert.equal(reply.error, undefined, reply.error);
      assert.equal(reply.variant, 'simd');
      assert.equal(reply.digest, reference.paramsDigest);
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}

// ------------------------------------------------------------ without WebAssembly

// Chromium 156 still exposes WebAssembly under --noexpose_wasm; V8's jitless mode has none.
const WITHOUT_WASM = {
  chromium: { chromiumArgs: ['--js-flags=--jitless'] },
  firefox: { firefoxPrefs: { 'javascript.options.wasm': false } },
};

for (const engine of CHOSEN.filter((e) => WITHOUT_WASM[e])) {
  describe(`${engine} without WebAssembly`, () => {
    let tab;
    before(async () => { tab = await openTab(engine, WITHOUT_WASM[engine]); });
    after(async () => { await tab?.close(); });

    test('the page says what is missing and what to do, in each language', async () => {
      await tab.goto(`${lab.url}/web/index.html`);
      await tab.waitFor(() => document.body.dataset.unsupported, undefined,
        { what: 'the page to find WebAssembly missing' });
      assert.equal(await tab.evaluate(() => typeof WebAssembly), 'undefined');
      const status = () => document.querySelector('#status').textContent;
      assert.match(await tab.evaluate(status), /WebAssembly switched off.*another browser/);
      assert.ok(await tab.evaluate(() => document.querySelector('main').inert));
      // The page's text stays: the lede and the panels' headings.
      assert.match(await tab.evaluate(() => document.querySelector('.lede').textContent), /ε/);
      await tab.screenshot(join(SHOTS, `${engine}-no-wasm.png`));
      await setControl(tab, '#lang', 'ko');
      await tab.waitFor(() => document.documentElement.lang === 'ko');
      assert.match(await tab.evaluate(status), /WebAssembly가 꺼져/);
      await tab.screenshot(join(SHOTS, `${engine}-no-wasm-ko.png`));
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });

    test('the widgets say it too', async () => {
      await tab.goto(`${lab.url}/web/examples/course-notes.html`);
      const texts = await tab.waitFor(() => {
        const widgets = [...document.querySelectorAll('advlab-demo')];
        if (!widgets.length || !widgets.every((w) => w.dataset.unsupported)) return null;
        return widgets.map((w) => w.shadowRoot.querySelector('.status').textContent);
      }, undefined, { what: 'every widget to find WebAssembly missing' });
      for (const text of texts) assert.match(text, /WebAssembly|WebAssembly가/);
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    });
  });
}

// ------------------------------------------------------------ a private window without storage

// Firefox's private windows could once not open IndexedDB; the lab then works on and says that
// nothing outlives a reload. (No engine here can switch Web Locks off, so the page's notice for
// a browser without them, lab.noLocks, has no test.)
if (CHOSEN.includes('firefox')) {
  test('firefox, a private window without IndexedDB: the lab works and says so', async () => {
    const tab = await openTab('firefox', { firefoxPrefs: { 'browser.privatebrowsing.autostart': true,
      'dom.indexedDB.privateBrowsing.enabled': false } });
    try {
      await tab.goto(`${lab.url}/web/index.html`);
      await ready(tab);
      await settled(tab);
      assert.match((await answer(tab, 'standard')).clean, /^\d$/);
      assert.match(await tab.evaluate(() => document.querySelector('#notice-text').textContent),
        /lets the lab keep nothing/);
      assert.equal(await tab.evaluate(() => document.querySelector('#notice').hidden), false);
      await tab.screenshot(join(SHOTS, 'firefox-private-no-storage.png'));
      assert.deepEqual(await probeRecord(tab), { errors: [], violations: [] });
    } finally {
      await tab.close();
    }
  });
}
