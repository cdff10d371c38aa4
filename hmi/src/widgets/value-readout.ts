import { setClass, setText, h } from "../core/dom.js";
import { formatValue } from "../core/format-value.js";
import { alarmPriorityFor } from "../core/alarm-lookup.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";

export interface ReadoutOptions {
  readonly decimals?: number;
  readonly onOff?: readonly [string, string];
  /** Units to show instead of the tag's own. */
  readonly units?: string;
  /** Enumerated values in words (e.g. the profile phase). */
  readonly labels?: Readonly<Record<number, string>>;
}

export const ALARM_CLASSES = ["alarm-critical", "alarm-high", "alarm-medium", "alarm-low"];

/** What a readout shows of a tag now (the HTML readout and the mimic's SVG readout draw the same thing). */
export function readoutView(state: PlantState, tag: string, opts: ReadoutOptions) {
  const meta = state.meta.get(tag);
  const units = opts.units ?? meta?.units ?? "";
  const v = state.value(tag);
  const f = formatValue(v, units, state.connected, opts);
  const label = opts.labels && typeof v?.value === "number" ? opts.labels[v.value] : undefined;
  const priority = alarmPriorityFor(state.alarms, { tag });
  return {
    meta,
    v,
    f,
    text: label ?? f.text,
    units: typeof v?.value === "boolean" || label !== undefined ? "" : units,
    alarmClass: priority ? `alarm-${priority}` : null,
    value: v?.value === null || v?.value === undefined ? "" : String(v.value),
  };
}

/**
 * A live value with its units: dark on grey when Good; greyed, hatched and marked "?" when stale (connection
 * down, quality not Good); framed in the alarm priority's colour while an alarm on the tag stands.
 * `data-testid="value-<tag>"`, with data-value / data-quality / data-stale for tests.
 */
export function valueReadout(state: PlantState, tag: string, opts: ReadoutOptions = {}): Widget {
  const num = h("span", { class: "num" });
  const unit = h("span", { class: "unit" });
  const el = h("span", { class: "readout", "data-testid": `value-${tag}`, title: tag }, num, unit);
  return {
    el,
    update() {
      const { meta, v, f, text, units, alarmClass, value } = readoutView(state, tag, opts);
      setText(num, text);
      setText(unit, units);
      el.classList.toggle("stale", f.stale);
      el.classList.toggle("bad", f.bad);
      setClass(el, ALARM_CLASSES, alarmClass);
      el.dataset.value = value;
      el.dataset.quality = v?.quality ?? "none";
      el.dataset.stale = String(f.stale);
      el.title = `${meta?.description ?? tag} (${tag})${f.stale ? ` — ${!state.connected ? "connection lost, value stale" : `quality ${v?.quality ?? "none"}`}` : ""}`;
    },
  };
}
