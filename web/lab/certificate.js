// The certificate line of a model card (issue 17): what the proof says of the live input, and a
// small scale of eps from 0 to 0.5 with what is proved (green, up to eps*) beside where the live
// attack succeeded (red), so the gap between the two is in view. The worker proves and attacks
// (web/engine/certificates.js, analyze.js).
import { number, say } from '../ui/lang.js';
import { $ } from './state.js';

const SVG = 'http://www.w3.org/2000/svg';
const EPS_MAX = 0.5;
const [W, BAR_Y, BAR_H] = [300, 8, 10];
const PROOF_NAMES = { ibp: 'IBP', crown: 'CROWN' };

function shape(svg, name, attributes) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  svg.append(el);
  return el;
}

// The scale: proved [0, eps*] in green, unknown in grey, broken from the attack's eps in red,
// with where the attack first succeeds marked, and the eps asked about as a dark tick. Ticks at
// 0, 0.1, ..., 0.5.
function drawGap(svg, proved, broken, eps) {
  svg.replaceChildren();
  const x = (eps) => (Math.min(eps, EPS_MAX) / EPS_MAX) * W;
  shape(svg, 'rect', { class: 'gap-unknown', x: 0, y: BAR_Y, width: W, height: BAR_H });
  if (proved > 0) {
    shape(svg, 'rect', { class: 'gap-proved', x: 0, y: BAR_Y, width: x(proved), height: BAR_H });
  }
  if (broken !== null) {
    shape(svg, 'rect', { class: 'gap-broken', x: x(broken), y: BAR_Y, width: W - x(broken),
      height: BAR_H });
    shape(svg, 'line', { class: 'gap-mark', x1: x(broken), x2: x(broken), y1: BAR_Y - 4,
      y2: BAR_Y + BAR_H + 4 });
  }
  shape(svg, 'line', { class: 'gap-eps', x1: x(eps), x2: x(eps), y1: BAR_Y - 2,
    y2: BAR_Y + BAR_H + 2 });
  for (let i = 0; i <= 5; i++) {
    const tick = shape(svg, 'text', { class: 'tick', x: Math.min(W - 8, Math.max(8, x(i / 10))),
      y: 32, 'text-anchor': 'middle' });
    tick.textContent = (i / 10).toFixed(1);
  }
}

/** Shows side.proof and side.breaks (the analysis's) on the card `root`; none: hides it. */
export function showCertificate(root, side) {
  const box = $('.certificate', root);
  box.hidden = !side.proof;
  if (!side.proof) return;
  const { method, eps, certified, radius, label, sigma } = side.proof;
  const line = $('.certificate-line', root);
  const svg = $('.gap-chart', root);
  line.classList.toggle('proved', certified);
  if (method === 'smoothing') {
    svg.hidden = true;
    $('.gap-caption', root).hidden = true;
    Object.assign(box.dataset, { proved: '', broken: '' });
    if (radius > 0) {
      say(line, 'lab.cert.smoothed', { sigma: number(sigma, 2), label, radius: number(radius, 3) });
    } else say(line, 'lab.cert.abstains', { sigma: number(sigma, 2) });
    return;
  }
  svg.hidden = false;
  const values = { method: PROOF_NAMES[method], eps: number(eps, 2), radius: number(radius, 3),
    label };
  if (radius <= 0) say(line, 'lab.cert.nothing', values);
  else say(line, certified ? 'lab.cert.proved' : 'lab.cert.notAtEps', values);
  const broken = side.breaks ?? null;
  drawGap(svg, Math.max(0, radius), broken, eps);
  const caption = $('.gap-caption', root);
  caption.hidden = false;
  if (broken === null) say(caption, 'lab.cert.unbroken', { proved: number(Math.max(0, radius), 3) });
  else {
    say(caption, 'lab.cert.gap', { proved: number(Math.max(0, radius), 3),
      broken: number(broken, 3) });
  }
  // For tests and the curious: the two ends of the gap.
  Object.assign(box.dataset, { proved: radius, broken: broken ?? '' });
}
