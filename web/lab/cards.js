// The two model cards, standard and defended, cloned from the page's template.
import { probabilityBars } from '../ui/render.js';
import { $, SLOTS, SLOT_WORDS } from './state.js';

// A model card with the slot's name as its id.
function makeCard(slot) {
  const root = $('#model-card').content.firstElementChild.cloneNode(true);
  root.id = slot;
  $('.model-title', root).dataset.i18n = SLOT_WORDS[slot].title;
  $('.model-select', root).dataset.i18nAttr = `aria-label: ${SLOT_WORDS[slot].weights}`;
  $('.models').append(root);
  return root;
}

/** slot -> {root, bars}. */
export const cards = Object.fromEntries(SLOTS.map((slot) => {
  const root = makeCard(slot);
  return [slot, { root, bars: probabilityBars($('.bars', root)) }];
}));
