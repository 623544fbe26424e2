// <advlab-demo>: an adversarial-examples widget for course notes. It draws and shows; the
// shared worker (engine.js, web/engine/) computes. The widget reuses the lab page's pad,
// digit, heatmap and bar renderers and its chart (web/ui/).
//
// Attributes preset it (docs/embedding.md): attack, eps, defence, adaptive, models, panels,
// digit, images, lang, compact. It fires bubbling, composed CustomEvents: advlab-ready,
// advlab-prediction, advlab-attack, advlab-training, advlab-steal (a theft's curve),
// advlab-change (the reader moved a control).
import { lineChart } from '../ui/chart.js';
import { LiveRequests } from '../ui/live.js';
import { missingFeature } from '../ui/needs.js';
import { Pad } from '../ui/pad.js';
import { argmax, drawDigit, drawPerturbation, probabilityBars } from '../ui/render.js';
import { pickLanguage, translator } from '../i18n/index.js';
import { engine } from './engine.js';
import { ATTRIBUTES, readSettings } from './settings.js';
import { stealPanel } from './steal.js';
import { MODEL, WIDGET } from './template.js';

const STYLE_URL = new URL('./widget.css', import.meta.url).href;
const LIVE_PANELS = ['draw', 'bars', 'heatmap'];
const BOUNDED = new Set(['fgsm', 'bim', 'pgd', 'apgd', 'apgd-t', 'fab', 'square']);
// Okabe-Ito colours, told apart with colour-blindness of every common kind.
const SERIES_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7'];
// One epoch on 6000 images takes a few seconds: long enough to see, short enough to wait for.
const TRAINING = { epochs: 1, batch: 64, lr: 0.01, attack: 'fgsm', ratio: 0.5, seed: 1234,
  limit: 6000 };

const percent = (p) => `${(100 * p).toFixed(0)}%`;

export class AdvlabDemo extends HTMLElement {
  /** @type {string[]} */
  static observedAttributes = ATTRIBUTES;

  #root = this.attachShadow({ mode: 'open' });
  #ui = {};
  #settings;
  #t = translator('en');
  #pad = null;
  #cards = [];
  #trained = new Map(); // model id -> {from, eps}, for models trained in this widget
  #models = []; // the ids shown: the models attribute, or a model trained here in its place
  #digit = null; // {index, label} of the test digit on the pad, null once drawn over
  #live = new LiveRequests(this, () => this.#analyze());
  #last = null;
  #curve = null;
  #curveRun = 0;
  #curveBusy = false;
  #connected = false;
  #steal = null; // the steal panel's translate()

