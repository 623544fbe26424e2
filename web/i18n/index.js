// The languages of the widget and the lab page: one file of strings each. A third language is
// one more file and one more line here.
import en from './en.js';
import ko from './ko.js';

export const LANGUAGES = { en, ko };

/** The first supported language among `requested` (a lang attribute) and the browser's. */
export function pickLanguage(requested) {
  const wanted = [requested, ...(globalThis.navigator?.languages ?? []),
    globalThis.navigator?.language];
  for (const tag of wanted) {
    const base = String(tag ?? '').toLowerCase().split('-')[0];
    if (Object.hasOwn(LANGUAGES, base)) return base;
  }
  return 'en';
}

/** t(key, values): the string for key in lang, with each {name} replaced by values[name]. */
export function translator(lang) {
  const table = LANGUAGES[lang] ?? LANGUAGES.en;
  return (key, values = {}) => {
    const text = table[key] ?? LANGUAGES.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  };
}
