// tools/serve.mjs, the static server of the lab, the browser tests and the bench: what it serves,
// what it refuses, and the headers each option adds.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { serveStatic, STRICT_CSP } from '../../tools/serve.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const servers = {};

before(async () => {
  servers.plain = await serveStatic(root);
  servers.isolated = await serveStatic(root, 0, { isolated: true });
  servers.csp = await serveStatic(root, 0, { csp: STRICT_CSP });
});

after(() => Promise.all(Object.values(servers).map((server) => server.close())));

test('a file under the root is served with its type and no isolation by default', async () => {
  const res = await fetch(`${servers.plain.url}/web/index.html`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('cross-origin-opener-policy'), null);
  assert.equal(res.headers.get('cross-origin-embedder-policy'), null);
  assert.equal(res.headers.get('content-security-policy'), null);
});

test('isolated: every file carries the headers that make a page cross-origin isolated', async () => {
  for (const path of ['/bench/browser/exchange.html', '/bench/browser/exchange_worker.mjs']) {
    const res = await fetch(`${servers.isolated.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin', path);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp', path);
  }
});

test('csp: every file carries the policy', async () => {
  const res = await fetch(`${servers.csp.url}/web/advlab.js`);
  assert.equal(res.headers.get('content-security-policy'), STRICT_CSP);
});

test('dotfiles, paths outside the root, bad escapes and other methods are refused', async () => {
  const { url } = servers.plain;
  for (const path of ['/.git/HEAD', '/web/../../etc/passwd', '/%2e%2e/etc/passwd', '/%E0%A4%A',
    '/web/no-such-file.js']) {
    assert.equal((await fetch(`${url}${path}`)).status, 404, path);
  }
  const post = await fetch(`${url}/web/index.html`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});
