// The order charts are first drawn in: a card on screen (or within a
// little of it) at once; the others afterwards, one per task, in the order
// they asked, so the charts the reader sees are drawn first and the page
// keeps answering while the rest follow. A waiting card the reader
// scrolls to goes next.

/** How far below (or above) the screen a card still counts as on it, px. */
const MARGIN = 150;

const waiting = []; // {el, draw}
let timer = null;

/** Whether `el` is laid out on screen or within MARGIN of it. */
export function onScreen(el) {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.bottom > -MARGIN && r.top < globalThis.innerHeight + MARGIN;
}

function next() {
  timer = null;
  const at = waiting.findIndex((w) => onScreen(w.el));
  const [item] = waiting.splice(Math.max(0, at), 1);
  if (waiting.length) timer = setTimeout(next, 0);
  item?.draw();
}

/**
 * Runs `draw` now when `el` is on screen, else after the charts on
 * screen (one waiting chart per task). Returns a function that drops a
 * draw still waiting.
 */
export function drawInTurn(el, draw) {
  if (onScreen(el)) {
    draw();
    return () => {};
  }
  const item = { el, draw };
  waiting.push(item);
  timer ??= setTimeout(next, 0);
  return () => {
    const i = waiting.indexOf(item);
    if (i >= 0) waiting.splice(i, 1);
  };
}

/** Charts waiting for their turn (the benchmark reports it). */
export function chartsWaiting() {
  return waiting.length;
}
