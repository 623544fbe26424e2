// The course-notes example's language switch: it shows the notes' text in one language and
// sets the same `lang` on every widget. A first visit follows the browser's language.
import { pickLanguage } from '../i18n/index.js';
import { workOffline } from '../widget/offline.js';

function setLanguage(lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-lang-show]')) {
    el.hidden = el.dataset.langShow !== lang;
  }
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  for (const widget of document.querySelectorAll('advlab-demo')) widget.setAttribute('lang', lang);
}

for (const button of document.querySelectorAll('[data-lang]')) {
  button.addEventListener('click', () => setLanguage(button.dataset.lang));
}
setLanguage(pickLanguage(new URLSearchParams(location.search).get('lang')));
workOffline();
