// Export buttons under every table and chart of the page (issue 18): CSV, and JSON with the
// settings that made it, the engine's version and build, the language and the time; charts also
// as SVG and PNG, with their axis, units and legend in the page's language. A panel that fills a
// table or chart leaves the settings it used in the element's data-settings (JSON). A sweep's
// table and chart export the C's own texts: its results JSON (which loads back into the page and
// into `advlab sweep --from`), and its CSV of points (the table) or of cells (the chart's data).
// The universal perturbation's report line exports its figures as JSON. Every JSON with settings
// loads back and runs again (reproduce.js).
import { csv, download, svgPng, svgText, tableData } from '../ui/export.js';
import { text } from '../ui/lang.js';
import { charts } from './charts.js';
import { $, state } from './state.js';
import { stealCharts } from './steal.js';
import { sweepExport } from './sweep.js';

const TABLES = [['#measurements', 'tutorial-measurements'], ['#audit-table', 'autoattack'],
  ['#cleanse-table', 'poison-search'], ['#steal-table', 'post-processors-against-theft']];
const CHARTS = [
  ['#chart-loss', 'training-loss', () => charts.loss],
  ['#chart-accuracy', 'training-accuracy', () => charts.accuracy],
  ['#chart-speed', 'training-speed', () => charts.speed],
  ['#chart-curve', 'accuracy-vs-eps', () => charts.curve],
  ['#chart-steal', 'theft-against-queries', () => stealCharts.steal],
  ['#chart-roc', 'membership-roc', () => stealCharts.roc],
];

// What every JSON export says of where it came from.
function provenance(el, name) {
  let settings = null;
  try {
    settings = el.dataset.settings ? JSON.parse(el.dataset.settings) : null;
  } catch {
    // A panel wrote something else there: the export goes on without it.
  }
  return { name, advlab: state.engine?.version ?? null, engine: state.engine?.variant ?? null,
    language: document.documentElement.lang, created: new Date().toISOString(), settings };
}

const blob = (body, type) => new Blob([body], { type });

function chartRows({ series }) {
  return series.flatMap(({ label, points }) => points.map(([x, y]) => [label, x, y]));
}

// The formats each kind offers: [format, save(el, name)].
const TABLE_FORMATS = [
  ['csv', (el, name) => {
    const { header, rows } = tableData(el);
    download(blob(csv(header, rows), 'text/csv'), `advlab-${name}.csv`);
  }],
  ['json', (el, name) => download(blob(JSON.stringify({ ...provenance(el, name),
    ...tableData(el) }, null, 2), 'application/json'), `advlab-${name}.json`)],
];
const chartFormats = (chart) => [
  ['csv', (el, name) => {
    const data = chart().data();
    download(blob(csv([text('lab.export.series'), data.xLabel, text('lab.export.value')],
      chartRows(data)), 'text/csv'), `advlab-${name}.csv`);
  }],
  ['json', (el, name) => download(blob(JSON.stringify({ ...provenance(el, name),
    ...chart().data() }, null, 2), 'application/json'), `advlab-${name}.json`)],
  ['svg', (el, name) => download(blob(svgText(el), 'image/svg+xml'), `advlab-${name}.svg`)],
  ['png', async (el, name) => download(await svgPng(el), `advlab-${name}.png`)],
];

// A report line's figures (its data attributes, as the panel wrote them): [format, save(el, name)].
const REPORT_JSON = [['json', (el, name) => {
  // The settings go once, parsed, in the provenance.
  const figures = Object.fromEntries(Object.entries(el.dataset).filter(([k]) => k !== 'settings'));
  download(blob(JSON.stringify({ ...provenance(el, name), ...figures }, null, 2),
    'application/json'), `advlab-${name}.json`);
}]];

// A sweep's texts as the C made them: [format, save(el, name)].
const sweepText = (format, pick, type) => [format, (el, name) => {
  const sweep = sweepExport();
  if (sweep) download(blob(pick(sweep), type), `advlab-${name}.${format}`);
}];
const SWEEP_JSON = sweepText('json', (s) => s.json, 'application/json');
const SWEEP_TABLE = [sweepText('csv', (s) => s.pointsCsv, 'text/csv'), SWEEP_JSON];
const SWEEP_CHART = [sweepText('csv', (s) => s.csv, 'text/csv'), SWEEP_JSON,
  ...chartFormats(null).slice(2)];

function addButtons(el, name, formats) {
  const bar = document.createElement('div');
  bar.className = 'exports';
  bar.dataset.exports = name;
  for (const [format, save] of formats) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.format = format;
    button.textContent = format.toUpperCase();
    button.addEventListener('click', () => save(el, name));
    bar.append(button);
  }
  // Inside the chart's figure, or with the table in a box of its own, so that a grid the table
  // or chart sits in keeps its cells.
  const figure = el.closest('figure');
  if (figure) figure.append(bar);
  else {
    const box = document.createElement('div');
    box.className = 'export-box';
    el.replaceWith(box);
    box.append(el, bar);
  }
  return bar;
}

const bars = [
  ...TABLES.map(([selector, name]) => addButtons($(selector), name, TABLE_FORMATS)),
  ...CHARTS.map(([selector, name, chart]) => addButtons($(selector), name, chartFormats(chart))),
  addButtons($('#universal-report'), 'universal-perturbation', REPORT_JSON),
  addButtons($('#sweep-table'), 'sweep-points', SWEEP_TABLE),
  addButtons($('#chart-sweep'), 'sweep-cells', SWEEP_CHART),
];

/** The buttons' spoken names, once the page's language is set and after each switch. */
export function labelExports() {
  for (const bar of bars) {
    for (const button of bar.children) {
      button.setAttribute('aria-label', text('lab.export.as', { format:
        button.dataset.format.toUpperCase() }));
    }
  }
}

