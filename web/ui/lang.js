// The lab page's language: which one (the URL's ?lang=, else the one chosen before, else the
// browser's), its strings (web/i18n/, the same files as the widget's, under the "lab." prefix),
// and a live switch. Static text is marked in the HTML with data-i18n="key" (the element's text)
// and data-i18n-attr="attribute:key; ..." (its attributes). Text the page sets at run time goes
// through say(), which remembers the key and values so that a switch can say it again.
import { LANGUAGES, pickLanguage, translator } from '../i18n/index.js';

const STORAGE_KEY = 'advlab.lang';

let lang = 'en';
let t = translator(lang);
const spoken = new Map(); // element -> the message it shows
const listeners = [];

/**
 * A message: a key and its values. A value may itself be a message, or a function that formats
 * it (number(), percent(), clock()), so that a switch says it again wholly in the new language.
 */
export function message(key, values = {}) {
  return { key, values };
}

function resolve(value) {
  if (typeof value === 'function') return value();
  return value?.key ? text(value.key, value.values) : value;
}

/** The text of a key and values in the current language. */
export function text(key, values = {}) {
  return t(key, Object.fromEntries(Object.entries(values).map(([name, v]) => [name, resolve(v)])));
}

/** Shows a message in el now and after each switch; a null key empties el. */
export function say(el, key, values = {}) {
  if (key === null) {
    spoken.delete(el);
    el.textContent = '';
    return;
  }
  spoken.set(el, message(key, values));
  el.textContent = text(key, values);
}

/** Shows text that is the same in every language (a number, an engine's message) in el. */
export function show(el, value) {
  spoken.delete(el);
  el.textContent = value;
}

// Numbers and times in the language's locale, with ASCII digits whatever the locale prefers.
const locale = () => `${lang}-u-nu-latn`;

/** value with `digits` decimals, in the current locale. */
export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
}

/** p in [0, 1] as a percentage with `digits` decimals, in the current locale. */
export function formatPercent(p, digits = 0) {
  return new Intl.NumberFormat(locale(), {
    style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(p);
}

// Values for messages, formatted when said, so in the language of the moment.
export const number = (value, digits = 0) => () => formatNumber(value, digits);
export const percent = (p, digits = 0) => () => formatPercent(p, digits);
export const clock = (ms) => () => new Date(ms).toLocaleTimeString(locale(),
  { hour: '2-digit', minute: '2-digit' });

/** fn(lang) runs after each switch, for what say() cannot redo (chart labels, tables). */
export function onLanguage(fn) {
  listeners.push(fn);
}

function translateStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':').map((s) => s.trim());
      el.setAttribute(attribute, t(key));
    }
  }
}

function storedLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (an opaque origin, a sandboxed frame)
  }
}

// Remembers the choice, and writes it into the URL so that a copied link opens in it.
function remember(code) {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Not remembered across visits: the URL still carries it.
  }
  try {
    const url = new URL(location.href);
    url.searchParams.set('lang', code);
    history.replaceState(history.state, '', url);
  } catch {
    // An opaque origin (a sandboxed frame) may not rewrite its URL: storage or not, it switched.
  }
}

/** Switches every string on the page to language `code`. */
export function setLanguage(code, { store = true } = {}) {
  lang = Object.hasOwn(LANGUAGES, code) ? code : 'en';
  t = translator(lang);
  document.documentElement.lang = lang;
  translateStatic(document);
  for (const [el, { key, values }] of spoken) el.textContent = text(key, values);
  if (store) remember(lang);
  for (const fn of listeners) fn(lang);
}

/**
 * Picks the page's language and fills the switch (a <select>) with every language, each named in
 * itself. Returns the language chosen.
 */
export function startLanguage(select) {
  const requested = new URL(location.href).searchParams.get('lang') ?? storedLanguage();
  const code = pickLanguage(requested);
  select.replaceChildren(...Object.entries(LANGUAGES).map(([value, table]) =>
    new Option(table.langName, value)));
  select.value = code;
  select.addEventListener('change', () => setLanguage(select.value));
  setLanguage(code, { store: false });
  return code;
}
