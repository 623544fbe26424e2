// ESLint (flat config): the recommended rules over every script of ours, each with the globals of
// the place it runs in. `npm run lint` runs it; .ci/test fails on an error.
import js from '@eslint/js';
import globals from 'globals';

// Scripts that run in a Web Worker (and nowhere else).
const WORKERS = ['web/engine/**', 'tests/browser/worker.mjs', 'bench/browser/worker.mjs'];

export default [
  {
    ignores: ['build/', 'web/gen/', 'bench/gen/', 'bench/node_modules/', 'bench/out/', 'tests/out/',
      'tests/browser/out/'],
  },
  js.configs.recommended,
  // Lines as wide as the C code's (.clang-format); long strings and URLs may run past.
  {
    rules: {
      'max-len': ['error', {
        code: 100, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true,
        ignoreRegExpLiterals: true,
      }],
    },
  },
  // Node: the tools, tests, benchmarks and dev servers (*.mjs), and this file.
  {
    files: ['**/*.mjs', 'eslint.config.js'],
    ignores: WORKERS,
    languageOptions: { globals: globals.node },
  },
  // The page, the widget and the examples.
  {
    files: ['web/**/*.js'],
    ignores: [...WORKERS, 'web/sw.js', 'web/advlab.js'],
    languageOptions: { globals: globals.browser },
  },
  { files: WORKERS, languageOptions: { globals: globals.worker } },
  // The library runs in a Worker and in Node; it tests for the two Node globals it uses.
  {
    files: ['web/advlab.js'],
    languageOptions: {
      globals: { ...globals.worker, process: 'readonly', setImmediate: 'readonly' },
    },
  },
  // A classic script the cross-engine tests put first into every page (tests/browser/serve.mjs).
  {
    files: ['tests/browser/probe.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, probe: 'writable' } },
  },
  // A classic (not module) service worker script.
  {
    files: ['web/sw.js'],
    languageOptions: { sourceType: 'script', globals: globals.serviceworker },
  },
  // Browser tests and benchmarks drive Chromium from Node; the callbacks they hand to
  // page.evaluate() run in the page, where the probe (tests/browser/probe.js) may be.
  {
    files: ['tests/browser/**/*.mjs', 'bench/**/*.mjs'],
    ignores: WORKERS,
    languageOptions: { globals: { ...globals.node, ...globals.browser, probe: 'readonly' } },
  },
];
