// The package's declarations as a TypeScript user meets them: `npm pack`, installed offline, and
// a small example compiled by this repository's tsc with --strict, under both resolutions that
// read package.json's `exports` (node16, as Node resolves, and bundler). The example's one wrong
// call must be an error (its @ts-expect-error is an error when unused), so declarations that are
// missing or that degrade to `any` fail here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { repoRoot } from './helpers.mjs';
import { installPacked, pack } from './packed.mjs';

const TSC = join(repoRoot, 'node_modules/typescript/bin/tsc');

const EXAMPLE = `
import { createLab, type Net, type Progress } from 'advlab';
import { AdvlabDemo } from 'advlab/demo';

declare const trainImages: Uint8Array;
declare const trainLabels: Uint8Array;

const lab = await createLab();
const train = lab.loadDataset(trainImages, trainLabels, 'train');
const net: Net = lab.createNet({ arch: 'tutorial', maxBatch: 64, seed: 1n });

const trainer = net.trainer(train, { optimizer: 'sgd', lr: 0.05, epochs: 1, limit: 256 });
const progress: Progress = trainer.run(4);
const done: boolean = trainer.finished || progress.epochDone;
trainer.free();
const last = await net.train(train, { epochs: 1 }, { onEpoch: (p) => console.log(p.loss) });

const x = net.input.slice(0, net.inputSize);
const labels = Int32Array.of(7);
const pgd = lab.createAttack(net, { name: 'pgd', eps: 0.3, epsStep: 0.01, norm: 'inf' });
pgd.setDefence(lab.createPreprocessor({ name: 'squeeze', bit_depth: 1 }), { gradient: 'bpda' });
const xAdv: Float32Array = pgd.run(x, { labels });
const m = lab.attackMetrics(net, x, xAdv, labels, { defence: pgd.defence });
const summary: string = \`\${m.successRate} \${m.meanLinf} \${m.confusion[0]} \${last.accuracy} \${done}\`;

// @ts-expect-error: 'fgsn' is no attack
lab.createAttack(net, { name: 'fgsn', eps: 0.3 });

const report = await lab.experiment(train, train, { epochs: 1 });
report.nets.standard.free();
const widget: HTMLElement = new AdvlabDemo();
console.log(summary, widget.tagName);
`;

let dir;
let project;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'advlab-types-'));
  project = installPacked(dir, pack(dir), { type: 'module' });
  writeFileSync(join(project, 'example.ts'), EXAMPLE);
});

after(() => rmSync(dir, { recursive: true, force: true }));

for (const [module, resolution] of [['node16', 'node16'], ['es2022', 'bundler']]) {
  test(`a strict TypeScript example compiles against the packed package (${resolution})`, () => {
    const args = [TSC, '--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2022,dom',
      '--module', module, '--moduleResolution', resolution, 'example.ts'];
    try {
      execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      assert.fail(`tsc found errors in the example:\n${err.stdout}${err.stderr}`);
    }
  });
}
