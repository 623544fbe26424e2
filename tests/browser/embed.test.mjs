// <advlab-demo> in Debian's headless Chromium: the course-notes example renders five working
// widgets with no console error, follows an eps attribute, switches language, runs under a
// strict Content-Security-Policy and from the keyboard alone, and embed.html works in an
// iframe under a sub-path of a plain static server (python3 -m http.server) on a second port,
// reporting its height by postMessage, and in a sandboxed iframe (an opaque origin). The
// screenshots of the notes in both languages go to docs/screenshots/.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { repoRoot } from '../node/helpers.mjs';
import { collectErrors, launchChromium } from './chromium.mjs';
import { serveProxy, serveStatic } from './serve.mjs';

const SCREENSHOTS = join(repoRoot, 'docs/screenshots');
const NOTES = '/web/examples/course-notes.html';
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const WIDGETS = ['fgsm-explained', 'standard-vs-defended', 'accuracy-vs-eps', 'backdoor',
  'steal'];
const READY_MS = 60000;

let server;
let chromium;
let page;
const consoleErrors = [];

const watch = (p) => collectErrors(p, consoleErrors);

before(async () => {
  server = await serveStatic(repoRoot);
  // Service workers off: they would answer requests the CSP test rewrites.
  chromium = await launchChromium({ viewport: { width: 1000, height: 900 },
    serviceWorkers: 'block' });
  page = watch(await chromium.context.newPage());
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

// ------------------------------------------------------------ helpers

async function allReady(p) {
  await p.waitForFunction(() => [...document.querySelectorAll('advlab-demo')]
    .every((w) => w.dataset.ready === 'true' && w.dataset.live !== 'busy'), null,
  { timeout: READY_MS });
}

async function idle(p, id) {
  await p.waitForFunction((i) => document.getElementById(i).dataset.live === 'idle', id);
}

/** Each model card of a widget: {model, clean, adv, badge, verdict}. */
function cards(p, id) {
  return p.$eval(`#${id}`, (w) => [...w.shadowRoot.querySelectorAll('.model')].map((m) => ({
    model: m.dataset.model, clean: m.dataset.clean, adv: m.dataset.adv,
    badge: m.querySelector('.badge').textContent,
    verdict: m.querySelector('.verdict-text').textContent })));
}

function shadowText(p, id, selector) {
  return p.$eval(`#${id}`, (w, s) => w.shadowRoot.querySelector(s).textContent, selector);
}

// python3's http.server on a free port: a static server with no special headers.
function pythonServer(root) {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1',
    '--directory', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (chunk) => {
      const port = String(chunk).match(/port (\d+)/)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, close: () => child.kill() });
    });
  });
}

// ------------------------------------------------------------ the course notes

