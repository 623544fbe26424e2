// Exports of what the page shows, for a report: a table or a chart's series as CSV, either as
// JSON with what made it, a chart as a standalone SVG, and as a PNG. The page's strict CSP loads
// no blob: or data: image (docs/security.md), so the PNG is painted onto a canvas from the chart's
// own elements (the subset ui/chart.js and the certificate scale draw: line, polyline, rect,
// circle and text), with the styles the page gives them.

const SVG_NS = 'http://www.w3.org/2000/svg';
// The styles a chart's elements take from the page's CSS, written into the exported file.
const STYLED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'font-size', 'font-family',
  'font-weight', 'text-anchor'];

/** Saves a blob under `name` through a download link (a navigation, not a load). */
export function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
function csvField(value) {
  const s = String(value ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV text of a header row and data rows. */
export function csv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A table's header and rows, as their cells' text. */
export function tableData(table) {
  const cells = (tr) => [...tr.cells].map((c) => c.textContent.trim());
  return { header: cells(table.tHead.rows[0]), rows: [...table.tBodies[0].rows].map(cells) };
}

// The computed styles of a chart's element that its file must carry, as attributes.
function styleAttributes(el) {
  const style = getComputedStyle(el);
  const out = {};
  for (const name of STYLED) {
    const v = style.getPropertyValue(name);
    if (v && v !== 'none' && v !== 'normal') out[name] = v;
  }
  return out;
}

/** The chart as a standalone SVG file's text: its drawn elements with their styles written in. */
export function svgText(svg) {
  const copy = svg.cloneNode(true);
  copy.setAttribute('xmlns', SVG_NS);
  const [, , w, h] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  copy.setAttribute('width', String(2 * w));
  copy.setAttribute('height', String(2 * h));
  const live = [...svg.querySelectorAll('*')];
  [...copy.querySelectorAll('*')].forEach((el, i) => {
    for (const [name, v] of Object.entries(styleAttributes(live[i]))) {
      if (!el.hasAttribute(name)) el.setAttribute(name, v);
    }
    el.removeAttribute('class');
  });
  copy.removeAttribute('class');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

const number = (el, name, fallback = 0) => Number(el.getAttribute(name) ?? fallback);

// Paints one element of the subset onto ctx, in the viewBox's units.
function paint(ctx, el) {
  const s = getComputedStyle(el);
  const fill = s.fill && s.fill !== 'none' ? s.fill : null;
  const stroke = s.stroke && s.stroke !== 'none' ? s.stroke : null;
  ctx.lineWidth = parseFloat(s.strokeWidth) || 1;
  ctx.setLineDash(s.strokeDasharray && s.strokeDasharray !== 'none'
    ? s.strokeDasharray.split(/[\s,]+/).map(parseFloat) : []);
  const kind = el.localName;
  if (kind === 'text') {
    ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    const anchor = el.getAttribute('text-anchor') ?? s.textAnchor;
    ctx.textAlign = { middle: 'center', end: 'right' }[anchor] ?? 'left';
    ctx.fillStyle = fill ?? '#000';
    ctx.fillText(el.textContent, number(el, 'x'), number(el, 'y'));
    return;
  }
  ctx.beginPath();
  if (kind === 'line') {
    ctx.moveTo(number(el, 'x1'), number(el, 'y1'));
    ctx.lineTo(number(el, 'x2'), number(el, 'y2'));
  } else if (kind === 'polyline') {
    const points = (el.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean)
      .map((p) => p.split(',').map(Number));
    points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  } else if (kind === 'rect') {
    ctx.rect(number(el, 'x'), number(el, 'y'), number(el, 'width'), number(el, 'height'));
  } else if (kind === 'circle') {
    ctx.arc(number(el, 'cx'), number(el, 'cy'), number(el, 'r'), 0, 2 * Math.PI);
  } else return;
  if (fill && kind !== 'line' && kind !== 'polyline') {
    ctx.fillStyle = fill;
    ctx.fill();
  }
  if (stroke) {
    ctx.strokeStyle = stroke;
    ctx.stroke();
  }
}

/** The chart as a PNG blob, `scale` pixels per viewBox unit, on white. */
export function svgPng(svg, scale = 3) {
  const [, , w, h] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.scale(scale, scale);
  for (const el of svg.querySelectorAll('*')) {
    if (!el.closest('[hidden]')) paint(ctx, el);
  }
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
