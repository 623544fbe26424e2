// Live analysis: the pad and the attack controls, both models' answers on the cards. One request
// in flight, coalesced to animation frames (ui/live.js); body[data-live] is 'idle' once the latest
// input and models have been answered.
import { formatNumber, formatPercent, message, number, say, show } from '../ui/lang.js';
import { LiveRequests } from '../ui/live.js';
import { Pad } from '../ui/pad.js';
import { argmax, drawDigit, drawPerturbation } from '../ui/render.js';
import { cards } from './cards.js';
import { showCertificate } from './certificate.js';
import { call } from './engine.js';
import { $, SLOTS, state } from './state.js';
import { failed, setStatus } from './status.js';

export const pad = new Pad($('#pad'), () => live.request());

function attackControls() {
  return {
    attack: { name: $('#attack').value, eps: Number($('#eps').value) },
    target: Number($('#target').value),
    mode: $('#mode').value,
    pre: $('#pre').value,
    gradient: $('#gradient').value,
    detect: $('#detect').checked,
    proof: $('#proof').value,
    // The Poison panel's: its trigger on the input, and STRIP's verdict on it.
    ...state.poisonInput,
  };
}

export const live = new LiveRequests(document.body, async () => {
  const ink = pad.ink();
  const controls = attackControls();
  try {
    const transfer = [(ink.alpha ?? ink.x).buffer];
    showAnalysis(await call('analyze', { ...ink, ...controls }, { transfer }), controls);
  } catch (error) {
    // After a crash, the recovery asks again once a new worker is ready.
    if (!error.crashed) setStatus('lab.failed', failed(error), true);
  }
}, () => state.ready);

export function showAnalysis(result, controls) {
  state.last = result;
  state.lastControls = controls;
  drawDigit($('#seen'), result.x);
  for (const slot of SLOTS) showSide(slot, result[slot], result.x, controls);
  showStrip(result.strip);
  if (!state.firstAnswerMs) {
    state.firstAnswerMs = performance.now();
    setStatus('lab.ready', { seconds: number(state.firstAnswerMs / 1000, 2) });
    document.body.dataset.ready = 'true';
  }
}

function showSide(slot, side, x, { target, pre }) {
  const { root, bars } = cards[slot];
  const clean = argmax(side.clean);
  const adv = argmax(side.adv);
  // For tests and the curious: the answers, also as data attributes.
  root.dataset.clean = clean;
  root.dataset.adv = adv;
  root.dataset.probs = Array.from(side.clean).join(' ');
  drawDigit($('.img-input', root), side.seen);
  drawDigit($('.img-adv', root), side.xAdv);
  const gain = drawPerturbation($('.img-delta', root), x, side.xAdv);
  show($('.gain', root), side.norms.linf > 0 ? `×${formatNumber(gain, 1)}` : '');
  const { linf, l2, l0 } = side.norms;
  say($('.norms', root), side.queries ? 'lab.normsQueries' : 'lab.norms', { linf: number(linf, 3),
    l2: number(l2, 2), l0: number(l0), used: number(side.queries?.used ?? 0),
    budget: number(side.queries?.budget ?? 0) });
  bars(side.clean, side.adv);
  $('.clean-class', root).textContent = clean;
  show($('.clean-p', root), formatPercent(side.clean[clean]));
  $('.adv-class', root).textContent = adv;
  show($('.adv-p', root), formatPercent(side.adv[adv]));
  // ART's success: a targeted attack reaches its target, an untargeted one changes the answer.
  const success = target >= 0 ? adv === target : adv !== clean;
  const outcome = success ? (target >= 0 ? 'lab.reached' : 'lab.flipped') : 'lab.holds';
  badge($('.outcome', root), !success, outcome, { target });
  const detector = $('.detector', root);
  detector.hidden = !side.flagged;
  if (side.flagged) {
    badge(detector, side.flagged.adv, 'lab.detectorSays',
      { verdict: message(side.flagged.adv ? 'lab.adversarial' : 'lab.clean') });
  }
  showCertificate(root, side);
  if (slot === 'defended') {
    say($('.input-caption', root),
      pre === 'none' ? 'lab.caption.input' : 'lab.caption.preprocessed');
  }
}

// STRIP's verdict on the input (the Poison panel's line), when it was asked for.
function showStrip(verdict) {
  const line = $('#strip-verdict');
  if (!verdict) {
    show(line, '');
    return;
  }
  say(line, verdict.flagged ? 'lab.poison.stripFlagged' : 'lab.poison.stripClean',
    { entropy: number(verdict.entropy, 3), threshold: number(verdict.threshold, 3) });
  line.classList.toggle('is-error', verdict.flagged);
}

function badge(el, good, key, values) {
  say(el, key, values);
  el.classList.toggle('good', good);
  el.classList.toggle('bad', !good);
}

export function syncAttackControls() {
  const name = $('#attack').value;
  const bounded = ['fgsm', 'bim', 'pgd', 'apgd', 'apgd-t', 'fab', 'square'].includes(name);
  $('#eps').disabled = !bounded;
  if (bounded) show($('#eps-value'), formatNumber(Number($('#eps').value), 2));
  else say($('#eps-value'), 'lab.minimal');
  $('#target').disabled = ['deepfool', 'newtonfool', 'apgd-t', 'fab', 'square'].includes(name);
  if ($('#target').disabled) $('#target').value = '-1';
  const transfer = $('#mode').value === 'transfer';
  $('#gradient').disabled = transfer || $('#pre').value === 'none';
}

for (const id of ['attack', 'eps', 'target', 'mode', 'pre', 'gradient', 'detect', 'proof']) {
  $(`#${id}`).addEventListener('input', () => {
    syncAttackControls();
    live.request();
  });
}
