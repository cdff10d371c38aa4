import { api, query } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { Page } from "../core/page.js";
import { table, tabs } from "../core/tabs.js";
import { ALARM_TABS } from "./alarm-summary-page.js";

interface AlarmEventRow {
  readonly t: number;
  readonly values: Record<string, unknown>;
}

const RANGES = ["-1h", "-8h", "-24h", "-7d"];

/** Alarm and operator-action history from the historian (`GET /api/alarms/history`), newest first. */
export function alarmHistoryPage(): Page {
  const from = h("select", { "data-testid": "ah-from" }, ...RANGES.map((r) => h("option", { value: r }, r.replace("-", "last "))));
  const priority = h("select", { "data-testid": "ah-priority" }, ...["", "critical", "high", "medium", "low"].map((p) => h("option", { value: p }, p || "any priority")));
  const alarm = h("input", { placeholder: "alarm id", size: 18, "data-testid": "ah-alarm" });
  const status = h("p", { class: "muted", "data-testid": "ah-status" });
  const host = h("div", {});
  const load = async () => {
    setText(status, "loading …");
    try {
      const r = await api.get<{ events: AlarmEventRow[] }>(`/api/alarms/history${query({ from: from.value, priority: priority.value, alarm: alarm.value.trim(), limit: 500 })}`);
      setText(status, `${r.events.length} events`);
      host.replaceChildren(
        table(
          ["Time", "Alarm", "Priority", "Transition", "From → to", "Station", "User", "Value", "Message"],
          r.events.map((e) => {
            const v = e.values;
            return [formatTime(e.t), String(v.alarm ?? ""), String(v.priority ?? ""), String(v.transition ?? ""), `${String(v.from ?? "")} → ${String(v.to ?? "")}`, String(v.station ?? ""), String(v.user ?? ""), v.value === null || v.value === undefined ? "—" : String(v.value), String(v.message ?? "")];
          }),
          { "data-testid": "ah-table" },
        ),
      );
    } catch (err) {
      setText(status, `history not available: ${(err as Error).message}`);
      host.replaceChildren();
    }
  };
  const el = h(
    "div",
    { class: "alarms-page" },
    tabs(ALARM_TABS, "#/alarms/history"),
    h("div", { class: "toolbar" }, from, priority, alarm, h("button", { type: "button", class: "btn", onclick: () => void load(), "data-testid": "ah-load" }, "Show")),
    status,
    host,
  );
  void load();
  return { el, tags: [], update() {} };
}