test('the course notes render five working widgets', async () => {
  await page.goto(`${server.url}${NOTES}?lang=en`);
  await allReady(page);
  const ids = await page.$$eval('advlab-demo', (ws) => ws.map((w) => w.id));
  assert.deepEqual(ids, WIDGETS);

  // Test image #7 is a 9: FGSM at 0.2 fools the standard model and not the FGSM-trained one.
  const [explained] = await cards(page, 'fgsm-explained');
  assert.equal(explained.clean, '9');
  assert.notEqual(explained.adv, '9');
  assert.equal(explained.badge, 'fooled');
  assert.match(await shadowText(page, 'fgsm-explained', '.digit-note'), /#7, labelled 9/);
  const [standard, defended] = await cards(page, 'standard-vs-defended');
  assert.deepEqual([standard.model, defended.model], ['standard', 'fgsm']);
  assert.deepEqual([standard.clean, standard.badge], ['9', 'fooled']);
  assert.deepEqual([defended.clean, defended.adv, defended.badge], ['9', '9', 'holds']);

  // The curve: one line of 7 points per model, all near 100% at eps 0, the standard model's
  // falling below the adversarially trained ones at 0.3.
  const lines = await page.$eval('#accuracy-vs-eps', (w) => [...w.shadowRoot
    .querySelectorAll('.curve-chart polyline')].map((l) => l.getAttribute('points').split(' ')
    .map((pt) => Number(pt.split(',')[1]))));
  assert.equal(lines.length, 3);
  for (const ys of lines) assert.equal(ys.length, 7);
  const at = await shadowText(page, 'accuracy-vs-eps', '.curve-at');
  const pct = Object.fromEntries([...at.matchAll(/([\w-]+) (\d+)%/g)].map((m) => [m[1], +m[2]]));
  assert.deepEqual(Object.keys(pct), ['standard', 'FGSM-trained', 'PGD-trained'], at);
  assert.ok(pct.standard < pct['FGSM-trained'] && pct.standard < pct['PGD-trained'], at);
  // SVG y grows downwards: the standard line ends lower (larger y) than the others.
  assert.ok(lines[0][6] > lines[1][6] && lines[0][6] > lines[2][6], 'standard ends lowest');
});

test('the backdoor widget: the trigger moves the poisoned model to the next class', async () => {
  const [poisoned, standard] = await cards(page, 'backdoor');
  assert.deepEqual([poisoned.model, standard.model], ['poisoned', 'standard']);
  assert.deepEqual([poisoned.clean, standard.clean], ['9', '9'], 'test image #7, clean');
  await page.$eval('#backdoor', (w) => w.shadowRoot.querySelector('.trigger').click());
  await idle(page, 'backdoor');
  const [triggered, unmoved] = await cards(page, 'backdoor');
  assert.equal(triggered.clean, '0', 'the poisoned model ignored the trigger');
  assert.equal(unmoved.clean, '9', 'the standard model followed the trigger');
  await page.$eval('#backdoor', (w) => w.shadowRoot.querySelector('.trigger').click());
  await idle(page, 'backdoor');
});

test('the steal widget: a theft per budget, counted, as the CLI steals', async () => {
  const native = JSON.parse(execFileSync(process.env.ADVLAB_NATIVE ?? 'build/native/advlab',
    ['extract', '--victim', 'data/weights/standard.safetensors', '--thief', 'mnist',
      '--queries', '1000', '--seed', '1', '--json'], { encoding: 'utf8', cwd: repoRoot }));
  const stolen = page.evaluate(() => new Promise((resolve) => {
    document.getElementById('steal').addEventListener('advlab-steal', (e) => resolve(e.detail),
      { once: true });
  }));
  await page.$eval('#steal', (w) => {
    const budget = w.shadowRoot.querySelector('.steal-budget');
    budget.value = '1000';
    w.shadowRoot.querySelector('.steal-button').click();
  });
  const detail = await stolen;
  assert.deepEqual(detail.points.map((p) => p.queries), [125, 250, 500, 1000]);
  const last = detail.points.at(-1);
  assert.equal(last.thiefAccuracy, native.thief_accuracy);
  assert.equal(last.fidelity, native.fidelity);
  assert.equal(await shadowText(page, 'steal', '.steal-counter'),
    '1000 of 1000 queries · 1875 paid in all');
  assert.match(await shadowText(page, 'steal', '.steal-status'),
    /^Behind "probabilities", 1000 answers from .* buy a thief right on \d+\.\d%/);
  const points = await page.$eval('#steal', (w) => [...w.shadowRoot.querySelectorAll(
    '.steal-chart polyline')].map((p) => p.getAttribute('points').trim().split(/\s+/).length));
  assert.deepEqual(points, [4, 4]);
});

test('an eps attribute change updates the widget', async () => {
  const events = page.evaluate(() => new Promise((resolve) => {
    document.getElementById('fgsm-explained').addEventListener('advlab-attack',
      (e) => resolve(e.detail), { once: true });
  }));
  await page.$eval('#fgsm-explained', (w) => w.setAttribute('eps', '0'));
  const detail = await events;
  await idle(page, 'fgsm-explained');
  assert.equal(detail.eps, 0);
  assert.equal(await shadowText(page, 'fgsm-explained', '.eps-value'), '0.00');
  const [card] = await cards(page, 'fgsm-explained');
  assert.deepEqual([card.clean, card.adv, card.badge], ['9', '9', 'holds']);
  assert.match(await shadowText(page, 'fgsm-explained', '.norms'), /L∞ 0\.000/);

  await page.$eval('#accuracy-vs-eps', (w) => w.setAttribute('eps', '0.3'));
  assert.match(await shadowText(page, 'accuracy-vs-eps', '.curve-at'), /^At ε 0\.30: standard /);

  await page.$eval('#fgsm-explained', (w) => w.setAttribute('eps', '0.9'));
  assert.equal(await shadowText(page, 'fgsm-explained', '.status'),
    'eps="0.9" is not a number from 0 to 0.5.');
  await page.$eval('#fgsm-explained', (w) => w.setAttribute('eps', '0.2'));
  await idle(page, 'fgsm-explained');
  assert.equal((await cards(page, 'fgsm-explained'))[0].badge, 'fooled');
});

test('the defence and adaptive attributes put a pre-processor in front and say how', async () => {
  const id = 'fgsm-explained';
  await page.$eval(`#${id}`, (w) => w.setAttribute('defence', 'jpeg'));
  await idle(page, id);
  assert.equal(await shadowText(page, id, '.defence'),
    'Defence in front of the models: JPEG (quality 50), the attack is made on the bare model.');
  const seen = () => page.$eval(`#${id}`, (w) => Array.from(w.result.models[0].seen));
  const x = await page.$eval(`#${id}`, (w) => Array.from(w.result.x));
  assert.notDeepEqual(await seen(), x, 'the model sees the input through JPEG');
  await page.$eval(`#${id}`, (w) => w.setAttribute('adaptive', ''));
  await idle(page, id);
  assert.match(await shadowText(page, id, '.defence'), /passes through it with BPDA\.$/);
  await page.$eval(`#${id}`, (w) => w.setAttribute('defence', 'sharpen'));
  assert.equal(await shadowText(page, id, '.status'),
    'defence="sharpen" is not one of none, squeeze, median, jpeg.');
  await page.$eval(`#${id}`, (w) => {
    w.removeAttribute('adaptive');
    w.removeAttribute('defence');
  });
  await idle(page, id);
  assert.equal(await page.$eval(`#${id}`, (w) => w.shadowRoot.querySelector('.defence').hidden),
    true);
  assert.deepEqual(await seen(), x);
});

test('the language switch changes the strings, and the screenshots are taken', async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'course-notes-en.png'), fullPage: true });
  await page.click('button[data-lang="ko"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  for (const id of WIDGETS) assert.equal(await page.getAttribute(`#${id}`, 'lang'), 'ko');
  const [card] = await cards(page, 'fgsm-explained');
  assert.equal(card.badge, '속았음');
  assert.match(card.verdict, /^원본 이미지: 9 \(\d+%\)\. 공격 후: \d \(\d+%\)\.$/);
  assert.equal(await shadowText(page, 'fgsm-explained', '.model-name'), '표준 모델');
  assert.match(await shadowText(page, 'fgsm-explained', '.digit-note'), /7번, 정답 9/);
  assert.match(await shadowText(page, 'accuracy-vs-eps', '.curve-at'),
    /^ε \d\.\d\d에서: 표준 \d+%/);
  assert.equal(await page.$eval('#standard-vs-defended', (w) => w.getAttribute('aria-label')),
    'advlab 데모: 적대적 예제');
  assert.match(await page.textContent('h1:not([hidden])'), /적대적 예제/);
  await page.screenshot({ path: join(SCREENSHOTS, 'course-notes-ko.png'), fullPage: true });
  // The reader's own eps survives a change of language.
  await page.$eval('#fgsm-explained', (w) => {
    const range = w.shadowRoot.querySelector('.eps-range');
    range.value = '0.25';
    range.dispatchEvent(new Event('input'));
  });
  await page.click('button[data-lang="en"]');
  assert.equal(await shadowText(page, 'fgsm-explained', '.eps-value'), '0.25');
  await idle(page, 'fgsm-explained');
  assert.equal((await cards(page, 'fgsm-explained'))[0].badge, 'fooled');
});

