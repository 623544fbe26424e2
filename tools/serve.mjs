// Serves the repository root on 127.0.0.1 so the lab page can fetch its
// module, the WASM core, MNIST and the pretrained weights:
//
//   node tools/serve.mjs [--port 8000] [--csp]
//   -> advlab lab: http://127.0.0.1:8000/web/index.html
//
// A static server and nothing more: GET and HEAD only, no directory listings,
// no dotfiles (.git), and nothing outside the root, symlinks included. The
// browser tests use serveStatic on port 0 (any free port). --csp (or
// serveStatic's csp option) sends the strict Content-Security-Policy the page
// is tested under (docs/security.md).
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const PAGE = '/web/index.html';

/** The page's own origin for everything, and WebAssembly compilation; nothing inline. */
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  // The page inflates MNIST itself (DecompressionStream), so no Content-Encoding.
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/** The file under root that a URL path names, or null when it names none we serve. */
function resolveFile(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const parts = path.split('/');
  if (path.includes('\0') || parts.some((p) => p.startsWith('.'))) return null;
  try {
    const real = realpathSync(join(root, ...parts));
    return real.startsWith(root + sep) && statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

// What cross-origin isolation takes: a page served with these may share memory with its workers
// (SharedArrayBuffer). The lab needs none of it; the bench's exchange stage compares both.
const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

function handle(root, { csp, isolated }, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const { pathname } = new URL(req.url, 'http://x');
  if (pathname === '/') {
    res.writeHead(302, { location: PAGE }).end();
    return;
  }
  const file = resolveFile(root, pathname);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(csp ? { 'content-security-policy': csp } : {}),
    ...(isolated ? ISOLATION : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/**
 * Serves the files under `root` on 127.0.0.1.
 * @param {string} root a directory
 * @param {number} [port] 0 picks a free port
 * @param {object} [options]
 * @param {string} [options.csp] a Content-Security-Policy sent with every file (STRICT_CSP)
 * @param {boolean} [options.isolated] also the headers that make a page cross-origin isolated
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>}>} url has no
 *   trailing slash; rejects when the port cannot be bound
 */
export function serveStatic(root, port = 0, { csp, isolated = false } = {}) {
  const realRoot = realpathSync(resolve(root));
  const server = createServer((req, res) => handle(realRoot, { csp, isolated }, req, res));
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, HOST, () => {
      const bound = server.address().port;
      done({
        url: `http://${HOST}:${bound}`,
        port: bound,
        // A browser may hold a connection open for minutes; closing ends them too.
        close: () => new Promise((closed) => {
          server.close(() => closed());
          server.closeAllConnections();
        }),
      });
    });
  });
}

function parseArgs(argv) {
  const args = argv.filter((a) => a !== '--csp');
  const csp = args.length < argv.length ? STRICT_CSP : undefined;
  if (args.length === 0) return { port: 8000, csp };
  const port = Number(args[1]);
  if (args.length !== 2 || args[0] !== '--port' || !/^[0-9]{1,5}$/.test(args[1]) || port > 65535) {
    const got = argv.join(' ');
    throw new Error(`usage: node tools/serve.mjs [--port 0..65535] [--csp] (got "${got}")`);
  }
  return { port, csp };
}

async function main() {
  let port;
  let csp;
  try {
    ({ port, csp } = parseArgs(process.argv.slice(2)));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    const { url } = await serveStatic(root, port, { csp });
    console.log(`advlab lab: ${url}${PAGE}`);
  } catch (err) {
    console.error(`advlab lab: cannot serve on ${HOST}:${port}: ${err.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main();
}
