// One of the exchange stage's two workers (exchange_page.mjs says what is timed). Requests:
// {op: 'link', port} the port to the other worker; {op: 'serve', how, shared} answers the other
// worker's trips until it says stop, then replies {ok}; {op: 'time', how, floats, trips, shared}
// times trips to the other worker and replies {ok, ms}; {op: 'bounce', how, payload} sends the
// payload straight back to the page.
let port = null;
const STOP = -1;

function send(target, payload, how) {
  target.postMessage({ payload }, how === 'transfer' ? [payload.buffer] : []);
}

// The other worker's side of `time`: each payload goes straight back, until a stop.
function serve({ how, shared }) {
  if (how === 'atomics') {
    const flags = new Int32Array(shared); // [0]: the trip asked for (STOP ends), [1]: answered
    for (let trip = 1; ; trip++) {
      while (Atomics.load(flags, 0) === trip - 1) Atomics.wait(flags, 0, trip - 1);
      if (Atomics.load(flags, 0) === STOP) return Promise.resolve();
      Atomics.store(flags, 1, trip);
      Atomics.notify(flags, 1);
    }
  }
  return new Promise((resolve) => {
    port.onmessage = ({ data }) => {
      if (data.stop) resolve();
      else send(port, data.payload, how);
    };
  });
}

async function time({ how, floats, trips, shared }) {
  const warm = Math.ceil(trips / 10);
  if (how === 'atomics') {
    const flags = new Int32Array(shared);
    let start = 0;
    for (let trip = 1; trip <= warm + trips; trip++) {
      if (trip === warm + 1) start = performance.now();
      Atomics.store(flags, 0, trip);
      Atomics.notify(flags, 0);
      while (Atomics.load(flags, 1) !== trip) Atomics.wait(flags, 1, trip - 1);
    }
    const ms = performance.now() - start;
    Atomics.store(flags, 0, STOP);
    Atomics.notify(flags, 0);
    return ms;
  }
  let payload = new Float32Array(floats);
  const one = () => new Promise((resolve) => {
    port.onmessage = ({ data }) => resolve(data.payload);
    send(port, payload, how);
  });
  for (let i = 0; i < warm; i++) payload = await one();
  const start = performance.now();
  for (let i = 0; i < trips; i++) payload = await one();
  const ms = performance.now() - start;
  port.postMessage({ stop: true });
  return ms;
}

onmessage = async ({ data }) => {
  try {
    if (data.op === 'link') port = data.port;
    else if (data.op === 'bounce') send(self, data.payload, data.how);
    else if (data.op === 'serve') {
      await serve(data);
      postMessage({ ok: true });
    } else if (data.op === 'time') postMessage({ ok: true, ms: await time(data) });
  } catch (error) {
    postMessage({ ok: false, error: error.message });
  }
};
