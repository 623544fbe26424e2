// A loaded run's settings into a panel's controls, checked against the controls themselves (a
// select's options, an input's min, max and step), all or none: a value a control refuses leaves
// every control as it was and throws a RerunError that names the setting and the problem. The
// page's other modules say the error in the page's language (reproduce.js).
import { modelKnown } from './models.js';
import { SLOTS } from './state.js';

/** A loaded run that cannot be re-run: an i18n key ("lab.run.…") and its values. */
export class RerunError extends Error {
  constructor(key, values = {}) {
    super(key);
    this.key = key;
    this.values = values;
  }
}

const shown = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

// Puts one value into one control; answers why it was refused, or null.
function put(control, value) {
  if (control.type === 'checkbox') {
    if (typeof value !== 'boolean') return ['lab.run.notBoolean', {}];
    control.checked = value;
    return null;
  }
  if (control.localName === 'select') {
    const choices = [...control.options].map((o) => o.value);
    if (!choices.includes(String(value))) return ['lab.run.notChoice', { choices: choices.join(', ') }];
  } else if (control.type === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) {
    return ['lab.run.notNumber', {}];
  }
  control.value = String(value);
  if (control.checkValidity()) return null;
  const { min, max } = control;
  return min !== '' || max !== '' ? ['lab.run.outOfRange', { min: min || '−∞', max: max || '∞' }]
    : ['lab.run.refused', {}];
}

/**
 * Puts settings into controls: entries are [control, key, value], key being the setting's name in
 * the file. A missing value or one a control refuses throws, after restoring every control.
 */
export function fillControls(entries) {
  const before = entries.map(([c]) => (c.type === 'checkbox' ? c.checked : c.value));
  const restore = () => entries.forEach(([c], i) => {
    if (c.type === 'checkbox') c.checked = before[i];
    else c.value = before[i];
  });
  for (const [control, key, value] of entries) {
    if (value === undefined || value === null) {
      restore();
      throw new RerunError('lab.run.missing', { key });
    }
    const refused = put(control, value);
    if (refused) {
      restore();
      throw new RerunError(refused[0], { key, value: shown(value), ...refused[1] });
    }
  }
}

/** A setting that must be one of `allowed` (values the page's code, not a control, takes). */
export function requireOneOf(key, value, allowed) {
  if (value === undefined || value === null) throw new RerunError('lab.run.missing', { key });
  if (!allowed.includes(value)) {
    throw new RerunError('lab.run.notChoice', { key, value: shown(value),
      choices: allowed.join(', ') });
  }
}

/**
 * The run's models, {slot: {id, name}}, checked: each slot is the page's, and each model is in
 * this browser (the shipped ones always are; one trained or imported elsewhere is not).
 */
export function requireModels(models) {
  if (!models || typeof models !== 'object') throw new RerunError('lab.run.missing', { key: 'models' });
  for (const [slot, model] of Object.entries(models)) {
    if (!SLOTS.includes(slot)) requireOneOf('models', slot, SLOTS);
    if (typeof model?.id !== 'string') {
      throw new RerunError('lab.run.missing', { key: `models.${slot}.id` });
    }
    if (!modelKnown(model.id)) {
      throw new RerunError('lab.run.needsModel', { name: model.name ?? model.id, id: model.id });
    }
  }
  return models;
}
