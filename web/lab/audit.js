// "Is this defence real?" in the Robustness panel (issue 13): AutoAttack on a card's model behind
// the Attack panel's pre-processor, across the pool (web/engine/audit.js), with its per-attack
// table, the robust accuracy and AutoAttack's warnings, each in the page's language.
import { formatNumber, formatPercent, number, percent, say, text } from '../ui/lang.js';
import { call } from './engine.js';
import { modelIdentity, useModels } from './models.js';
import { fillControls, requireModels, requireOneOf, RerunError } from './rerun_check.js';
import { $ } from './state.js';
import { failed } from './status.js';

// The members' names as the table shows them (the engine's are stable ids).
const MEMBER_NAMES = { 'apgd-ce': 'APGD-CE', 'apgd-t': 'APGD-T', 'fab-t': 'FAB-T',
  square: 'Square (5000)', 'apgd-dlr': 'APGD-DLR', 'apgd-ce-bpda': 'APGD-CE + BPDA',
  'apgd-t-bpda': 'APGD-T + BPDA' };

let last = null; // {report, pre, slot}: drawn again after a language switch

// A warning's sentence by its id, with the figures of the checks behind it.
function warningText({ id }, { checks, settings }) {
  return text(`lab.audit.warn.${id}`, { share: formatPercent(checks.zero_gradient_share, 1),
    eps: formatNumber(checks.large_eps, 2), accuracy: formatPercent(checks.large_eps_accuracy, 1),
    naive: formatPercent(checks.naive_accuracy, 1), bpda: formatPercent(checks.bpda_accuracy, 1),
    suite: settings.suite });
}

function showAudit() {
  const { report, pre, seconds, workers } = last;
  $('#audit-results').hidden = false;
  $('#audit-table tbody').replaceChildren(...report.members.map((m) => {
    const row = document.createElement('tr');
    for (const value of [MEMBER_NAMES[m.name] ?? m.name, formatPercent(m.accuracy, 1),
      formatNumber(m.broke), formatNumber(m.gradient_calls), formatNumber(m.seconds, 1)]) {
      row.append(Object.assign(document.createElement('td'), { textContent: value }));
    }
    return row;
  }));
  Object.assign($('#audit-report').dataset, { robust: report.robust_accuracy,
    clean: report.clean_accuracy, warnings: report.warnings.map((w) => w.id).join(' ') });
  say($('#audit-report'), 'lab.audit.report', { n: number(report.n),
    clean: percent(report.clean_accuracy, 1), robust: percent(report.robust_accuracy, 1),
    eps: number(report.settings.eps, 2),
    pre: text(`lab.pre.${pre}`),
    seconds: number(seconds, 1), workers });
  $('#audit-warnings').replaceChildren(...(report.warnings.length ? report.warnings.map((w) => {
    const item = Object.assign(document.createElement('li'), { textContent: warningText(w, report) });
    item.dataset.warning = w.id;
    return item;
  }) : [Object.assign(document.createElement('li'), { className: 'none',
    textContent: text('lab.audit.noWarnings') })]));
}

async function runAudit() {
  const form = $('#audit-form');
  if (!form.reportValidity()) return;
  const f = Object.fromEntries(new FormData(form));
  // The defended card sees the input through the Attack panel's pre-processor; the standard one
  // never does.
  const pre = f.slot === 'defended' ? $('#pre').value : 'none';
  const settings = { slot: f.slot, pre, suite: f.suite, eps: Number(f.eps), n: Number(f.n),
    models: { [f.slot]: modelIdentity(f.slot) } };
  $('#audit-run').disabled = true;
  $('#audit-progress').value = 0;
  say($('#audit-report'), 'lab.audit.running');
  try {
    const result = await call('audit', settings, { onProgress: (p) => {
      if (p.kind === 'audit') $('#audit-progress').value = p.fraction;
    } });
    $('#audit-progress').value = 1;
    $('#audit-table').dataset.settings = JSON.stringify(settings);
    last = { ...result, pre };
    showAudit();
  } catch (error) {
    if (!error.crashed) say($('#audit-report'), 'lab.failed', failed(error));
  } finally {
    $('#audit-run').disabled = false;
  }
}

$('#audit-run').addEventListener('click', runAudit);

/** AutoAttack on a slot's model at eps, with the form's other settings (after a preset's run). */
export function auditModel(slot, eps) {
  const { elements } = $('#audit-form');
  elements.slot.value = slot;
  elements.suite.value = 'autoattack';
  elements.eps.value = String(eps);
  return runAudit();
}

/** Runs the check of a loaded run's settings again: its model, pre-processor, suite, eps and n. */
export async function rerunAudit(settings) {
  const form = $('#audit-form');
  const models = requireModels(settings.models);
  const { slot } = settings;
  // The standard card is never behind the pre-processor.
  if (slot === 'standard') requireOneOf('pre', settings.pre, ['none']);
  if (typeof slot === 'string' && !models[slot]) {
    throw new RerunError('lab.run.missing', { key: `models.${slot}` });
  }
  fillControls([[form.elements.slot, 'slot', slot], [form.elements.suite, 'suite',
    settings.suite], [form.elements.eps, 'eps', settings.eps], [form.elements.n, 'n', settings.n],
  ...(slot === 'defended' ? [[$('#pre'), 'pre', settings.pre]] : [])]);
  await useModels(models);
  $('#pre').dispatchEvent(new Event('change', { bubbles: true }));
  await runAudit();
}

/** Says what the last check found again, after a language switch. */
export function relabelAudit() {
  if (last) showAudit();
}
