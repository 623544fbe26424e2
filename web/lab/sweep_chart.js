// A sweep's chart, drawn as SVG from the points of the C's results: over one setting, each
// measurement's mean over the seeds as a line with a bar of ± one standard deviation at each value;
// over two, a heat map of one measurement's mean, a cell per pair of values. Only the elements the
// PNG export paints are used (line, polyline, rect, circle, text), and every word comes from the
// caller, in the page's language.
import { element } from '../ui/chart.js';

const W = 360;
const PAD = { left: 42, right: 10, top: 26, bottom: 32 };
export const COLORS = ['#2563eb', '#d97706', '#16a34a', '#dc2626', '#7c3aed', '#0891b2', '#475569'];

// The point's mean and std of measurement m at the varied values `at` (one or two), or null.
function pointAt(points, keys, at) {
  return points.find((p) => keys.every((k, i) => p.settings[k] === at[i])) ?? null;
}

/**
 * Over one setting: x the setting's values, y accuracy in [0, 1].
 * @param {SVGSVGElement} svg
 * @param {{axes: {key: string, values: number[]}[], measure: string[], points: object[],
 *   xLabel: string, names: string[], format: (v: number) => string}} data
 */
export function drawLines(svg, { axes: [axis], measure, points, xLabel, names, format }) {
  // A legend line per measurement above the plot, so that long names never overlap.
  const top = 10 + 11 * measure.length;
  const H = 160 + top;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const { values } = axis;
  // A choice's names (an attack, a defence) stand evenly spaced, in their order.
  const numeric = values.every((v) => typeof v === 'number');
  const at = (v) => (numeric ? v : values.indexOf(v));
  const lo = numeric ? Math.min(...values) : 0;
  const hi = numeric ? Math.max(...values) : values.length - 1;
  const px = (v) => PAD.left +
    (W - PAD.left - PAD.right) * (hi > lo ? (at(v) - lo) / (hi - lo) : 0.5);
  const py = (y) => H - PAD.bottom - (H - top - PAD.bottom) * Math.max(0, Math.min(1, y));
  for (const f of [0, 0.5, 1]) {
    element(svg, 'line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: py(f), y2: py(f) });
    element(svg, 'text', { class: 'tick', x: PAD.left - 4, y: py(f) + 3, 'text-anchor': 'end' },
      format(f));
  }
  // Every value labelled when they fit, else the ends and the middle one.
  const shown = values.length <= 8 ? values
    : [values[0], values[values.length >> 1], values[values.length - 1]];
  for (const v of shown) {
    element(svg, 'text', { class: 'tick', x: px(v), y: H - PAD.bottom + 11, 'text-anchor': 'middle' },
      String(v));
  }
  element(svg, 'text', { class: 'tick', x: W - PAD.right, y: H - 3, 'text-anchor': 'end' }, xLabel);
  measure.forEach((m, i) => {
    const color = COLORS[i % COLORS.length];
    element(svg, 'text', { class: 'legend', x: PAD.left, y: 11 + 11 * i, fill: color }, names[i]);
    const drawn = values.map((v) => [v, pointAt(points, [axis.key], [v])]).filter(([, p]) => p);
    element(svg, 'polyline', { fill: 'none', stroke: color, 'stroke-width': 2, points: drawn
      .map(([v, p]) => `${px(v).toFixed(1)},${py(p.mean[m]).toFixed(1)}`).join(' ') });
    for (const [v, p] of drawn) {
      const [x, top, bottom] = [px(v), py(p.mean[m] + p.std[m]), py(p.mean[m] - p.std[m])];
      element(svg, 'line', { stroke: color, 'stroke-width': 1, x1: x, x2: x, y1: top, y2: bottom });
      for (const y of [top, bottom]) {
        element(svg, 'line', { stroke: color, 'stroke-width': 1, x1: x - 3, x2: x + 3, y1: y, y2: y });
      }
      element(svg, 'circle', { fill: color, cx: x, cy: py(p.mean[m]), r: 2.5 });
    }
  });
}

// Light to dark blue as v goes from lo to hi (the map's own range: its cells say their values).
function heat(v, lo, hi) {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(239, 30)},${mix(246, 64)},${mix(255, 175)})`;
}

const heatDark = (v, lo, hi) => hi > lo && (v - lo) / (hi - lo) > 0.5;

/**
 * Over two settings: rows the first setting's values, columns the second's; each cell the mean of
 * measurement `shown` over the seeds, and its value written in it; the darkest cell is the highest
 * mean, the lightest the lowest.
 * @param {SVGSVGElement} svg
 * @param {{axes: {key: string, values: number[]}[], shown: string, points: object[],
 *   rowLabel: string, columnLabel: string, title: string, cellFormat: (v: number) => string}} data
 */
export function drawHeatMap(svg, { axes: [rows, columns], shown, points, rowLabel, columnLabel,
  title, cellFormat }) {
  const cell = { w: Math.min(90, (W - PAD.left - PAD.right) / columns.values.length), h: 26 };
  const means = points.map((p) => p.mean[shown]);
  const [lo, hi] = [Math.min(...means), Math.max(...means)];
  const H = PAD.top + 12 + cell.h * rows.values.length + PAD.bottom;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const top = PAD.top + 12;
  element(svg, 'text', { class: 'legend', x: PAD.left, y: 11, fill: COLORS[0] }, title);
  element(svg, 'text', { class: 'tick', x: 4, y: top - 4 }, rowLabel);
  rows.values.forEach((r, i) => {
    const y = top + i * cell.h;
    element(svg, 'text', { class: 'tick', x: PAD.left - 4, y: y + cell.h / 2 + 3,
      'text-anchor': 'end' }, String(r));
    columns.values.forEach((c, j) => {
      const x = PAD.left + j * cell.w;
      const p = pointAt(points, [rows.key, columns.key], [r, c]);
      element(svg, 'rect', { x, y, width: cell.w - 1, height: cell.h - 1,
        fill: p ? heat(p.mean[shown], lo, hi) : '#ffffff', stroke: '#e2e8f0' });
      if (p) {
        element(svg, 'text', { class: 'heat', x: x + cell.w / 2, y: y + cell.h / 2 + 3,
          'text-anchor': 'middle', fill: heatDark(p.mean[shown], lo, hi) ? '#ffffff' : '#0f172a' },
        cellFormat(p.mean[shown]));
      }
    });
  });
  const bottom = top + rows.values.length * cell.h;
  columns.values.forEach((c, j) => {
    element(svg, 'text', { class: 'tick', x: PAD.left + (j + 0.5) * cell.w, y: bottom + 11,
      'text-anchor': 'middle' }, String(c));
  });
  element(svg, 'text', { class: 'tick', x: PAD.left + columns.values.length * cell.w, y: bottom + 24,
    'text-anchor': 'end' }, columnLabel);
}
