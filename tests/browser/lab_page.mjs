// What the tests of the lab page (web/index.html) ask of it, whichever server or policy serves it.

// Polling by interval rather than every frame keeps the tests' own main-thread work small.
const POLL_MS = 100;

/** Waits until the live analysis has answered the latest input. */
export async function settled(page) {
  await page.waitForFunction(() => document.body.dataset.live === 'idle', undefined,
    { polling: POLL_MS });
}

/** {clean, adv, probs, ...} as a model card (slot 'standard' or 'defended') shows them. */
export function answer(page, slot) {
  return page.$eval(`#${slot}`, (el) => ({ ...el.dataset }));
}
