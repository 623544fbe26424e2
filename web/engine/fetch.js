// Fetching for the worker: whole files, gzip files inflated by the browser, and the head of one.
// URLs are resolved against this module, not the worker's base URL: a widget in a sandboxed
// iframe runs the worker by import() from a data: URL worker (see web/widget/engine.js).

export const WEIGHTS = new URL('../../data/weights/', import.meta.url).href;
export const MNIST = new URL('../../data/mnist/', import.meta.url).href;
/** Fashion-MNIST (Debian's dataset-fashion-mnist, copied by data/get-mnist.sh): a thief's data. */
export const FASHION = new URL('../../data/fashion-mnist/', import.meta.url).href;

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

export async function fetchBytes(url) {
  return new Uint8Array(await (await fetchOk(url)).arrayBuffer());
}

export async function fetchJson(url) {
  return JSON.parse(new TextDecoder().decode(await fetchBytes(url)));
}

/** A gzip file inflated by the browser; onBytes(loaded, total) as its compressed bytes arrive. */
export async function fetchGzip(url, onBytes) {
  const response = await fetchOk(url);
  const total = Number(response.headers.get('content-length')) || 0;
  let loaded = 0;
  const counter = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      onBytes(loaded, total);
      controller.enqueue(chunk);
    },
  });
  const inflated = response.body.pipeThrough(counter).pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

/** The first n inflated bytes of a gzip file, reading no further. */
export async function gzipHead(url, n) {
  const reader = (await fetchOk(url)).body.pipeThrough(new DecompressionStream('gzip')).getReader();
  const head = new Uint8Array(n);
  for (let got = 0; got < n;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${url}: ends after ${got} bytes, expected at least ${n}`);
    head.set(value.subarray(0, n - got), got);
    got += Math.min(value.length, n - got);
  }
  reader.cancel();
  return head;
}
