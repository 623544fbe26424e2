// The budgets of a theft's curve, shared by the lab page and the widget: the chosen budget, halved
// `steps - 1` times, smallest first, never under the thief's batch (64, ART's), which a smaller
// budget cannot fill. Each budget is a theft of its own.
const MIN_QUERIES = 64;

/** @returns {number[]} */
export function budgetCurve(queries, steps) {
  const list = [];
  for (let i = steps - 1; i >= 0; i--) {
    const q = Math.round(queries / 2 ** i);
    if (q >= MIN_QUERIES && !list.includes(q)) list.push(q);
  }
  return list.length ? list : [queries];
}