  connectedCallback() {
    if (this.#connected) return;
    this.#connected = true;
    this.#build();
    this.#settings = readSettings(this);
    const missing = missingFeature();
    if (missing) this.dataset.unsupported = missing;
    this.#ui.status.textContent = this.#t('loading');
    this.#applyAll();
  }

  /**
   * @param {string} name
   * @param {string|null} before
   * @param {string|null} after
   */
  attributeChangedCallback(name, before, after) {
    if (!this.#connected || before === after) return;
    const previous = this.#settings;
    this.#settings = readSettings(this);
    if (name === 'lang') this.#translate();
    else if (name === 'models' || name === 'images') this.#applyModels();
    else if (name === 'panels') this.#applyPanels(previous.panels);
    else if (name === 'digit') this.#loadDigit(this.#settings.digit);
    else if (name === 'attack' || name === 'eps') this.#applyControl(name);
    else if (name === 'defence' || name === 'adaptive') this.#applyDefence();
    this.#reportProblems();
  }

  /** The latest analysis ({x, models: [...]}) as the worker gave it, or null. */
  get result() { return this.#last; }

  // ------------------------------------------------------------ building

  #build() {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = STYLE_URL;
    this.#root.append(link);
    const markup = document.createElement('template');
    markup.innerHTML = WIDGET;
    this.#root.append(markup.content);
    const $ = (selector) => this.#root.querySelector(selector);
    const ui = this.#ui;
    for (const name of ['widget', 'status', 'attack', 'eps-range', 'eps-value', 'defence', 'pad',
      'digit', 'digit-note', 'models', 'announce', 'curve-chart', 'curve-title', 'curve-at',
      'curve-progress', 'train-hint', 'train-button', 'train-progress', 'train-status',
      'trigger']) {
      ui[name.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = $(`.${name}`);
    }
    // Shown once styled, so the reader never sees the bare markup.
    link.addEventListener('load', () => { ui.widget.hidden = false; });
    link.addEventListener('error', () => { ui.widget.hidden = false; });
    this.setAttribute('role', 'group');
    this.#pad = new Pad(ui.pad, () => {
      if (this.#digit) this.#showDigitNote(null);
      this.#request();
    });
    this.#listen($);
    this.#steal = stealPanel(this.#root, { t: () => this.#t, victim: () => this.#models[0],
      victimName: () => this.#modelName(this.#models[0]),
      emit: (type, detail) => this.#emit(type, detail) });
  }

  #listen($) {
    const ui = this.#ui;
    ui.attack.addEventListener('input', () => this.#onControl());
    ui.epsRange.addEventListener('input', () => this.#onControl());
    $('.undo').addEventListener('click', () => this.#pad.undo());
    $('.clear').addEventListener('click', () => this.#pad.clear());
    ui.digit.addEventListener('change', () => this.#loadDigit(Number(ui.digit.value)));
    $('.previous').addEventListener('click', () => this.#stepDigit(-1));
    $('.next').addEventListener('click', () => this.#stepDigit(1));
    $('.random').addEventListener('click', () => this.#loadDigit(Math.floor(Math.random() * 1e4)));
    ui.trainButton.addEventListener('click', () => this.#train());
    ui.trigger.addEventListener('change', () => this.#onControl());
  }

  // ------------------------------------------------------------ settings

  #applyAll() {
    this.#translate();
    this.#applyControl('attack');
    this.#applyControl('eps');
    this.#applyDefence();
    this.#applyModels();
    this.#applyPanels([]);
    this.#reportProblems();
  }

  #reportProblems() {
    if (this.#settings.problems.length || this.dataset.ready) this.#setStatus('');
  }

  // An attack or eps attribute sets its control; the reader's other choices stay.
  #applyControl(name) {
    if (name === 'attack') this.#ui.attack.value = this.#settings.attack;
    else this.#ui.epsRange.value = String(this.#settings.eps);
    this.#syncEps();
    this.#request();
    this.#showCurvePoint();
  }

  #applyDefence() {
    this.#showDefence();
    this.#request();
  }

  #showDefence() {
    const { defence, adaptive } = this.#settings;
    const note = this.#ui.defence;
    note.hidden = defence === 'none';
    if (defence !== 'none') {
      note.textContent = this.#t('defence', { name: this.#t(`defence_${defence}`),
        how: this.#t(adaptive ? 'adaptiveOn' : 'adaptiveOff') });
    }
  }

  #syncEps() {
    const bounded = BOUNDED.has(this.#ui.attack.value);
    this.#ui.epsRange.disabled = !bounded;
    this.#ui.epsValue.textContent = bounded ? Number(this.#ui.epsRange.value).toFixed(2)
      : this.#t('epsMinimal');
  }

  // The reader moved a control: the widget follows it and says so.
  #onControl() {
    this.#syncEps();
    this.#request();
    this.#showCurvePoint();
    this.#emit('advlab-change', this.#controls());
  }

  #controls() {
    return { attack: this.#ui.attack.value, eps: Number(this.#ui.epsRange.value),
      digit: this.#digit?.index ?? null, trigger: this.#triggered() };
  }

  // Whether the poison panel's backdoor trigger (ART's pattern) is on the input.
  #triggered() {
    return this.#shown('poison') && this.#ui.trigger.checked;
  }

  #applyModels() {
    this.#models = [...this.#settings.models];
    this.#buildCards();
    this.#request();
    this.#curve = null;
    if (this.#shown('curve')) this.#computeCurve();
    this.#showTrainHint();
  }

  #applyPanels(before) {
    const { panels } = this.#settings;
    for (const el of this.#root.querySelectorAll('[data-panel]')) {
      el.hidden = !panels.includes(el.dataset.panel);
    }
    const live = LIVE_PANELS.some((p) => panels.includes(p));
    this.#root.querySelector('.live').hidden = !live;
    // The curve is FGSM's alone: without a live panel the attack has nothing to choose.
    this.#ui.attack.closest('label').hidden = !live;
    // A theft or training alone has no eps to choose.
    this.#ui.epsRange.closest('label').hidden = !live && !panels.includes('curve');
    if (live && !LIVE_PANELS.some((p) => before.includes(p))) this.#start();
    if (panels.includes('curve') && !this.#curve && !this.#curveBusy) this.#computeCurve();
    // Panels that wait for the reader (train, poison, steal) alone: nothing to compute first.
    if (!live && !panels.includes('curve') && !this.dataset.ready && !this.dataset.unsupported) {
      this.dataset.ready = 'true';
      this.#emit('advlab-ready', {});
    }
  }

  #shown(panel) { return this.#settings.panels.includes(panel); }

  // ------------------------------------------------------------ language

  #translate() {
    const lang = pickLanguage(this.#settings?.lang ?? this.getAttribute('lang'));
    this.#t = translator(lang);
    for (const el of this.#root.querySelectorAll('[data-t]')) {
      el.textContent = this.#t(el.dataset.t);
    }
    for (const el of this.#root.querySelectorAll('[data-t-label]')) {
      el.setAttribute('aria-label', this.#t(el.dataset.tLabel));
    }
    this.setAttribute('aria-label', this.#t('widget'));
    this.#ui.widget.lang = lang;
    if (this.#settings) {
      this.#syncEps();
      this.#showDefence();
      this.#nameCards();
      this.#showDigitNote(this.#digit);
      this.#showTrainHint();
      if (this.#last) this.#render(this.#last);
      this.#drawCurve();
      this.#steal.translate();
    }
    if (this.dataset.unsupported) this.#setStatus('');
  }

  #modelName(id, length = 'model') {
    const trained = this.#trained.get(id);
    if (trained) {
      return length === 'model'
        ? this.#t('model_trained', { from: this.#t(`short_${trained.from}`), eps: trained.eps })
        : this.#t('short_trained');
    }
    const key = `${length}_${id}`;
    const name = this.#t(key);
    return name === key ? id : name;
  }

  // ------------------------------------------------------------ live analysis

  #buildCards() {
    this.#ui.models.replaceChildren();
    this.#cards = this.#models.map((id) => {
      const root = document.createElement('article');
      root.className = 'model';
      root.dataset.model = id;
      root.innerHTML = MODEL;
      this.#ui.models.append(root);
      const $ = (s) => root.querySelector(s);
      return { id, root, $, bars: probabilityBars($('.bars')) };
    });
    for (const el of this.#ui.models.querySelectorAll('[data-t]')) {
      el.textContent = this.#t(el.dataset.t);
    }
    const { panels } = this.#settings;
    for (const el of this.#ui.models.querySelectorAll('[data-panel]')) {
      el.hidden = !panels.includes(el.dataset.panel);
    }
    this.#nameCards();
  }

  #nameCards() {
    for (const card of this.#cards) {
      const name = this.#modelName(card.id);
      card.$('.model-name').textContent = name;
      card.$('.bars').setAttribute('aria-label', this.#t('bars', { model: name }));
    }
  }

  // The first live panel shown: the opening digit, then the first analysis.
  #start() {
    this.#loadDigit(this.#settings.digit);
  }

  async #loadDigit(index) {
    const i = Number.isInteger(index) ? Math.max(0, Math.min(9999, index)) : 0;
    this.#ui.digit.value = String(i);
    try {
      const digit = await engine()('widgetDigit', { index: i });
      if (Number(this.#ui.digit.value) !== digit.index) return; // a later choice won
      this.#pad.showDigit(digit.x);
      this.#showDigitNote({ index: digit.index, label: digit.label });
      this.#emit('advlab-change', this.#controls());
    } catch (error) {
      this.#setStatus(this.#t('error', { message: error.message }), true);
    }
  }

  #stepDigit(step) {
    this.#loadDigit((Number(this.#ui.digit.value) + step + 10000) % 10000);
  }

  #showDigitNote(digit) {
    this.#digit = digit;
    this.#ui.digitNote.textContent = digit ? this.#t('digitNote', digit)
      : this.#t('drawn');
  }

  // One analysis in flight, coalesced to animation frames (ui/live.js). The host's data-live is
  // 'idle' once the latest input and settings have been answered.
  #request() {
    if (!this.#settings || !LIVE_PANELS.some((p) => this.#shown(p))) return;
    this.#live.request();
  }

  async #analyze() {
    const ink = this.#pad.ink();
    if (!ink.x && !ink.alpha.some((v) => v > 0)) return; // an empty pad: nothing to classify
    const { attack, eps } = this.#controls();
    const { defence, adaptive } = this.#settings;
    const request = { ...ink, models: this.#models, attack: { name: attack, eps }, target: -1,
      pre: defence, gradient: adaptive ? 'bpda' : 'unaware',
      trigger: this.#triggered() ? { trigger: 'pattern' } : null };
    try {
      const result = await engine()('widgetAnalyze', request,
        { transfer: [(ink.alpha ?? ink.x).buffer] });
      this.#show(result, { attack, eps });
      this.#setStatus('');
    } catch (error) {
      this.#setStatus(this.#t('error', { message: error.message }), true);
    }
  }

  #show(result, settings) {
    if (result.models.map((m) => m.id).join() !== this.#cards.map((c) => c.id).join()) return;
    this.#last = { ...result, settings };
    const answers = this.#render(result);
    this.#emit('advlab-prediction', { digit: this.#digit, models: answers.map(
      ({ id, clean, cleanProbs }) => ({ id, clean, probs: cleanProbs })) });
    this.#emit('advlab-attack', { ...settings, models: answers });
    if (!this.dataset.ready) {
      this.dataset.ready = 'true';
      this.#emit('advlab-ready', {});
    }
  }

  #render(result) {
    const lines = [];
    const answers = result.models.map((side, i) => {
      const card = this.#cards[i];
      const answer = this.#showCard(card, side, result.x);
      lines.push(this.#t('announce', { model: this.#modelName(side.id), clean: answer.clean,
        adv: answer.adversarial, outcome: this.#t(answer.fooled ? 'fooled' : 'holds') }));
      return answer;
    });
    this.#ui.announce.textContent = lines.join(' ');
    return answers;
  }

  #showCard(card, side, x) {
    const clean = argmax(side.clean);
    const adversarial = argmax(side.adv);
    const fooled = clean !== adversarial;
    Object.assign(card.root.dataset, { clean, adv: adversarial });
    card.$('.verdict-text').textContent = this.#t('verdict', {
      clean: `${clean} (${percent(side.clean[clean])})`,
      adv: `${adversarial} (${percent(side.adv[adversarial])})` });
    const badge = card.$('.badge');
    badge.textContent = this.#t(fooled ? 'fooled' : 'holds');
    badge.classList.toggle('fooled', fooled);
    drawDigit(card.$('.img-input'), side.seen);
    drawDigit(card.$('.img-adv'), side.xAdv);
    const gain = drawPerturbation(card.$('.img-delta'), x, side.xAdv);
    card.$('.gain').textContent = side.norms.linf > 0 ? `×${gain.toFixed(1)}` : '';
    const { linf, l2, l0 } = side.norms;
    card.$('.norms').textContent = this.#t('norms', { linf: linf.toFixed(3), l2: l2.toFixed(2),
      l0 });
    card.bars(side.clean, side.adv);
    return { id: side.id, clean, adversarial, fooled, cleanProbs: Array.from(side.clean),
      advProbs: Array.from(side.adv), norms: side.norms };
  }

  // ------------------------------------------------------------ accuracy against eps

  async #computeCurve() {
    const run = ++this.#curveRun;
    const n = this.#settings.images;
    this.#curveBusy = true;
    this.#ui.curveProgress.hidden = false;
    this.#ui.curveProgress.value = 0;
    this.#ui.curveAt.textContent = this.#t('curveComputing', { percent: '0%' });
    try {
      const result = await engine()('widgetCurve', { models: this.#models, n },
        { onProgress: (p) => {
          if (run !== this.#curveRun || p.kind !== 'curves') return;
          this.#ui.curveProgress.value = p.fraction;
          this.#ui.curveAt.textContent = this.#t('curveComputing',
            { percent: percent(p.fraction) });
        } });
      if (run !== this.#curveRun) return;
      this.#curve = result;
      this.#ui.curveProgress.hidden = true;
      this.#setStatus('');
      this.#drawCurve();
      this.dataset.curve = 'ready';
      if (!LIVE_PANELS.some((p) => this.#shown(p)) && !this.dataset.ready) {
        this.dataset.ready = 'true';
        this.#emit('advlab-ready', {});
      }
    } catch (error) {
      if (run === this.#curveRun) {
        this.#setStatus(this.#t('error', { message: error.message }), true);
      }
    } finally {
      if (run === this.#curveRun) this.#curveBusy = false;
    }
  }

  #drawCurve() {
    const curve = this.#curve;
    this.#ui.curveTitle.textContent = this.#t('curveTitle',
      { n: curve?.n ?? this.#settings.images });
    if (!curve) return;
    const ids = Object.keys(curve.accuracy);
    const draw = lineChart(this.#ui.curveChart, { yMin: 0, yMax: 1, format: percent, dots: true,
      xLabel: this.#t('curveAxis'), series: ids.map((id, i) => ({
        color: SERIES_COLORS[i % SERIES_COLORS.length], label: this.#modelName(id, 'short') })) });
    draw(ids.map((id) => curve.eps.map((e, i) => [e, curve.accuracy[id][i]])), curve.eps.at(-1));
    this.#ui.curveChart.setAttribute('aria-label', ids.map((id) => `${this.#modelName(id)}: ` +
      curve.eps.map((e, i) => `ε ${e} ${percent(curve.accuracy[id][i])}`).join(', ')).join('; '));
    this.#showCurvePoint();
  }

  // The curve read at the current eps, interpolated between the measured points (marked ≈).
  #showCurvePoint() {
    const curve = this.#curve;
    if (!curve || !this.#ui.epsRange) return;
    const eps = Number(this.#ui.epsRange.value);
    const values = Object.entries(curve.accuracy).map(([id, acc]) => {
      const { value, exact } = readCurve(curve.eps, acc, eps);
      return `${this.#modelName(id, 'short')} ${exact ? '' : '≈'}${percent(value)}`;
    });
    this.#ui.curveAt.textContent = this.#t('curveAt', { eps: eps.toFixed(2),
      values: values.join(', ') });
    this.dataset.curveAt = eps.toFixed(2);
  }

  // ------------------------------------------------------------ training

  #showTrainHint() {
    this.#ui.trainHint.textContent = this.#t('trainHint', { model: this.#modelName(
      this.#models[0] ?? 'standard'), n: TRAINING.limit, eps: this.#trainEps() });
  }

  #trainEps() {
    const eps = Number(this.#ui.epsRange.value);
    return eps > 0 ? eps : 0.2;
  }

  async #train() {
    const ui = this.#ui;
    const from = this.#settings.models[0];
    const eps = this.#trainEps();
    ui.trainButton.disabled = true;
    ui.trainProgress.value = 0;
    ui.trainStatus.textContent = this.#t('trainLoading');
    try {
      const info = await engine()('widgetTrain', { from, settings: { ...TRAINING, eps } },
        { onProgress: (p) => this.#trainProgress(p) });
      this.#trained.set(info.id, { from, eps });
      ui.trainProgress.value = 1;
      ui.trainStatus.textContent = this.#t('trainDone', { clean: percent(info.test.clean),
        adv: percent(info.test.adv), eps });
      this.#emit('advlab-training', { done: true, fraction: 1, model: info.id, test: info.test });
      this.#models = [from, info.id];
      this.#buildCards();
      this.#request();
      if (this.#shown('curve')) this.#computeCurve();
    } catch (error) {
      ui.trainStatus.textContent = this.#t('error', { message: error.message });
    } finally {
      ui.trainButton.disabled = false;
    }
  }

  #trainProgress(p) {
    if (p.kind !== 'train') return;
    this.#ui.trainProgress.value = p.fraction;
    this.#ui.trainStatus.textContent = this.#t('trainProgress', { batch: p.batchInEpoch,
      batches: p.batchesPerEpoch, loss: p.loss.toFixed(3) });
    this.#emit('advlab-training', { done: false, fraction: p.fraction, epoch: p.epoch,
      batch: p.batchInEpoch, batches: p.batchesPerEpoch, loss: p.loss, accuracy: p.accuracy });
  }

  // ------------------------------------------------------------ helpers

  // An empty text restores the standing message: what is wrong with the attributes, or 'Ready.'.
  #setStatus(text, isError = false) {
    // Without an engine, what the browser lacks is the only news (ui/needs.js).
    if (this.dataset.unsupported) {
      this.#ui.status.textContent = this.#t(this.dataset.unsupported);
      this.#ui.status.classList.add('is-error');
      return;
    }
    const problems = this.#settings?.problems.join(' ');
    const standing = problems || (this.dataset.ready ? this.#t('ready') : '');
    this.#ui.status.textContent = text || standing;
    this.#ui.status.classList.toggle('is-error', isError || (!text && Boolean(problems)));
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

/** The value of a piecewise-linear curve at x, and whether x is one of its points. */
export function readCurve(xs, ys, x) {
  const at = xs.findIndex((v) => Math.abs(v - x) < 1e-9);
  if (at >= 0) return { value: ys[at], exact: true };
  if (x <= xs[0]) return { value: ys[0], exact: false };
  if (x >= xs.at(-1)) return { value: ys.at(-1), exact: false };
  const i = xs.findIndex((v) => v > x);
  const f = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  return { value: ys[i - 1] + f * (ys[i] - ys[i - 1]), exact: false };
}

// Importing this module defines <advlab-demo> (web/advlab-demo.js is its public entry).
if (!customElements.get('advlab-demo')) customElements.define('advlab-demo', AdvlabDemo);
