// The browser tests' static server is the lab's own (tools/serve.mjs):
// serveStatic(root, 0, {csp}) serves root on 127.0.0.1 at a free port.
// serveProxy puts a proxy in front of one, to add headers or refuse requests, and serveProbed one
// that puts tests/browser/probe.js first into every page.
import { createServer, get } from 'node:http';

export { serveStatic, STRICT_CSP } from '../../tools/serve.mjs';

// Listens on 127.0.0.1 at a free port with `handle`, which answers each request.
function listen(handle) {
  const server = createServer(handle);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((done) => {
      server.close(done);
      server.closeAllConnections();
    }),
  })));
}

/**
 * A proxy on 127.0.0.1 (a free port) in front of `origin`.
 * @param {string} origin e.g. http://127.0.0.1:8000
 * @param {{headers?: object, refuse?: (url: string) => boolean}} [options] headers added to every
 *   answer; requests for which refuse(url) is true are answered 503
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export function serveProxy(origin, { headers = {}, refuse = () => false } = {}) {
  return listen((req, res) => {
    if (refuse(req.url)) {
      res.writeHead(503).end();
      return;
    }
    get(`${origin}${req.url}`, (up) => {
      res.writeHead(up.statusCode, { ...up.headers, ...headers });
      up.pipe(res);
    }).on('error', () => res.writeHead(502).end());
  });
}

const PROBE = '<script src="/tests/browser/probe.js"></script>';

/**
 * A proxy on 127.0.0.1 (a free port) in front of `origin` that puts tests/browser/probe.js into
 * every HTML page, right after its <meta charset> (an external script: a strict CSP allows it).
 * @param {string} origin a serveStatic of the repository
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export function serveProbed(origin) {
  return listen((req, res) => {
    get(`${origin}${req.url}`, (up) => {
      if (!/^text\/html/.test(up.headers['content-type'] ?? '')) {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
        return;
      }
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        const html = Buffer.concat(chunks).toString('utf8');
        const probed = html.replace(/<meta charset="utf-8">/i, (meta) => `${meta}${PROBE}`);
        const headers = { ...up.headers };
        delete headers['content-length']; // the page grew
        res.writeHead(up.statusCode, headers).end(probed);
      });
    }).on('error', () => res.writeHead(502).end());
  });
}
