// The npm package as its users get it: `npm pack` of this checkout (after the WASM build), and an
// offline install of the tarball into a new project. Used by pack.test.mjs and types.test.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from './helpers.mjs';

/** Runs npm with args in cwd; returns its stdout. */
export function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Packs the repository into dir.
 * @returns {{filename: string, files: {path: string}[], size: number}} npm pack's report
 */
export function pack(dir) {
  return JSON.parse(npm(['pack', '--json', '--pack-destination', dir], repoRoot))[0];
}

/**
 * Installs the tarball that pack(dir) made, offline, into a new project dir/project whose
 * package.json also has the fields of `manifest`.
 * @returns {string} the project's path
 */
export function installPacked(dir, packed, manifest = {}) {
  const project = join(dir, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'),
    `${JSON.stringify({ name: 'uses-advlab', private: true, ...manifest })}\n`);
  npm(['install', '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)], project);
  return project;
}
