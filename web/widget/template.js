// The widget's markup, as strings for the shadow root. No style attributes and no scripts, so
// it stands under a strict Content-Security-Policy. data-t names the string a node shows,
// data-t-label the string of its aria-label (see translate in element.js).

export const WIDGET = `
<div class="widget" hidden>
  <p class="status" role="status" data-t="loading"></p>
  <div class="controls">
    <label><span data-t="attack"></span>
      <select class="attack">
        <option value="fgsm" data-t="attack_fgsm"></option>
        <option value="bim" data-t="attack_bim"></option>
        <option value="pgd" data-t="attack_pgd"></option>
        <option value="deepfool" data-t="attack_deepfool"></option>
        <option value="newtonfool" data-t="attack_newtonfool"></option>
        <option value="cw" data-t="attack_cw"></option>
        <option value="lbfgs" data-t="lab.attack.lbfgs"></option>
        <option value="jsma" data-t="lab.attack.jsma"></option>
        <option value="apgd" data-t="lab.attack.apgd"></option>
        <option value="apgd-t" data-t="lab.attack.apgdT"></option>
        <option value="fab" data-t="lab.attack.fab"></option>
        <option value="square" data-t="lab.attack.square"></option>
        <option value="hopskipjump" data-t="lab.attack.hopskipjump"></option>
        <option value="boundary" data-t="lab.attack.boundary"></option>
      </select>
    </label>
    <label class="eps"><span data-t="eps"></span>
      <input class="eps-range" type="range" min="0" max="0.5" step="0.01">
      <output class="eps-value"></output></label>
  </div>
  <p class="defence note" hidden></p>
  <div class="poison" data-panel="poison">
    <label class="check"><input class="trigger" type="checkbox">
      <span data-t="trigger"></span></label>
    <p class="note" data-t="triggerNote"></p>
  </div>
  <div class="live">
    <div class="input-area">
      <div class="draw" data-panel="draw">
        <canvas class="pad" width="280" height="280" data-t-label="pad"></canvas>
        <div class="toolbar">
          <button type="button" class="undo" data-t="undo"></button>
          <button type="button" class="clear" data-t="clear"></button>
        </div>
      </div>
      <div class="picker">
        <label><span data-t="testDigit"></span>
          <input class="digit" type="number" min="0" max="9999" step="1"></label>
        <div class="toolbar">
          <button type="button" class="previous" data-t-label="previous">‹</button>
          <button type="button" class="next" data-t-label="next">›</button>
          <button type="button" class="random" data-t="random"></button>
        </div>
        <p class="digit-note note"></p>
      </div>
    </div>
    <div class="models"></div>
    <p class="key note" data-panel="heatmap" data-t="heatmapKey"></p>
    <p class="key note" data-panel="bars" data-t="barsKey"></p>
    <p class="announce visually-hidden" aria-live="polite"></p>
  </div>
  <figure class="curve" data-panel="curve">
    <svg class="curve-chart" role="img"></svg>
    <figcaption class="curve-title"></figcaption>
    <p class="curve-at" aria-live="polite"></p>
    <progress class="curve-progress" max="1" value="0"></progress>
  </figure>
  <div class="steal" data-panel="steal">
    <h3 data-t="stealTitle"></h3>
    <p class="steal-hint note" data-t="stealHint"></p>
    <div class="controls">
      <label><span data-t="lab.steal.postprocess"></span>
        <select class="steal-post">
          <option value="none" data-t="lab.steal.post.none"></option>
          <option value="reverse_sigmoid" data-t="lab.steal.post.reverse_sigmoid"></option>
          <option value="rounded" data-t="lab.steal.post.rounded"></option>
          <option value="class_labels" data-t="lab.steal.post.class_labels"></option>
        </select>
      </label>
      <label><span data-t="lab.steal.queries"></span>
        <select class="steal-budget">
          <option value="1000">1000</option>
          <option value="2000" selected>2000</option>
          <option value="5000">5000</option>
        </select>
      </label>
    </div>
    <div class="toolbar">
      <button type="button" class="steal-button primary" data-t="lab.steal.run"></button>
      <progress class="steal-progress" max="1" value="0"></progress>
      <output class="steal-counter note"></output>
    </div>
    <figure class="curve"><svg class="steal-chart" role="img" data-t-label="lab.steal.chart"></svg></figure>
    <p class="steal-status note" role="status"></p>
  </div>
  <div class="train" data-panel="train">
    <h3 data-t="trainTitle"></h3>
    <p class="train-hint note"></p>
    <div class="toolbar">
      <button type="button" class="train-button primary" data-t="trainButton"></button>
      <progress class="train-progress" max="1" value="0"></progress>
    </div>
    <p class="train-status note" role="status"></p>
  </div>
</div>`;

export const MODEL = `
<h3 class="model-name"></h3>
<p class="verdict"><span class="verdict-text"></span> <span class="badge"></span></p>
<div class="images" data-panel="heatmap">
  <figure><canvas class="img-input" width="28" height="28"></canvas>
    <figcaption data-t="input"></figcaption></figure>
  <figure><canvas class="img-adv" width="28" height="28"></canvas>
    <figcaption data-t="adversarial"></figcaption></figure>
  <figure><canvas class="img-delta" width="28" height="28"></canvas>
    <figcaption><span data-t="perturbation"></span> <span class="gain"></span></figcaption></figure>
</div>
<p class="norms note" data-panel="heatmap"></p>
<div class="bars" data-panel="bars" role="img"></div>`;
