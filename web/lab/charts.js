// The page's charts: training loss, test accuracy and speed, and accuracy against eps.
import { lineChart } from '../ui/chart.js';
import { formatNumber, formatPercent, text } from '../ui/lang.js';
import { $, SLOTS, SLOT_WORDS, slotName } from './state.js';

const COLORS = { standard: '#2563eb', defended: '#d97706', clean: '#475569', adv: '#dc2626' };
const axis = { yMin: 0 };

export const charts = {
  loss: lineChart($('#chart-loss'), { ...axis,
    series: SLOTS.map((slot) => ({ color: COLORS[slot] })) }),
  accuracy: lineChart($('#chart-accuracy'), { ...axis, yMax: 1, format: formatPercent,
    series: [{ color: COLORS.clean }, { color: COLORS.adv }] }),
  speed: lineChart($('#chart-speed'), { ...axis, format: (v) => formatNumber(v),
    series: [{ color: COLORS.standard }] }),
  // Under FGSM (solid), then what IBP proves (dashed), for each slot.
  curve: lineChart($('#chart-curve'), { yMin: 0, yMax: 1, format: formatPercent, dots: true,
    xLabel: 'ε (FGSM)', series: [...SLOTS.map((slot) => ({ color: COLORS[slot] })),
      ...SLOTS.map((slot) => ({ color: COLORS[slot], dashed: true, legend: false }))] }),
};

/** The charts' axis and series names, in the page's language. */
export function labelCharts() {
  const epochs = text('lab.chart.epochs');
  charts.loss.relabel(epochs,
    SLOTS.map((slot) => text('lab.chart.lossOf', { model: slotName(slot) })));
  charts.accuracy.relabel(epochs, [text('lab.clean'), 'FGSM ε']);
  charts.speed.relabel(epochs, [text('lab.chart.imagesPerSecond')]);
  charts.curve.relabel('ε (FGSM)', SLOTS.map((slot) => text(SLOT_WORDS[slot].name)));
}
