// The page starts the workers that the engine's worker asks for (its evaluation and training
// pools), and hands the engine's worker a MessagePort to each: {op: 'spawn', spawn, url, name}
// from the worker starts one, {op: 'unspawn', spawn} stops it; the page answers {op: 'spawned',
// spawn, port}, or {op: 'spawnError', spawn, error} when the child failed to start or raised an
// error. The child gets the other end of the port as its first message, {childPort}.
//
// Why not nested workers (a worker's own `new Worker`): in Firefox, while a debugger listens for
// workers (DevTools open, or WebDriver BiDi driving it), a worker that starts another blocks until
// the page's thread has registered the new one, and under load that wait sometimes never ends
// (the lab's worker then falls silent and is given up). A worker the page starts never blocks
// its parent, and needs no nested-worker support either.

/**
 * The children of one engine worker.
 * @param {() => Worker | null} parent the engine's worker of the moment
 */
export function childrenOf(parent) {
  const children = new Map(); // spawn id -> Worker

  function start({ spawn, url, name }) {
    const say = (message, transfer = []) => parent()?.postMessage(message, transfer);
    let child;
    try {
      child = new Worker(url, { type: 'module', name });
    } catch (error) {
      say({ op: 'spawnError', spawn, error: error.message });
      return;
    }
    child.onerror = (event) => {
      event.preventDefault();
      say({ op: 'spawnError', spawn, error: event.message || 'it failed to start' });
    };
    const { port1, port2 } = new MessageChannel();
    child.postMessage({ childPort: port2 }, [port2]);
    children.set(spawn, child);
    say({ op: 'spawned', spawn, port: port1 }, [port1]);
  }

  function stop(spawn) {
    children.get(spawn)?.terminate();
    children.delete(spawn);
  }

  return {
    /** Handles the worker's message when it is about children; says whether it was. */
    handle(data) {
      if (data.op === 'spawn') start(data);
      else if (data.op === 'unspawn') stop(data.spawn);
      else return false;
      return true;
    },
    /** Stops every child (their parent died, or was replaced). */
    stopAll() {
      for (const spawn of [...children.keys()]) stop(spawn);
    },
  };
}
