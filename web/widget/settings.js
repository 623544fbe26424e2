// The <advlab-demo> attributes read into settings. A value the widget cannot use falls back to
// its default, and the problem is said in plain words (the widget shows it).
// The attributes the element observes, and those that are on by being present.
export const ATTRIBUTES = ['attack', 'eps', 'defence', 'adaptive', 'models', 'panels', 'digit',
  'images', 'lang', 'compact'];
export const FLAGS = ['adaptive', 'compact'];
export const ATTACKS = ['fgsm', 'bim', 'pgd', 'deepfool', 'newtonfool', 'cw', 'lbfgs', 'jsma',
  'apgd', 'apgd-t', 'fab', 'square', 'hopskipjump', 'boundary'];
export const DEFENCES = ['none', 'squeeze', 'median', 'jpeg'];
export const PANELS = ['draw', 'bars', 'heatmap', 'curve', 'train', 'poison', 'steal'];
export const DEFAULTS = { attack: 'fgsm', eps: 0.2, defence: 'none', models: ['standard', 'fgsm'],
  panels: ['draw', 'bars', 'heatmap'], digit: 7, images: 500 };
const EPS_MAX = 0.5;
const IMAGES_MAX = 10000;

function list(text) {
  return String(text).split(/[\s,]+/).filter(Boolean);
}

function oneOf(el, name, allowed, problems) {
  const value = el.getAttribute(name);
  if (value === null || value === '') return DEFAULTS[name];
  if (allowed.includes(value)) return value;
  problems.push(`${name}="${value}" is not one of ${allowed.join(', ')}.`);
  return DEFAULTS[name];
}

function number(el, name, { min, max, integer }, problems) {
  const text = el.getAttribute(name);
  if (text === null || text === '') return DEFAULTS[name];
  const value = Number(text);
  if (text.trim() !== '' && Number.isFinite(value) && value >= min && value <= max &&
    (!integer || Number.isInteger(value))) return value;
  problems.push(`${name}="${text}" is not ${integer ? 'an integer' : 'a number'} from ${min} ` +
    `to ${max}.`);
  return DEFAULTS[name];
}

function panels(el, problems) {
  const text = el.getAttribute('panels');
  if (text === null) return DEFAULTS.panels;
  const named = list(text);
  const unknown = named.filter((p) => !PANELS.includes(p));
  if (unknown.length) {
    problems.push(`panels: ${unknown.join(', ')} unknown (known: ${PANELS.join(', ')}).`);
  }
  return named.filter((p) => PANELS.includes(p));
}

/** The element's settings, with `problems`: what was wrong with its attributes. */
export function readSettings(el) {
  const problems = [];
  const models = list(el.getAttribute('models') ?? '');
  return {
    attack: oneOf(el, 'attack', ATTACKS, problems),
    eps: number(el, 'eps', { min: 0, max: EPS_MAX }, problems),
    defence: oneOf(el, 'defence', DEFENCES, problems),
    adaptive: el.hasAttribute('adaptive'),
    models: models.length ? models : DEFAULTS.models,
    panels: panels(el, problems),
    digit: number(el, 'digit', { min: 0, max: 9999, integer: true }, problems),
    images: number(el, 'images', { min: 10, max: IMAGES_MAX, integer: true }, problems),
    lang: el.getAttribute('lang'),
    compact: el.hasAttribute('compact'),
    problems,
  };
}
