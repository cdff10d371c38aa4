/**
 * Sizes an SVG readout's background box to its text's rendered width (+ 4 px, at least 10), after the current
 * render's writes. Reading a text's width forces a layout; read right after each readout's write, that was one
 * layout per readout per render — 15 % of the overview page's main thread at the line's normal change rate
 * (the latency to the screen did not change: that waits for the display's frames). Here the boxes queued during
 * one render are all read in one microtask after it (one layout), then all written; a box whose text has not
 * changed since its last fit is not read again, except after the page's web fonts load.
 */
const queued = new Map<SVGTextElement, SVGRectElement>();
const fitted = new WeakMap<SVGTextElement, string>();
let scheduled = false;
/** Bumped when web fonts finish loading: every box's width is read again at its next update. */
let fontGeneration = 0;
if (typeof document !== "undefined") document.fonts?.addEventListener?.("loadingdone", () => void fontGeneration++);

export function fitTextBox(text: SVGTextElement, bg: SVGRectElement): void {
  if (fitted.get(text) === keyOf(text)) return;
  queued.set(text, bg);
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(fitQueued);
}

function keyOf(text: SVGTextElement): string {
  return `${fontGeneration}\u0000${text.textContent ?? ""}`;
}

function fitQueued(): void {
  scheduled = false;
  const boxes = [...queued];
  queued.clear();
  // All reads first (one layout), then all writes.
  const widths = boxes.map(([text]) => (text.isConnected ? text.getComputedTextLength() : null));
  boxes.forEach(([text, bg], i) => {
    const w = widths[i];
    if (w === null || w === undefined) return; // not in the document yet: read at its next update
    fitted.set(text, keyOf(text));
    bg.setAttribute("width", String(Math.max(10, w + 4)));
  });
}
