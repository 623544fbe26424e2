// The lab page's strings (keys "lab." in web/i18n/*.js; embed-strings.test.mjs checks that every
// language has every key): every key the page uses exists, every lab key is used, and the English
// text written in index.html (what shows before the script runs) is the English string.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import en from '../../web/i18n/en.js';
import { repoRoot } from '../node/helpers.mjs';

const read = (path) => readFileSync(join(repoRoot, path), 'utf8');
const html = read('web/index.html');
const scripts = ['web/lab', 'web/ui'].flatMap((dir) => readdirSync(join(repoRoot, dir))
  .filter((f) => f.endsWith('.js')).map((f) => `${dir}/${f}`))
  .map((path) => ({ path, source: read(path) }));
const labKeys = Object.keys(en).filter((key) => key.startsWith('lab.'));

// data-i18n="key" on an element whose content is text only: [key, text].
const textKeys = [...html.matchAll(/data-i18n="([^"]+)"[^>]*>([^<]*)</g)]
  .map(([, key, text]) => [key, text]);
// data-i18n-attr="attribute: key; ..." and the tag it sits in.
const attrKeys = [...html.matchAll(/<[^>]*data-i18n-attr="([^"]+)"[^>]*>/g)].flatMap(
  ([tag, pairs]) => pairs.split(';').map((pair) => {
    const [attribute, key] = pair.split(':').map((s) => s.trim());
    return { tag, attribute, key };
  }));
// Every quoted 'lab.something' in the page's scripts.
const scriptKeys = scripts.flatMap(({ path, source }) =>
  [...source.matchAll(/['"`](lab\.[\w.]+)['"`]/g)].map(([, key]) => ({ path, key })));

// Every key the scripts build from a template, `lab.study.${id}.title`, as a pattern in which
// each placeholder stands for one word of the key.
const templateKeys = scripts.flatMap(({ path, source }) =>
  [...source.matchAll(/`(lab\.[\w.]*\$\{[^`]*)`/g)].map(([, template]) => ({ path, template,
    pattern: new RegExp(`^${template.split(/\$\{[^}]*\}/)
      .map((part) => part.replaceAll('.', '\\.')).join('\\w+')}$`) })));

const squash = (text) => text.replace(/\s+/g, ' ').trim();

test('the page marks its static text, and every key it marks exists', () => {
  assert.ok(textKeys.length >= 60, `only ${textKeys.length} data-i18n elements in index.html`);
  assert.ok(attrKeys.length >= 8, `only ${attrKeys.length} data-i18n-attr attributes`);
  for (const [key] of textKeys) assert.ok(Object.hasOwn(en, key), `index.html: no string ${key}`);
  for (const { key } of attrKeys) assert.ok(Object.hasOwn(en, key), `index.html: no string ${key}`);
});

test('every key the scripts say exists', () => {
  assert.ok(scriptKeys.length >= 60, `only ${scriptKeys.length} keys in the page's scripts`);
  for (const { path, key } of scriptKeys) assert.ok(Object.hasOwn(en, key), `${path}: no ${key}`);
});

test('every key template the scripts build from names some keys', () => {
  for (const { path, template, pattern } of templateKeys) {
    assert.ok(labKeys.some((key) => pattern.test(key)), `${path}: no key fits ${template}`);
  }
});

test('every lab key is used by the page', () => {
  const used = new Set([...textKeys.map(([key]) => key), ...attrKeys.map(({ key }) => key),
    ...scriptKeys.map(({ key }) => key)]);
  const built = (key) => templateKeys.some(({ pattern }) => pattern.test(key));
  assert.deepEqual(labKeys.filter((key) => !used.has(key) && !built(key)), []);
});

test("index.html's English text is the English string, so the page reads the same before and " +
  'after its script runs', () => {
  for (const [key, text] of textKeys) {
    // The model card's template leaves these to the script, which knows the slot.
    if (text.trim()) assert.equal(squash(text), en[key], `index.html text of ${key}`);
  }
  for (const { tag, attribute, key } of attrKeys) {
    const value = tag.match(new RegExp(`\\s${attribute}="([^"]*)"`))?.[1];
    if (value !== undefined) assert.equal(value, en[key], `index.html ${attribute} of ${key}`);
  }
});

test("the pretrained models' English names are the manifest's labels", () => {
  const { models } = JSON.parse(read('data/weights/manifest.json'));
  for (const { id, label } of models) assert.equal(en[`lab.modelName.${id}`], label, id);
});