test('the notes work under a strict Content-Security-Policy', async () => {
  const p = watch(await chromium.context.newPage());
  const violations = [];
  await p.route(/\.html(\?|#|$)/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(),
      'content-security-policy': CSP } });
  });
  await p.exposeFunction('reportViolation', (v) => violations.push(v));
  await p.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`), true));
  await p.goto(`${server.url}${NOTES}?lang=ko`);
  await allReady(p);
  assert.equal((await cards(p, 'standard-vs-defended'))[1].badge, '버텼음');
  assert.deepEqual(violations, []);
  await p.close();
});

test('a widget loads only what it needs: its own models, no MNIST training set', async () => {
  const p = watch(await chromium.context.newPage());
  const fetched = [];
  p.on('request', (r) => fetched.push(new URL(r.url()).pathname.split('/').pop()));
  await p.goto(`${server.url}/web/embed.html#models=pgd&panels=bars&digit=3`);
  await allReady(p);
  const [card] = await cards(p, 'demo');
  assert.equal(card.model, 'pgd');
  assert.equal(card.clean, '0', 'MNIST test image #3 is a 0');
  const data = fetched.filter((f) => /\.(safetensors|gz)$/.test(f)).sort();
  assert.deepEqual(data, ['pgd.safetensors', 't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz']);
  await p.$eval('#demo', (w) => w.setAttribute('models', 'pgd,resnet'));
  await p.waitForFunction(() => document.getElementById('demo').dataset.live === 'idle');
  assert.equal(await shadowText(p, 'demo', '.status'),
    'Something went wrong: model "resnet" is not one of the pretrained models');
  await p.close();
});

