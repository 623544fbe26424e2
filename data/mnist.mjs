// Reads the MNIST IDX files that `sh data/get-mnist.sh` puts in data/mnist,
// for Node code (tests, benchmarks). The page fetches the .gz copies itself.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const mnistDir = fileURLToPath(new URL('./mnist', import.meta.url));

// One IDX file, uncompressed or as .gz.
function readIdx(name) {
  const path = join(mnistDir, name);
  if (existsSync(path)) return readFileSync(path);
  if (existsSync(`${path}.gz`)) return gunzipSync(readFileSync(`${path}.gz`));
  throw new Error(`${path} is missing: run 'sh data/get-mnist.sh' first`);
}

/**
 * The raw IDX bytes of an MNIST split.
 * @param {'train'|'test'} split
 * @returns {{images: Buffer, labels: Buffer, name: string}}
 */
export function readMnist(split) {
  const prefix = split === 'train' ? 'train' : 't10k';
  const name = `${prefix}-images-idx3-ubyte`;
  return { images: readIdx(name), labels: readIdx(`${prefix}-labels-idx1-ubyte`), name };
}
