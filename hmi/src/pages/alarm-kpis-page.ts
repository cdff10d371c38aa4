import { api, query } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatNumber, formatTime } from "../core/format-value.js";
import type { Page } from "../core/page.js";
import { table, tabs } from "../core/tabs.js";
import { ALARM_TABS } from "./alarm-summary-page.js";

interface Kpis {
  readonly from: number;
  readonly to: number;
  readonly alarms: number;
  readonly per10Min: { average: number; max: number };
  readonly floods: readonly { start?: number; end?: number; from?: number; to?: number; count?: number }[];
  readonly floodTimePercent: number;
  readonly chattering: readonly { alarmId: string; [k: string]: unknown }[];
  readonly stale: readonly { alarmId: string; [k: string]: unknown }[];
  readonly priorities: Record<string, { count: number; percent: number }>;
  readonly badActors: readonly { alarmId: string; count: number; percent: number }[];
}

/** ISA-18.2 performance: rate per 10 min (target ≤ 1 average, flood > 10), priority split, bad actors. */
export function alarmKpisPage(): Page {
  const from = h("select", { "data-testid": "ak-from" }, ...["-1h", "-24h", "-7d", "-30d"].map((r) => h("option", { value: r, selected: r === "-24h" }, r.replace("-", "last "))));
  const status = h("p", { class: "muted" });
  const host = h("div", { "data-testid": "ak-body" });
  const load = async () => {
    setText(status, "loading …");
    try {
      const k = await api.get<Kpis>(`/api/alarms/kpis${query({ from: from.value })}`);
      setText(status, `${formatTime(k.from)} … ${formatTime(k.to)}`);
      const card = (label: string, value: string, testid: string) => h("div", { class: "kpi" }, h("span", { class: "kpi-label" }, label), h("span", { class: "readout", "data-testid": testid }, value));
      host.replaceChildren(
        h(
          "div",
          { class: "kpis" },
          card("Alarms", String(k.alarms), "ak-alarms"),
          card("Average per 10 min", formatNumber(k.per10Min.average, 2), "ak-avg"),
          card("Peak per 10 min", String(k.per10Min.max), "ak-max"),
          card("Time in flood", `${formatNumber(k.floodTimePercent, 1)} %`, "ak-flood"),
          card("Chattering", String(k.chattering.length), "ak-chattering"),
          card("Stale", String(k.stale.length), "ak-stale"),
        ),
        h("h2", {}, "Priority distribution (ISA-18.2 guide: ≈ 5 % critical, 15 % high, 80 % lower)"),
        table(["Priority", "Count", "Share"], Object.entries(k.priorities).map(([p, v]) => [p, String(v.count), `${formatNumber(v.percent, 1)} %`])),
        h("h2", {}, "Bad actors"),
        table(["Alarm", "Activations", "Share"], k.badActors.slice(0, 10).map((b) => [b.alarmId, String(b.count), `${formatNumber(b.percent, 1)} %`])),
        k.chattering.length ? h("div", {}, h("h2", {}, "Chattering"), table(["Alarm"], k.chattering.map((c) => [c.alarmId]))) : "",
        k.stale.length ? h("div", {}, h("h2", {}, "Stale (standing > 24 h)"), table(["Alarm"], k.stale.map((c) => [c.alarmId]))) : "",
      );
    } catch (err) {
      setText(status, `KPIs not available: ${(err as Error).message}`);
      host.replaceChildren();
    }
  };
  from.addEventListener("change", () => void load());
  void load();
  return { el: h("div", { class: "alarms-page" }, tabs(ALARM_TABS, "#/alarms/kpis"), h("div", { class: "toolbar" }, from), status, host), tags: [], update() {} };
}
