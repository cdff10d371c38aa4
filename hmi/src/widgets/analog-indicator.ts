import { h, s, setClass } from "../core/dom.js";
import { alarmLimits, alarmPriorityFor } from "../core/alarm-lookup.js";
import { displayRange, normalBand } from "../core/normal-bands.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";
import { ALARM_CLASSES, type ReadoutOptions, valueReadout } from "./value-readout.js";

const W = 200;

/**
 * A faceplate row: label, a horizontal scale with the normal band (darker grey), alarm limits (ticks) and the
 * value as a pointer, then the number with its units. Grey when normal; the pointer is hollow when the
 * value is stale; the frame takes the alarm colour while an alarm on the tag stands.
 */
export function analogIndicator(state: PlantState, tag: string, label: string, opts: ReadoutOptions = {}): Widget {
  const band = s("rect", { class: "ai-band", y: 6, height: 10, x: 0, width: 0 });
  const limits = s("g", { class: "ai-limits" });
  const pointer = s("path", { class: "ai-pointer", d: "M0,0 L-6,-8 L6,-8 Z", transform: "translate(0,6)" });
  const lo = s("text", { class: "ai-scale", x: 0, y: 28 });
  const hi = s("text", { class: "ai-scale", x: W, y: 28, "text-anchor": "end" });
  const bar = s(
    "svg",
    { class: "ai-bar", viewBox: `-8 -4 ${W + 16} 34`, width: W + 16, height: 34, "aria-hidden": "true" },
    s("rect", { class: "ai-track", x: 0, y: 6, width: W, height: 10 }),
    band,
    limits,
    pointer,
    lo,
    hi,
  );
  const readout = valueReadout(state, tag, opts);
  const el = h("div", { class: "ai", "data-testid": `indicator-${tag}` }, h("span", { class: "ai-label" }, label), bar, readout.el);
  let lastLimits = "";
  return {
    el,
    update() {
      readout.update();
      const range = displayRange(tag, state.meta.get(tag));
      const x = (v: number) => Math.max(0, Math.min(W, ((v - range.lo) / (range.hi - range.lo)) * W));
      lo.textContent = String(range.lo);
      hi.textContent = String(range.hi);
      const b = normalBand(state, tag);
      band.setAttribute("x", String(b ? x(b.lo) : 0));
      band.setAttribute("width", String(b ? Math.max(1, x(b.hi) - x(b.lo)) : 0));
      const lims = alarmLimits(state.alarms, tag);
      const key = JSON.stringify(lims);
      if (key !== lastLimits) {
        lastLimits = key;
        limits.replaceChildren(...lims.map((l) => s("line", { x1: x(l.value), x2: x(l.value), y1: 3, y2: 19 }, s("title", {}, `${l.level} ${l.value}`))));
      }
      const v = state.num(tag);
      pointer.style.display = v === null ? "none" : "";
      if (v !== null) pointer.setAttribute("transform", `translate(${x(v)},6)`);
      el.classList.toggle("stale", state.isStale(tag));
      const p = alarmPriorityFor(state.alarms, { tag });
      setClass(el, ALARM_CLASSES, p ? `alarm-${p}` : null);
    },
  };
}
