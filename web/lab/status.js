// The page's status line and its notice of what happened to the engine.
import { say } from '../ui/lang.js';
import { $ } from './state.js';

export function setStatus(key, values, isError = false) {
  const status = $('#status');
  say(status, key, values);
  status.classList.toggle('is-error', isError);
}

/** An error whose message is the engine's (or the worker's): its words as they are, framed. */
export const failed = (error) => ({ message: error.message });

/**
 * What happened to the engine (a worker restarted, a run resumed), in its own live region so that
 * the status line's later news does not hide it. A null key hides it.
 */
export function setNotice(key, values) {
  say($('#notice-text'), key, values);
  $('#notice').hidden = key === null;
}
$('#notice-close').addEventListener('click', () => setNotice(null));
