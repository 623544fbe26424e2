// The widget's strings: every key in every language, no Korean string left as a copy of the
// English one, each written in Hangul, and the same {placeholders} on both sides.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import en from '../../web/i18n/en.js';
import ko from '../../web/i18n/ko.js';
import { LANGUAGES, pickLanguage, translator } from '../../web/i18n/index.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every language has exactly the English keys', () => {
  assert.deepEqual(Object.keys(LANGUAGES).sort(), ['en', 'ko']);
  for (const [lang, table] of Object.entries(LANGUAGES)) {
    assert.deepEqual(Object.keys(table).sort(), Object.keys(en).sort(), `${lang} keys`);
  }
});

test('the Korean strings are translations: Hangul, not copies, same placeholders', () => {
  const hangul = /[\uac00-\ud7a3]/;
  for (const key of Object.keys(en)) {
    assert.equal(typeof ko[key], 'string', key);
    assert.notEqual(ko[key], en[key], `ko.${key} is the English string`);
    assert.match(ko[key], hangul, `ko.${key} has no Hangul: "${ko[key]}"`);
    assert.deepEqual(placeholders(ko[key]), placeholders(en[key]), `ko.${key} placeholders`);
  }
});

test('translator fills placeholders and leaves unknown ones as written', () => {
  const t = translator('ko');
  assert.equal(t('digitNote', { index: 7, label: 9 }), 'MNIST 테스트 이미지 7번, 정답 9.');
  assert.equal(translator('en')('digitNote', { index: 7 }),
    'MNIST test image #7, labelled {label}.');
  assert.equal(translator('xx')('clear'), 'Clear', 'an unknown language falls back to English');
});

test('pickLanguage takes the attribute first, then the browser, then English', () => {
  assert.equal(pickLanguage('ko-KR'), 'ko');
  assert.equal(pickLanguage('EN'), 'en');
  const expected = pickLanguage(null);
  assert.ok(['en', 'ko'].includes(expected));
  assert.equal(pickLanguage('fr'), expected, 'an unsupported attribute falls through');
});
