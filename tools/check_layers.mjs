#!/usr/bin/env node
// The layer check (issue 12): every `#include` under src/ and every module reference under web/
// may reach only its own layer and those below it, and no files and no folders form a circle.
//
//   node tools/check_layers.mjs [root]     (root: the repository, by default this script's)
//
// Prints one summary line and exits 0, or lists each problem as file:line and exits 1.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- The layers. A layer may reach the layers it lists, everything those reach, and itself.
// A new folder fails the check until it has a line here, so each family is placed on purpose.

// C: each folder under src/ is a layer. "advlab.h" (include/) is the public header, usable by all.
const C_LAYERS = {
  base: [],
  kernels: ['base'],
  nn: ['kernels'],
  defences: ['nn'],
  attacks: ['defences'],
  train: ['attacks'],
  certify: ['train'], // IBP training is a trainer hook (issue 17)
  detectors: ['train'],
  poison: ['train'], // the poisoning family: PGD for clean labels, beside the detectors
  extract: ['train'], // model extraction: the victim behind its post-processor, FGSM transfer
  infer: ['train'], // membership inference (an attack net through the trainer), model inversion
  lab: ['detectors', 'poison', 'certify', 'extract', 'infer'],
  // The faces: none reaches another, except that the CLI uses the native file readers.
  native: ['lab'],
  wasm: ['lab'],
  cli: ['lab', 'native'],
};

// JS: the layers under web/ (web/gen/ is emcc's output and is not read).
const WEB_LAYERS = {
  gen: [],
  library: ['gen'], // advlab.js, the npm package's module: nothing of ours but the wasm build
  i18n: [],
  ui: ['i18n'],
  engine: ['library'], // the worker, which owns the engine
  // The page and the widget reach the engine only by messages: `new Worker(new URL(...))` and
  // serviceWorker.register(...) start another context, so they are not imports.
  lab: ['ui'],
  widget: ['ui'],
  demo: ['widget'], // advlab-demo.js defines <advlab-demo>
  top: ['engine', 'lab', 'widget', 'demo'], // pages and entry scripts
};

// Where each path under web/ sits: a file, or a folder (ending in /); the longest match wins.
// '*' is any other file at web/'s root: the pages' entry scripts and the service worker.
const WEB_PLACES = {
  'gen/': 'gen',
  'advlab.js': 'library',
  'i18n/': 'i18n',
  'ui/': 'ui',
  'engine/': 'engine',
  'lab/': 'lab',
  'widget/': 'widget',
  'advlab-demo.js': 'demo',
  'examples/': 'top',
  '*': 'top',
};

// ---- Reading the sources.

const root = process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url));
const problems = [];
let publicIncludes = 0;

function walk(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path, keep);
    return keep(path) ? [path] : [];
  });
}

const repoPath = (path) => relative(root, path).split('\\').join('/');

