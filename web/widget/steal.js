// The widget's "steal" panel (issue 16): a thief steals the widget's first model through its
// answers, behind the post-processor the reader picks, and the panel draws the thief's accuracy
// and its agreement with the victim against the queries paid, with a query counter. Each point
// is a theft of its own (the worker's widgetSteal, over web/engine/stealing.js).
import { budgetCurve } from '../ui/budgets.js';
import { lineChart } from '../ui/chart.js';
import { engine } from './engine.js';

const COLORS = ['#0072b2', '#e69f00'];
// The chosen budget halved down to an eighth.
const CURVE_STEPS = 4;

const percent = (p) => `${(100 * p).toFixed(1)}%`;

/**
 * Wires the panel's controls in `root` (the widget's shadow root). `host` gives the widget's
 * translator t(), the victim's id and name, and emit(type, detail) for its events. Returns
 * translate(), which says the panel again in the widget's language.
 */
export function stealPanel(root, host) {
  const $ = (s) => root.querySelector(`.steal ${s}`);
  const ui = { button: $('.steal-button'), post: $('.steal-post'), budget: $('.steal-budget'),
    progress: $('.steal-progress'), counter: $('.steal-counter'), chart: $('.steal-chart'),
    status: $('.steal-status') };
  let points = [];
  let last = null; // {report, post}
  let counted = null; // {queries, budget, paid}

  const draw = () => {
    const t = host.t();
    const chart = lineChart(ui.chart, { yMin: 0, yMax: 1, format: (v) => `${Math.round(100 * v)}%`,
      dots: true, xLabel: t('stealAxis'), series: [
        { color: COLORS[0], label: t('stealAccuracy') },
        { color: COLORS[1], label: t('stealFidelity') }] });
    chart([points.map((p) => [p.queries, p.thiefAccuracy]),
      points.map((p) => [p.queries, p.fidelity])], Math.max(1, ...points.map((p) => p.queries)));
  };

  const say = () => {
    const t = host.t();
    if (counted) ui.counter.textContent = t('stealCounter', counted);
    if (!last) return;
    const { report, post } = last;
    ui.status.textContent = t('stealReport', { victim: host.victimName(),
      post: t(`lab.steal.post.${post}`), queries: report.queries,
      thief: percent(report.thiefAccuracy), fidelity: percent(report.fidelity),
      transfer: percent(report.transferRate), whitebox: percent(report.whiteboxRate) });
  };

  ui.button.addEventListener('click', async () => {
    const post = ui.post.value;
    const list = budgetCurve(Number(ui.budget.value), CURVE_STEPS);
    ui.button.disabled = true;
    ui.progress.value = 0;
    points = [];
    last = null;
    draw();
    ui.status.textContent = host.t('stealRunning');
    let paid = 0;
    try {
      for (const [i, queries] of list.entries()) {
        const report = await engine()('widgetSteal', { victim: host.victim(), postprocess: post,
          queries }, { onProgress: (p) => {
          if (p.stage !== 'steal') return;
          ui.progress.value = (i + (p.total ? p.done / p.total : 0)) / list.length;
          counted = { queries: p.queries, budget: queries, paid: paid + p.queries };
          say();
        } });
        paid += report.queries;
        counted = { queries: report.queries, budget: queries, paid };
        points.push(report);
        draw();
      }
      last = { report: points.at(-1), post };
      ui.progress.value = 1;
      say();
      host.emit('advlab-steal', { victim: host.victim(), postprocess: post,
        points: points.map((r) => ({ ...r })) });
    } catch (error) {
      ui.status.textContent = host.t('error', { message: error.message });
    } finally {
      ui.button.disabled = false;
    }
  });

  return { translate: () => { draw(); say(); } };
}
