// embed.html: one <advlab-demo> whose attributes come from the URL's hash, so copying the URL
// copies the widget's state. For the parent page it posts
//   {source: 'advlab', type: 'resize', height, frame}
// whenever its height changes, and {source: 'advlab', type, frame, detail} for the widget's
// events (type: 'ready', 'prediction', 'attack', 'training', 'change'), where frame is the
// hash's `frame` value (null without one), to tell several iframes apart.
import { workOffline } from './offline.js';
import { ATTRIBUTES, FLAGS } from './settings.js';

const EVENTS = ['ready', 'prediction', 'attack', 'training', 'change'];

const widget = document.getElementById('demo');
let params = readHash();
let lastHeight = 0;

function readHash() {
  return new URLSearchParams(location.hash.slice(1));
}

function isOn(value) {
  return value !== '0' && value !== 'false';
}

function applyHash() {
  for (const name of ATTRIBUTES) {
    const value = params.get(name);
    if (value === null || (FLAGS.includes(name) && !isOn(value))) widget.removeAttribute(name);
    else widget.setAttribute(name, FLAGS.includes(name) ? '' : value);
  }
  if (params.has('lang')) document.documentElement.lang = params.get('lang');
}

function tellParent(message) {
  if (window.parent !== window) {
    window.parent.postMessage({ source: 'advlab', frame: params.get('frame'), ...message }, '*');
  }
}

function reportHeight() {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === lastHeight) return;
  lastHeight = height;
  tellParent({ type: 'resize', height });
}

// The reader's changes go into the hash (without a history entry), so the URL stays a preset.
widget.addEventListener('advlab-change', ({ detail }) => {
  params.set('attack', detail.attack);
  params.set('eps', String(detail.eps));
  if (detail.digit !== null) params.set('digit', String(detail.digit));
  try {
    history.replaceState(null, '', `#${params}`);
  } catch {
    // An opaque origin (a sandboxed iframe) may not rewrite its URL; the widget works on.
  }
});

for (const type of EVENTS) {
  widget.addEventListener(`advlab-${type}`, ({ detail }) => tellParent({ type, detail }));
}

window.addEventListener('hashchange', () => {
  params = readHash();
  applyHash();
});

applyHash();
document.getElementById('fallback').remove();
new ResizeObserver(reportHeight).observe(document.documentElement);
// Defined after the attributes are set, so the widget starts with them and loads only what
// they name.
await import('./element.js');
workOffline();