test('keyboard alone reaches a prediction', async () => {
  const p = watch(await chromium.context.newPage());
  await p.goto(`${server.url}/web/embed.html#models=standard&panels=bars&digit=0&lang=en`);
  await allReady(p);
  const focused = () => p.evaluate(() => {
    const inner = document.activeElement?.shadowRoot?.activeElement;
    return inner ? inner.className || inner.tagName : document.activeElement?.tagName;
  });
  const seen = [];
  for (let i = 0; i < 12 && (await focused()) !== 'digit'; i++) {
    await p.keyboard.press('Tab');
    seen.push(await focused());
  }
  assert.equal(await focused(), 'digit', `Tab went ${seen.join(' > ')}`);
  await p.keyboard.press('Control+A');
  await p.keyboard.type('1');
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => document.getElementById('demo').shadowRoot
    .querySelector('.digit-note').textContent.includes('#1,'));
  await idle(p, 'demo');
  const [card] = await cards(p, 'demo');
  assert.equal(card.clean, '2', 'MNIST test image #1 is a 2');
  assert.match(await shadowText(p, 'demo', '.announce'), /^Standard model: 2 on the clean image/);
  // On to the next image with the keyboard: Tab to "next", then Space.
  while ((await focused()) !== 'next') await p.keyboard.press('Tab');
  await p.keyboard.press('Space');
  await p.waitForFunction(() => document.getElementById('demo').shadowRoot
    .querySelector('.digit-note').textContent.includes('#2,'));
  await idle(p, 'demo');
  assert.equal((await cards(p, 'demo'))[0].clean, '1', 'MNIST test image #2 is a 1');
  assert.match(p.url(), /digit=2/, 'the hash follows the widget');
  await p.close();
});

test('the train panel adversarially trains a model in the worker and shows it', async () => {
  const progress = [];
  await page.exposeFunction('onTraining', (detail) => progress.push(detail));
  await page.$eval('#standard-vs-defended', (w) => w.addEventListener('advlab-training',
    (e) => window.onTraining(e.detail)));
  await page.$eval('#standard-vs-defended', (w) => w.shadowRoot.querySelector('.train-button')
    .click());
  await page.waitForFunction(() => document.getElementById('standard-vs-defended').shadowRoot
    .querySelector('.train-status').textContent.startsWith('Done.'), null, { timeout: 180000 });
  await idle(page, 'standard-vs-defended');
  const steps = progress.filter((p) => !p.done).map((p) => p.fraction);
  assert.ok(steps.length > 3, `${steps.length} progress events`);
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'progress only goes forward');
  const done = progress.at(-1);
  assert.equal(done.done, true);
  assert.match(done.model, /^widget:\d+$/);
  assert.ok(done.test.clean > 0.8, `clean accuracy ${done.test.clean} after training`);
  const [standard, trained] = await cards(page, 'standard-vs-defended');
  assert.equal(standard.model, 'standard');
  assert.equal(trained.model, done.model);
  assert.match(trained.clean, /^\d$/);
  assert.equal(await page.$eval('#standard-vs-defended', (w) => w.shadowRoot
    .querySelectorAll('.model-name')[1].textContent), 'Trained here: standard + FGSM ε 0.2');
});