// Blanks out comments, keeping newlines so that offsets and line numbers hold. Strings, template
// literals and (in JS) regex literals are copied whole, so a quote or `//` inside one is no
// comment.
function stripComments(text, js) {
  let out = '';
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  const copyQuoted = (quote) => {
    let j = i + 1;
    let depth = 0; // inside ${ } of a template literal
    while (j < text.length) {
      const c = text[j];
      if (c === '\\') j += 2;
      else if (depth > 0) {
        if (c === '{') depth++;
        else if (c === '}') depth--;
        j++;
      } else if (c === quote || (quote !== '`' && c === '\n')) break;
      else if (quote === '`' && c === '$' && text[j + 1] === '{') {
        depth = 1;
        j += 2;
      } else if (quote === '/' && c === '[') {
        j = text.indexOf(']', j + 1);
        if (j < 0) j = text.length;
        j++;
      } else j++;
    }
    out += text.slice(i, j + 1);
    i = j + 1;
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'" || (js && c === '`')) {
      copyQuoted(c);
    } else if (js && c === '/' && regexMayStart(out.trimEnd().slice(-7))) {
      copyQuoted('/');
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// A `/` starts a regex literal where an expression may start: after an operator or a keyword.
function regexMayStart(tail) {
  return tail === '' || /[(,=:[!&|?{};+\-*%<>~^]$|\b(?:return|typeof)$/.test(tail);
}

function lineAt(text, offset) {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// A file's references are edges {from, line, spec, to}; from and to are repository paths.
// An include names a path from src/ ("base/error.h"); one in <> that names a file of src/ counts
// too, so that the brackets cannot hide it.
function cIncludes(path) {
  const text = stripComments(readFileSync(path, 'utf8'), false);
  const from = repoPath(path);
  const edges = [];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*include[ \t]*(?:"([^"]+)"|<([^>]+)>)/gm)) {
    const spec = m[1] ?? m[2];
    const line = lineAt(text, m.index);
    if (m[2] !== undefined && !existsSync(join(root, 'src', spec))) continue; // a system header
    if (spec === 'advlab.h') {
      publicIncludes++; // include/advlab.h, usable by every layer
      continue;
    }
    if (!existsSync(join(root, 'src', spec))) {
      problems.push(`${from}:${line} includes "${spec}", which is no file under src/ ` +
        '(includes are paths from src/, such as "base/error.h")');
      continue;
    }
    edges.push({ from, line, spec, to: `src/${spec}` });
  }
  return edges;
}

// Static imports and re-exports, import('...'), and new URL('....js', import.meta.url). A URL
// handed to new Worker(...), new SharedWorker(...), new ChildWorker(...) (web/engine/children.js:
// a worker the page starts for the engine's) or serviceWorker.register(...), directly or
// through a constant, starts another context that is reached by messages: a boundary, not an edge.
function webReferences(path) {
  const text = stripComments(readFileSync(path, 'utf8'), true);
  const from = repoPath(path);
  const start = String.raw`(?:new\s+(?:Shared|Child)?Worker|serviceWorker\s*\??\.\s*register)\s*\(\s*`;
  const starts = new RegExp(`${start}$`);
  const startNames = new Set([...text.matchAll(new RegExp(`${start}([\\w$]+)`, 'g'))]
    .map((m) => m[1]));
  const found = [];
  const patterns = [
    /^[ \t]*(?:import|export)\b\s*(?:[\w$*{}\s,]*?\bfrom\s*)?(['"])([^'"\n]+)\1/gm,
    /\bimport\s*\(\s*(['"`])([^'"`$\n]+)\1\s*\)/g,
    /\bnew\s+URL\s*\(\s*(['"`])([^'"`$\n]+\.m?js)\1\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) {
      const spec = m[2];
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue; // node:, packages
      const before = text.slice(0, m.index);
      const constant = before.match(/\b(?:const|let|var)\s+([\w$]+)\s*=\s*$/);
      const boundary = m[0].startsWith('new') &&
        (starts.test(before) || (constant && startNames.has(constant[1])));
      found.push({ from, line: lineAt(text, m.index), spec, boundary,
        to: posix.normalize(posix.join(posix.dirname(from), spec)) });
    }
  }
  const edges = [];
  let boundaries = 0;
  for (const edge of found) {
    if (edge.boundary) boundaries++;
    else if (!edge.to.startsWith('web/')) {
      problems.push(`${from}:${edge.line} imports ${edge.spec}, outside web/: web/ is shipped ` +
        'on its own and may not reach the rest of the repository');
    } else if (!edge.to.startsWith('web/gen/') && !existsSync(join(root, edge.to))) {
      problems.push(`${from}:${edge.line} imports ${edge.spec}, which does not exist`);
    } else edges.push(edge);
  }
  return { edges, boundaries };
}

// ---- Placing files in layers. A place is the folder (or single file) of the table that holds a
// file; the folder-level circle check runs over places.

const cPlace = (path) => {
  const [, folder, rest] = path.split('/');
  if (rest === undefined) return { error: `${path} is at src/'s root; put it in a layer folder` };
  if (!(folder in C_LAYERS)) return { error: `src/${folder}/ is in no layer; add it to the table` };
  return { place: `src/${folder}/`, layer: folder };
};

const webPlace = (path) => {
  const inner = path.slice('web/'.length);
  const keys = Object.keys(WEB_PLACES)
    .filter((k) => k === inner || (k.endsWith('/') && inner.startsWith(k)))
    .sort((a, b) => b.length - a.length);
  const key = keys[0] ?? (inner.includes('/') ? null : '*');
  if (key === null) {
    return { error: `web/${inner.slice(0, inner.indexOf('/'))}/ is in no layer; ` +
      'add it to the table' };
  }
  return { place: key === '*' ? 'web/' : `web/${key}`, layer: WEB_PLACES[key] };
};

// The layers each layer reaches, itself included; a circle in the table itself is a problem.
function closure(layers, name) {
  const reach = {};
  const visit = (layer, trail) => {
    if (reach[layer]) return reach[layer];
    if (!(layer in layers)) throw new Error(`${name}: ${trail.at(-1)} lists ${layer}, no layer`);
    if (trail.includes(layer)) {
      throw new Error(`${name} has a circle: ${[...trail, layer].join(' -> ')}`);
    }
    const set = new Set([layer]);
    for (const below of layers[layer]) for (const l of visit(below, [...trail, layer])) set.add(l);
    return (reach[layer] = set);
  };
  for (const layer of Object.keys(layers)) visit(layer, []);
  return reach;
}

function checkLayers(edges, place, reach, verb) {
  for (const edge of edges) {
    const a = place(edge.from);
    const b = place(edge.to);
    if (a.error || b.error) continue; // reported once per file below
    if (reach[a.layer].has(b.layer)) continue;
    const why = reach[b.layer].has(a.layer) ? 'a higher layer' : 'a layer beside it';
    problems.push(`${edge.from}:${edge.line} ${verb} ${edge.spec}: ${a.layer} may not reach ` +
      `${b.layer} (${why})`);
  }
}

// Circles: Tarjan's strongly connected components; each one is reported as one closed path.
function checkCircles(edges, nodeOf, what, verb) {
  const next = new Map();
  for (const edge of edges) {
    const [a, b] = [nodeOf(edge.from), nodeOf(edge.to)];
    if (a === null || b === null || a === b) continue;
    if (!next.has(a)) next.set(a, new Map());
    if (!next.get(a).has(b)) next.get(a).set(b, edge);
  }
  const index = new Map();
  const low = new Map();
  const stack = [];
  const components = [];
  const connect = (v) => {
    index.set(v, index.size);
    low.set(v, index.get(v));
    stack.push(v);
    for (const w of next.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do component.push((w = stack.pop())); while (w !== v);
      if (component.length > 1) components.push(new Set(component));
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) connect(v);
  for (const component of components) {
    // The shortest way from the component's first node back to it, inside the component.
    const start = [...component].sort()[0];
    const via = new Map([[start, null]]);
    const queue = [start];
    let closing = null;
    while (queue.length && !closing) {
      const v = queue.shift();
      for (const [w, edge] of next.get(v) ?? []) {
        if (!component.has(w)) continue;
        if (w === start) {
          closing = edge;
          break;
        }
        if (!via.has(w)) {
          via.set(w, edge);
          queue.push(w);
        }
      }
    }
    const path = [closing];
    for (let e = via.get(nodeOf(closing.from)); e; e = via.get(nodeOf(e.from))) path.unshift(e);
    const places = [...path.map((e) => nodeOf(e.from)), start].join(' -> ');
    problems.push(`${what} circle${what === 'folder' ? ` ${places}` : ''}: ` +
      path.map((e) => `${e.from}:${e.line} ${verb} ${e.spec}`).join(', '));
  }
}

// ---- The check.

const cFiles = walk(join(root, 'src'), (p) => /\.[ch]$/.test(p)).map(repoPath).sort();
const webFiles = walk(join(root, 'web'), (p) => /\.m?js$/.test(p)).map(repoPath)
  .filter((p) => !p.startsWith('web/gen/')).sort();

let cReach;
let webReach;
try {
  cReach = closure(C_LAYERS, 'C_LAYERS');
  webReach = closure(WEB_LAYERS, 'WEB_LAYERS');
  for (const layer of Object.values(WEB_PLACES)) {
    if (!(layer in WEB_LAYERS)) throw new Error(`WEB_PLACES names ${layer}, no layer`);
  }
} catch (error) {
  console.error(`check_layers: the table is wrong: ${error.message}`);
  process.exit(1);
}

for (const path of cFiles) if (cPlace(path).error) problems.push(cPlace(path).error);
for (const path of webFiles) if (webPlace(path).error) problems.push(webPlace(path).error);
const unplaced = problems.length > 0;

const cEdges = cFiles.flatMap((p) => cIncludes(join(root, p)));
const web = webFiles.map((p) => webReferences(join(root, p)));
const webEdges = web.flatMap((w) => w.edges);
const boundaries = web.reduce((sum, w) => sum + w.boundaries, 0);

checkLayers(cEdges, cPlace, cReach, 'includes');
checkLayers(webEdges, webPlace, webReach, 'imports');
checkCircles(cEdges, (p) => p, 'include', 'includes');
checkCircles(webEdges, (p) => p, 'import', 'imports');
checkCircles(cEdges, (p) => cPlace(p).place ?? null, 'folder', 'includes');
checkCircles(webEdges, (p) => webPlace(p).place ?? null, 'folder', 'imports');

if (problems.length) {
  console.error(`check_layers: ${problems.length} problem${problems.length > 1 ? 's' : ''}`);
  for (const problem of problems) console.error(`  ${problem}`);
  if (unplaced) console.error('  (the tables are at the top of tools/check_layers.mjs)');
  process.exit(1);
}
console.log(`check_layers: ${cFiles.length} C files, ${cEdges.length} includes ` +
  `(and ${publicIncludes} of advlab.h); ` +
  `${webFiles.length} JS files, ${webEdges.length} imports, ${boundaries} worker boundaries; ` +
  'every reference points down, no circles');
