// The <advlab-demo> widget: one module tag and one element tag embed it in any page.
//
//   <script type="module" src="advlab/web/advlab-demo.js"></script>
//   <advlab-demo attack="fgsm" eps="0.2" models="standard,fgsm"></advlab-demo>
//
// Everything it loads (its CSS, web/engine/worker.js, the WebAssembly engine, the weights,
// MNIST) is found relative to this file, so the folder works under any path. docs/embedding.md
// lists the attributes, events and the iframe page (embed.html).
export { AdvlabDemo } from './widget/element.js'; // which defines the element
