// Digits, perturbation heatmaps and probability bars.

/** Draws 784 values in [0,1] (ink = 1) as dark ink on white into a 28x28 canvas. */
export function drawDigit(canvas, x) {
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * (1 - x[i]));
    image.data.set([v, v, v, 255], 4 * i);
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
}

/** A figure of one digit (784 values in [0,1]) drawn 28x28, with a caption under it. */
export function digitFigure(x, caption) {
  const figure = document.createElement('figure');
  const canvas = document.createElement('canvas');
  canvas.width = 28;
  canvas.height = 28;
  drawDigit(canvas, x);
  const label = document.createElement('figcaption');
  label.textContent = caption;
  figure.append(canvas, label);
  return figure;
}

// Diverging colours: blue where the attack removed ink, white for no change, red where it added.
const ADDED = [178, 24, 43];
const REMOVED = [33, 102, 172];

/**
 * Draws xAdv - x as a diverging heatmap, magnified so the largest change is full colour.
 * @returns {number} the magnification (1 when nothing changed)
 */
export function drawPerturbation(canvas, x, xAdv) {
  let largest = 0;
  for (let i = 0; i < 784; i++) largest = Math.max(largest, Math.abs(xAdv[i] - x[i]));
  const gain = largest > 0 ? 1 / largest : 1;
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const t = (xAdv[i] - x[i]) * gain;
    const end = t > 0 ? ADDED : REMOVED;
    const a = Math.abs(t);
    image.data.set([0, 1, 2].map((c) => Math.round(255 + (end[c] - 255) * a)).concat(255), 4 * i);
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
  return gain;
}

/** Builds the 10 rows of bars once; returns update(clean, adv) for new probabilities. */
export function probabilityBars(container) {
  const rows = [];
  for (let k = 0; k < 10; k++) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.innerHTML = `<span class="bar-digit">${k}</span><span class="bar-track">` +
      '<i class="bar-clean"></i><i class="bar-adv"></i></span><span class="bar-pct"></span>';
    container.append(row);
    rows.push({
      row, clean: row.querySelector('.bar-clean'), adv: row.querySelector('.bar-adv'),
      pct: row.querySelector('.bar-pct'),
    });
  }
  return (clean, adv) => {
    const topClean = argmax(clean);
    const topAdv = argmax(adv);
    rows.forEach((r, k) => {
      r.clean.style.width = `${(100 * clean[k]).toFixed(1)}%`;
      r.adv.style.width = `${(100 * adv[k]).toFixed(1)}%`;
      r.pct.textContent = `${(100 * adv[k]).toFixed(0)}%`;
      r.row.classList.toggle('top-clean', k === topClean);
      r.row.classList.toggle('top-adv', k === topAdv);
    });
  };
}

export function argmax(p) {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}
