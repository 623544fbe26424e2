export { AdvlabDemo } from "./widget/element.js";
