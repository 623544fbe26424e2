// The npm package: `npm pack` of the repository (after the WASM build) holds the ES module, the
// wasm, the widget and its CSS, the strings, the weights and the MNIST test set, and nothing of
// the C sources or tests. Installed offline into a temporary folder, `import { createLab } from
// 'advlab'` finds its wasm from node_modules and classifies MNIST test digits exactly as the
// module in this checkout does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { createLab } from '../../web/advlab.js';
import { repoRoot } from './helpers.mjs';
import { installPacked, pack } from './packed.mjs';

const IMAGES = 100;
let dir;
let packed;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'advlab-pack-'));
  packed = pack(dir);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('npm pack holds the module, wasm, widget, CSS, strings, weights and NOTICE', () => {
  const files = new Set(packed.files.map((f) => f.path));
  for (const path of ['package.json', 'LICENSE', 'web/advlab.js', 'web/gen/advlab_core.mjs',
    'web/gen/advlab_core.wasm', 'web/engine/worker.js', 'web/advlab-demo.js', 'web/embed.html',
    'web/widget/element.js', 'web/widget/widget.css', 'web/index.html', 'web/lab/app.js',
    'web/i18n/en.js', 'web/i18n/ko.js', 'web/ui/render.js', 'data/weights/manifest.json', 'data/weights/standard.safetensors',
    'data/weights/fgsm.safetensors', 'data/weights/pgd.safetensors',
    'data/mnist/t10k-images-idx3-ubyte.gz', 'docs/embedding.md', 'NOTICE', 'web/ui/lang.js',
    'types/advlab.d.ts', 'types/advlab-demo.d.ts', 'types/widget/element.d.ts']) {
    assert.ok(files.has(path), `the package lacks ${path}`);
  }
  const stray = [...files].filter((p) => /^(src|tests|include|bench|\.ci)\/|\.c$|\.h$/.test(p) ||
    p.includes('train-images'));
  assert.deepEqual(stray, [], 'sources, tests or the MNIST training set in the package');
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(manifest.license, 'MIT');
  assert.ok(manifest.engines?.node, 'package.json sets engines.node');
  assert.equal(manifest.exports['.'].default, './web/advlab.js');
  // What the lead reports: the packed and unpacked size.
  console.log(`# npm pack: ${packed.filename}, ${packed.size} bytes packed, ` +
    `${packed.unpackedSize} unpacked, ${packed.entryCount} files`);
});

// Every relative file that a packaged script names (import, import(), new URL(...,
// import.meta.url)) or a packaged page loads (src, href) is packaged too, so the widget and the
// lab page work from the package.
test('every file a packaged script or page refers to is in the package', () => {
  const files = new Set(packed.files.map((f) => f.path));
  const references = {
    '.js': /(?:from\s+|import\(\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]*[^/'"])['"]/g,
    '.html': /(?:src|href)=["']((?:\.{1,2}\/)?[\w./-]+\.\w+)["']/g,
  };
  const missing = [];
  for (const path of files) {
    const reference = references[path.slice(path.lastIndexOf('.'))];
    if (!reference || !path.startsWith('web/')) continue;
    const source = readFileSync(join(repoRoot, path), 'utf8');
    for (const [, relative] of source.matchAll(reference)) {
      const target = normalize(join(dirname(path), relative));
      if (!files.has(target)) missing.push(`${path} -> ${target}`);
    }
  }
  assert.deepEqual(missing, [], 'packaged scripts refer to files the package lacks');
});

test("installed offline, import { createLab } from 'advlab' classifies MNIST as this checkout does",
  async () => {
    const project = installPacked(dir, packed);
    writeFileSync(join(project, 'predict.mjs'), `
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createLab } from 'advlab';
const file = (name) => readFileSync(new URL(name, import.meta.resolve('advlab/package.json')));
const lab = await createLab();
const net = lab.netFromWeights(readFileSync(new URL(import.meta.resolve(
  'advlab/weights/standard.safetensors'))), 'standard', ${IMAGES});
const pixels = gunzipSync(file('data/mnist/t10k-images-idx3-ubyte.gz')).subarray(16);
net.input.set(Float32Array.from(pixels.subarray(0, ${IMAGES} * 784), (v) => v / 255));
net.predict(${IMAGES});
const predictions = [];
for (let i = 0; i < ${IMAGES}; i++) {
  const p = net.probs.subarray(i * 10, i * 10 + 10);
  predictions.push(p.indexOf(Math.max(...p)));
}
console.log(JSON.stringify({ version: lab.version, predictions }));
`);
    const out = JSON.parse(execFileSync('node', ['predict.mjs'], { cwd: project,
      encoding: 'utf8' }));

    const lab = await createLab();
    const weights = readFileSync(join(repoRoot, 'data/weights/standard.safetensors'));
    const net = lab.netFromWeights(weights, 'standard', IMAGES);
    const images = gunzipSync(readFileSync(join(repoRoot, 'data/mnist/t10k-images-idx3-ubyte.gz')));
    const labels = gunzipSync(readFileSync(join(repoRoot, 'data/mnist/t10k-labels-idx1-ubyte.gz')));
    net.input.set(Float32Array.from(images.subarray(16, 16 + IMAGES * 784), (v) => v / 255));
    net.predict(IMAGES);
    const here = Array.from({ length: IMAGES }, (_, i) => {
      const p = net.probs.subarray(i * 10, i * 10 + 10);
      return p.indexOf(Math.max(...p));
    });
    net.free();
    assert.equal(out.version, lab.version);
    assert.deepEqual(out.predictions, here, 'the installed package predicts otherwise');
    const correct = here.filter((k, i) => k === labels[8 + i]).length;
    assert.ok(correct >= 0.95 * IMAGES, `only ${correct} of ${IMAGES} right`);
  });
