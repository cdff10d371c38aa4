import { h, setClass, setText } from "../core/dom.js";
import { PRIORITIES, STANDING, standingAlarms } from "../core/alarm-lookup.js";
import { formatTime } from "../core/format-value.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";
import { ALARM_CLASSES } from "./value-readout.js";

/** Alarm state in words, as the operator reads it. */
export function alarmStateText(state: string): string {
  switch (state) {
    case "unack-active":
      return "ACTIVE · UNACK";
    case "ack-active":
      return "active · acked";
    case "rtn-unack":
      return "returned · UNACK";
    default:
      return state;
  }
}

/** On every page: the most important standing alarm and the counts by priority; click → the alarm summary. */
export function alarmBanner(state: PlantState, navigate: (hash: string) => void): Widget {
  const badge = h("span", { class: "prio-badge", "data-testid": "alarm-banner-priority" });
  const text = h("span", { class: "ab-text", "data-testid": "alarm-banner-text" });
  const counts = PRIORITIES.map((p) => h("span", { class: `ab-count prio-${p}`, "data-testid": `alarm-count-${p}`, title: `${p}: standing alarms` }));
  const unacked = h("span", { class: "ab-unacked", "data-testid": "alarm-count-unacked" });
  const el = h(
    "button",
    { class: "alarm-banner", type: "button", "data-testid": "alarm-banner", onclick: () => navigate("#/alarms") },
    h("span", { class: "ab-top" }, badge, text),
    h("span", { class: "ab-counts" }, ...counts, unacked),
  );
  return {
    el,
    update() {
      const standing = standingAlarms(state.alarms);
      const top = standing[0];
      setClass(el, ALARM_CLASSES, top ? `alarm-${top.priority}` : null);
      el.classList.toggle("unacked", top !== undefined && top.state !== "ack-active");
      el.classList.toggle("stale", !state.connected);
      setText(badge, top ? top.priority.toUpperCase() : "");
      badge.style.display = top ? "" : "none";
      setText(text, top ? `${top.id} — ${String(top.message ?? "")} — ${alarmStateText(top.state)} — ${formatTime(Number(top.since ?? top.activeSince ?? 0))}` : state.alarms ? "No standing alarms" : "Alarms not loaded");
      PRIORITIES.forEach((p, i) => {
        const n = standing.filter((a) => a.priority === p).length;
        const c = counts[i]!;
        setText(c, `${p[0]!.toUpperCase()}${p.slice(1)} ${n}`);
        c.classList.toggle("nonzero", n > 0);
        c.dataset.count = String(n);
      });
      const un = (state.alarms?.alarms ?? []).filter((a) => STANDING.has(a.state) && a.state !== "ack-active").length;
      setText(unacked, `Unacked ${un}`);
      unacked.dataset.count = String(un);
    },
  };
}
