/** The value of a piecewise-linear curve at x, and whether x is one of its points. */
export function readCurve(xs: any, ys: any, x: any): {
    value: any;
    exact: boolean;
};
export class AdvlabDemo extends HTMLElement {
    /** @type {string[]} */
    static observedAttributes: string[];
    connectedCallback(): void;
    /**
     * @param {string} name
     * @param {string|null} before
     * @param {string|null} after
     */
    attributeChangedCallback(name: string, before: string | null, after: string | null): void;
    /** The latest analysis ({x, models: [...]}) as the worker gave it, or null. */
    get result(): any;
    #private;
}
