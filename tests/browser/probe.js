// Put first into every page the cross-engine tests open (serveProbed in serve.mjs), so that a
// test reads the same record in Chromium, Firefox and WebKit: uncaught errors, console.error
// calls and CSP violations, and the files the page offered to download (their blobs are kept
// and nothing is saved, since each engine's download machinery differs).
// A page opened with ?without=Name (repeatable) loses that global before its own scripts run, as
// in a browser that lacks it.
'use strict';
for (const name of new URLSearchParams(location.search).getAll('without')) delete window[name];
window.probe = { errors: [], violations: [], downloads: [] };

addEventListener('error', (e) => probe.errors.push(`${e.message} at ${e.filename}:${e.lineno}`));
addEventListener('unhandledrejection', (e) => probe.errors.push(`unhandled: ${e.reason}`));
{
  const consoleError = console.error.bind(console);
  console.error = (...args) => {
    probe.errors.push(args.map(String).join(' '));
    consoleError(...args);
  };
}
document.addEventListener('securitypolicyviolation', (e) => probe.violations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`));

{
  const blobs = new Map();
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (object) => {
    const url = createObjectURL(object);
    blobs.set(url, object);
    return url;
  };
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function clickOrKeep() {
    if (!this.download || !blobs.has(this.href)) return click.call(this);
    probe.downloads.push({ name: this.download, blob: blobs.get(this.href) });
  };
}