// ------------------------------------------------------------ iframes on another origin

test('embed.html in an iframe under a sub-path of a plain static server reports its height',
  async (t) => {
    const site = mkdtempSync(join(tmpdir(), 'advlab-site-'));
    const host = mkdtempSync(join(tmpdir(), 'advlab-host-'));
    mkdirSync(join(site, 'course/week3'), { recursive: true });
    symlinkSync(repoRoot, join(site, 'course/week3/advlab'));
    const python = await pythonServer(site);
    // Access-Control-Allow-Origin: *, as GitHub Pages sends, for the opaque origin's worker.
    const cors = await serveProxy(python.url, { headers: { 'access-control-allow-origin': '*' } });
    const hostServer = await serveStatic(host);
    t.after(async () => {
      python.close();
      await cors.close();
      await hostServer.close();
      rmSync(site, { recursive: true, force: true });
      rmSync(host, { recursive: true, force: true });
    });
    const embed = '/course/week3/advlab/web/embed.html#models=standard,fgsm&panels=bars&digit=7';
    writeFileSync(join(host, 'host.html'), `<!doctype html><link rel="icon" href="data:,"><body>
<iframe id="plain" src="${python.url}${embed}&frame=plain&lang=ko" width="700" height="150">
</iframe>
<iframe id="sandboxed" sandbox="allow-scripts" src="${cors.url}${embed}&frame=sandboxed"
  width="700" height="150"></iframe>
<script>
window.messages = [];
addEventListener('message', (e) => {
  if (e.data?.source !== 'advlab') return;
  messages.push(e.data);
  if (e.data.type === 'resize') document.getElementById(e.data.frame).height = e.data.height;
});
</script></body>`);
    const p = watch(await chromium.context.newPage());
    await p.goto(`${hostServer.url}/host.html`);
    for (const frame of ['plain', 'sandboxed']) {
      await p.waitForFunction((f) => messages.some((m) => m.frame === f && m.type === 'attack'),
        frame, { timeout: READY_MS });
    }
    const messages = await p.evaluate(() => window.messages);
    for (const frame of ['plain', 'sandboxed']) {
      const resizes = messages.filter((m) => m.frame === frame && m.type === 'resize');
      assert.ok(resizes.length > 0, `${frame}: no resize message`);
      const attack = messages.find((m) => m.frame === frame && m.type === 'attack').detail;
      assert.deepEqual(attack.models.map((m) => [m.id, m.clean]), [['standard', 9], ['fgsm', 9]]);
      assert.equal(attack.eps, 0.2);
    }
    // The plain iframe grew to the height it reported, which is its document's height.
    await p.waitForFunction(() => {
      const last = messages.filter((m) => m.frame === 'plain' && m.type === 'resize').at(-1);
      return Number(document.getElementById('plain').height) === last.height;
    });
    const frame = p.frame({ url: /frame=plain/ });
    const inner = await frame.evaluate(() => Math.ceil(document.documentElement
      .getBoundingClientRect().height));
    const reported = Number(await p.getAttribute('#plain', 'height'));
    assert.ok(reported > 300, `reported height ${reported}`);
    assert.equal(reported, inner);
    assert.equal(await frame.$eval('#demo', (w) => w.shadowRoot.querySelector('.model-name')
      .textContent), '표준 모델');
    await p.close();
  });

test('no console errors in the whole run', () => {
  assert.deepEqual(consoleErrors, []);
});
