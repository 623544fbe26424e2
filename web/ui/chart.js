// A small line chart drawn as SVG, with no library: a few series of [x, y]
// points, three horizontal grid lines labelled with their values, the x axis's
// ends and middle labelled with theirs, and a name for the x axis. The
// elements are made once; an update only rewrites the polylines' points and
// the labels that changed, which keeps each redraw during training well under
// a millisecond of script.
const SVG = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 150;
const PAD = { left: 38, right: 8, top: 22, bottom: 30 };
const GRID = [0, 0.5, 1];

/** Appends an SVG element with these attributes (and text) to parent, and returns it. */
export function element(parent, name, attributes, text) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  if (text !== undefined) el.textContent = text;
  parent.append(el);
  return el;
}

/**
 * Sets up an empty chart in svg.
 * @param {SVGSVGElement} svg
 * @param {object} spec
 * @param {{color: string, dashed?: boolean, legend?: boolean}[]} spec.series legend false: the
 *   series has no legend entry (a caption says what it is)
 * @param {number} [spec.yMin] fixed bottom (else the data's minimum, or 0)
 * @param {number} [spec.yMax] fixed top (else the data's maximum)
 * @param {(v: number) => string} [spec.format] y labels
 * @param {(v: number) => string} [spec.xFormat] x labels (at most two decimals)
 * @param {string} [spec.xLabel]
 * @param {boolean} [spec.dots] mark each point
 * @returns {(data: number[][][], xMax: number) => void} draws data[i], the points of series i,
 *   over x in [0, xMax]; its relabel(xLabel, seriesLabels) renames the axis and the series, and
 *   its data() gives what is drawn: {xLabel, series: [{label, points}]}
 */
export function lineChart(svg, { series, yMin, yMax, format = (v) => v.toFixed(2), xLabel = '',
  dots = false, xFormat = (v) => String(Math.round(v * 100) / 100) }) {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const sy = (f) => H - PAD.bottom - (H - PAD.top - PAD.bottom) * f;
  const ticks = GRID.map((f) => {
    element(svg, 'line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: sy(f), y2: sy(f) });
    return element(svg, 'text', { class: 'tick', x: PAD.left - 4, y: sy(f) + 3,
      'text-anchor': 'end' }, '');
  });
  const xTicks = GRID.map((f, i) => element(svg, 'text', { class: 'tick',
    x: PAD.left + (W - PAD.left - PAD.right) * f, y: H - PAD.bottom + 11,
    'text-anchor': ['start', 'middle', 'end'][i] }, ''));
  const xTitle = element(svg, 'text', { class: 'tick', x: W - PAD.right, y: H - 3,
    'text-anchor': 'end' }, xLabel);
  const legends = [];
  const lines = series.map((s, i) => {
    if (s.legend !== false) {
      legends.push(element(svg, 'text', { class: 'legend', x: PAD.left + i * 90, y: 13,
        fill: s.color }, s.label));
    }
    const dash = s.dashed ? { 'stroke-dasharray': '5 3' } : {};
    return {
      line: element(svg, 'polyline', { fill: 'none', stroke: s.color, 'stroke-width': 2, ...dash }),
      dots: dots ? element(svg, 'g', { fill: s.color }) : null,
    };
  });

  let drawn = [];
  let names = series.map((s) => s.label ?? '');
  // The grid stays put; the labels say what values its lines stand for.
  const draw = (data, xMax) => {
    drawn = data.map((points) => points.map(([x, y]) => [x, y]));
    const ys = data.flat().map((p) => p[1]);
    const lo = yMin ?? Math.min(0, ...ys);
    const hi = yMax ?? Math.max(lo + 1e-9, ...ys);
    const px = (x) => (PAD.left + ((W - PAD.left - PAD.right) * x) / (xMax || 1)).toFixed(1);
    const py = (y) => sy((y - lo) / (hi - lo || 1)).toFixed(1);
    GRID.forEach((f, i) => {
      const label = ys.length ? format(lo + f * (hi - lo)) : '';
      if (ticks[i].textContent !== label) ticks[i].textContent = label;
      const xTick = ys.length ? xFormat(f * (xMax || 1)) : '';
      if (xTicks[i].textContent !== xTick) xTicks[i].textContent = xTick;
    });
    lines.forEach((l, i) => {
      const points = data[i] ?? [];
      l.line.setAttribute('points', points.map((p) => `${px(p[0])},${py(p[1])}`).join(' '));
      l.dots?.replaceChildren();
      for (const p of l.dots ? points : []) {
        element(l.dots, 'circle', { cx: px(p[0]), cy: py(p[1]), r: 2.5 });
      }
    });
  };
  // New words for the x axis and the series (another language); the data stays as drawn.
  draw.relabel = (x, labels) => {
    xTitle.textContent = x;
    names = labels;
    legends.forEach((legend, i) => { legend.textContent = labels[i]; });
  };
  // What is drawn, for an export: the x axis's name and each series' name and points.
  draw.data = () => ({ xLabel: xTitle.textContent,
    series: drawn.map((points, i) => ({ label: names[i] ?? '', points })) });
  return draw;
}
