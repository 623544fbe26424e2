// The browser tests' static server is the lab's own (web/serve.mjs):
// serveStatic(root, 0, {csp}) serves root on 127.0.0.1 at a free port.
export { serveStatic, STRICT_CSP } from '../../web/serve.mjs';
