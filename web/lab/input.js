// The input panel's tools: undo and clear, the brush, a random MNIST test digit, an uploaded
// picture.
import { say } from '../ui/lang.js';
import { pad } from './analysis.js';
import { call } from './engine.js';
import { $ } from './state.js';
import { failed, setStatus } from './status.js';

$('#undo').addEventListener('click', () => pad.undo());
$('#clear').addEventListener('click', () => {
  pad.clear();
  say($('#digit-note'), 'lab.drawDigit');
});
$('#brush').addEventListener('input', (e) => { pad.brush = Number(e.target.value); });

/** Puts a test digit ({x, index, label}) on the pad and says which. */
export function showDigit(digit) {
  pad.showDigit(digit.x);
  say($('#digit-note'), 'lab.digitNote', { index: digit.index, label: digit.label });
}

$('#random').addEventListener('click', () => {
  call('digit', { index: Math.floor(Math.random() * 10000) }).then(showDigit)
    .catch((e) => setStatus('lab.failed', failed(e), true));
});

$('#upload').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    pad.showPicture(bitmap);
    bitmap.close();
    say($('#digit-note'), 'lab.uploaded', { name: file.name });
  } catch {
    setStatus('lab.notImage', { name: file.name }, true);
  }
});
