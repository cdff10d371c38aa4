import { h, setClass, setText } from "../core/dom.js";
import { alarmPriorityFor } from "../core/alarm-lookup.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";
import { ALARM_CLASSES } from "./value-readout.js";

/** A station's machine state and detail (from the line status), framed in its worst standing alarm's colour. */
export function stationStatus(state: PlantState, id: string): Widget {
  const st = h("strong", { "data-testid": `station-state-${id}` });
  const detail = h("span", { class: "muted", "data-testid": `station-detail-${id}` });
  const el = h("span", { class: "station-status" }, st, " ", detail);
  return {
    el,
    update() {
      const s = state.line?.stations?.stations[id];
      setText(st, s ? s.state.toUpperCase() : "—");
      setText(detail, s && s.detail !== s.state ? s.detail : "");
      el.classList.toggle("stale", !state.connected);
      const p = alarmPriorityFor(state.alarms, { station: id });
      setClass(el, ALARM_CLASSES, p ? `alarm-${p}` : null);
    },
  };
}
