// The layer check (tools/check_layers.mjs): it passes on this tree, and on a copy of src/ and web/
// with one planted fault it fails, naming the file, the line and the layers or the circle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync }
  from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';

import { repoRoot } from './helpers.mjs';

const script = join(repoRoot, 'tools/check_layers.mjs');
const copies = [];

after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function check(root) {
  const run = spawnSync(process.execPath, [script, ...(root ? [root] : [])], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

// A copy of src/ and web/ (without web/gen/) with `plant` applied: {path: text appended}, or
// {path: (text) => new text}.
function checkPlanted(plant) {
  const root = mkdtempSync(join(tmpdir(), 'advlab-layers-'));
  copies.push(root);
  cpSync(join(repoRoot, 'src'), join(root, 'src'), { recursive: true });
  cpSync(join(repoRoot, 'web'), join(root, 'web'), {
    recursive: true, filter: (path) => !path.startsWith(join(repoRoot, 'web/gen')),
  });
  for (const [path, change] of Object.entries(plant)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    if (typeof change === 'function') writeFileSync(file, change(readFileSync(file, 'utf8')));
    else appendFileSync(file, change);
  }
  return check(root);
}

const source = (file) => readFileSync(join(repoRoot, file), 'utf8').split('\n');
/** The line number a line appended to `file` gets. */
const appended = (file) => source(file).length;
/** The number of the first line of `file` that holds `text`. */
const lineOf = (file, text) => source(file).findIndex((l) => l.includes(text)) + 1;

function has(out, ...texts) {
  for (const text of texts) assert.ok(out.includes(text), `no "${text}" in:\n${out}`);
}

test('the tree passes, and the summary counts what was read', () => {
  const { status, out } = check();
  assert.equal(status, 0, out);
  const m = out.match(/(\d+) C files, (\d+) includes .*; (\d+) JS files, (\d+) imports/);
  assert.ok(m, out);
  for (const count of m.slice(1)) assert.ok(Number(count) > 10, out);
  console.log(out.trim());
});

test('an unmodified copy passes, so the faults below are what fails', () => {
  const { status, out } = checkPlanted({});
  assert.equal(status, 0, out);
});

test('an upward include fails, naming the file, its line and both layers', () => {
  const line = appended('src/base/rng.c');
  const { status, out } = checkPlanted({ 'src/base/rng.c': '#include "nn/net.h"\n' });
  assert.equal(status, 1, out);
  has(out, `src/base/rng.c:${line} includes nn/net.h: base may not reach nn (a higher layer)`,
    // nn already includes base, so the same include closes a circle of folders.
    `folder circle src/base/ -> src/nn/ -> src/base/: src/base/rng.c:${line} includes nn/net.h`,
    'check_layers: 2 problems');
});

test('an include between two faces fails as a layer beside it, in <> as in ""', () => {
  const line = appended('src/wasm/wasm_api.c');
  const { status, out } = checkPlanted({ 'src/wasm/wasm_api.c': '#include <cli/cli.h>\n' });
  assert.equal(status, 1, out);
  has(out, `src/wasm/wasm_api.c:${line} includes cli/cli.h: wasm may not reach cli ` +
    '(a layer beside it)');
});

test('an include circle inside one folder fails and names every step', () => {
  // nn/net.h includes nn/arch.h; arch.h including net.h closes the circle.
  const line = appended('src/nn/arch.h');
  const { status, out } = checkPlanted({ 'src/nn/arch.h': '#include "nn/net.h"\n' });
  assert.equal(status, 1, out);
  has(out, `include circle: src/nn/arch.h:${line} includes nn/net.h, ` +
    `src/nn/net.h:${lineOf('src/nn/net.h', '"nn/arch.h"')} includes nn/arch.h`);
});

test('a folder circle fails even when no file circle and no upward reach makes it', () => {
  // web/examples/ and the pages at web/'s root share the top layer, so only the folder check
  // sees this.
  const { status, out } = checkPlanted({
    'web/examples/a.js': "import { B } from '../b.js';\n",
    'web/b.js': 'export const B = 1;\n',
    'web/c.js': "import './examples/a.js';\n",
  });
  assert.equal(status, 1, out);
  has(out, 'folder circle web/ -> web/examples/ -> web/: ' +
    'web/c.js:1 imports ./examples/a.js, web/examples/a.js:1 imports ../b.js',
  'check_layers: 1 problem\n');
});

test('a JS import up or across the layers fails; a worker started by URL does not', () => {
  const { status, out } = checkPlanted({
    'web/ui/chart.js': "import '../widget/settings.js';\n",
    'web/engine/state.js': 'export const state = {};\n',
    'web/lab/planted.js': [
      "import { state } from '../engine/state.js';",
      "export const worker = new Worker(new URL('../engine/state.js', import.meta.url));",
      "const URL_OF_WORKER = new URL('../engine/state.js', import.meta.url).href;",
      "export const other = new Worker(URL_OF_WORKER, { type: 'module' });",
      '// import { x } from "../engine/state.js";  (a comment is no import)',
      'export { state };', '',
    ].join('\n'),
  });
  assert.equal(status, 1, out);
  has(out, `web/ui/chart.js:${appended('web/ui/chart.js')} imports ../widget/settings.js: ` +
    'ui may not reach widget (a higher layer)',
  'folder circle web/ui/ -> web/widget/ -> web/ui/',
  'web/lab/planted.js:1 imports ../engine/state.js: lab may not reach engine (a layer beside it)',
  // The two Workers and the comment are not imports.
  'check_layers: 3 problems');
});

test('a folder in no layer fails loudly', () => {
  const { status, out } = checkPlanted({
    'src/mystery/label_flip.c': '#include "base/error.h"\n',
    'web/extra/x.js': 'export const x = 1;\n',
  });
  assert.equal(status, 1, out);
  has(out, 'src/mystery/ is in no layer; add it to the table',
    'web/extra/ is in no layer; add it to the table');
});

test('an include that is not a path from src/ fails', () => {
  const { status, out } = checkPlanted({ 'src/nn/optim.c': '#include "net.h"\n' });
  assert.equal(status, 1, out);
  has(out, `src/nn/optim.c:${appended('src/nn/optim.c')} includes "net.h", which is no file ` +
    'under src/');
});
