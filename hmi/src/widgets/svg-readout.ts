import { s, setClass, setText } from "../core/dom.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";
import { fitTextBox } from "./fit-text-box.js";
import { ALARM_CLASSES, type ReadoutOptions, readoutView } from "./value-readout.js";

/** A live value inside the SVG mimic: label, number, units; stale values greyed with "?" on a hatched box. */
export function svgReadout(state: PlantState, tag: string, x: number, y: number, label: string, opts: ReadoutOptions & { big?: boolean } = {}): Widget {
  const num = s("tspan", { class: "num" });
  const unit = s("tspan", { class: "unit", dx: 3 });
  const q = s("tspan", { class: "q", dx: 2 });
  const bg = s("rect", { class: "sv-bg", x: x - 2, y: y - (opts.big ? 20 : 13), width: 1, height: opts.big ? 26 : 17, rx: 2 });
  const text = s("text", { class: `sv-val${opts.big ? " big" : ""}`, x, y, "data-testid": `mimic-value-${tag}` }, num, unit, q);
  const lbl = s("text", { class: "sv-label", x, y: y - (opts.big ? 22 : 15) }, label);
  const el = s("g", { class: "sv" }, lbl, bg, text);
  return {
    el,
    update() {
      const r = readoutView(state, tag, opts);
      setText(num, r.text);
      setText(unit, r.units);
      setText(q, r.f.stale ? "?" : "");
      el.classList.toggle("stale", r.f.stale);
      setClass(el, ALARM_CLASSES, r.alarmClass);
      text.dataset.value = r.value;
      text.dataset.stale = String(r.f.stale);
      fitTextBox(text, bg);
    },
  };
}
