import uPlot from "uplot";
import { to24h } from "../core/chart-time.js";
import { api, query } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { type HistoryResult, alignSeries } from "../core/history-data.js";
import type { Page, PageContext } from "../core/page.js";

const RANGES: readonly { value: string; label: string; ms: number }[] = [
  { value: "-5m", label: "last 5 min", ms: 5 * 60_000 },
  { value: "-15m", label: "last 15 min", ms: 15 * 60_000 },
  { value: "-1h", label: "last hour", ms: 3_600_000 },
  { value: "-8h", label: "last 8 h", ms: 8 * 3_600_000 },
  { value: "-24h", label: "last 24 h", ms: 24 * 3_600_000 },
];
/** Dark, distinguishable greys and muted hues for trend pens (no alarm colours). */
const PENS = ["#111111", "#3b5b8a", "#6b4c2a", "#4d6b3c", "#6a3d6a", "#555555", "#2f6f6f", "#7a5a00"];
const POINTS = 600;
const DEFAULT_TAGS = ["htr.web_temp", "htr.o2"];

/**
 * Trends from the historian: pick tags and a time range; drag across the plot to zoom (the zoomed window
 * is fetched again at full resolution), ◀ ▶ pan by half a window, CSV of exactly what is shown.
 */
export function trendsPage(ctx: PageContext): Page {
  const { state } = ctx;
  const picked = new Set(DEFAULT_TAGS);
  const picker = h("div", { class: "tag-picker", "data-testid": "trend-tags" });
  const range = h("select", { "data-testid": "trend-range" }, ...RANGES.map((r) => h("option", { value: r.value, selected: r.value === "-15m" }, r.label)));
  const status = h("p", { class: "muted", "data-testid": "trend-status" });
  const csv = h("a", { class: "btn", "data-testid": "trend-csv", download: "" }, "CSV");
  const plotHost = h("div", { class: "trend-plot", "data-testid": "trend-plot" });
  let win: { from: number; to: number } | null = null; // absolute window after zoom / pan; null = relative range
  let plot: uPlot | null = null;
  let loadSeq = 0; // only the latest request draws (a slow answer to an older one is dropped)

  const buildPicker = () => {
    const numeric = [...state.meta.values()].filter((m) => m.units !== "" || m.range !== null).filter((m) => typeof state.value(m.name)?.value !== "boolean");
    const byStation = new Map<string, typeof numeric>();
    for (const m of numeric) byStation.set(m.station ?? "devices", [...(byStation.get(m.station ?? "devices") ?? []), m]);
    picker.replaceChildren(
      ...[...byStation].map(([st, list]) =>
        h(
          "fieldset",
          {},
          h("legend", {}, st),
          ...list.map((m) => {
            const cb = h("input", { type: "checkbox", value: m.name, checked: picked.has(m.name), "data-testid": `trend-tag-${m.name}` });
            cb.addEventListener("change", () => {
              if (cb.checked) picked.add(m.name);
              else picked.delete(m.name);
              void load();
            });
            return h("label", { title: m.description }, cb, ` ${m.name} `, h("span", { class: "muted" }, m.units));
          }),
        ),
      ),
    );
  };

  const currentRange = () => {
    if (win) return { from: String(Math.round(win.from)), to: String(Math.round(win.to)) };
    return { from: range.value, to: "now" };
  };

  const load = async () => {
    const tags = [...picked];
    if (tags.length === 0) {
      loadSeq++;
      setText(status, "Pick one or more tags.");
      plotHost.dataset.state = "empty";
      plotHost.dataset.points = "0";
      plot?.destroy();
      plot = null;
      return;
    }
    const seq = ++loadSeq;
    const r = currentRange();
    const q = query({ tags: tags.join(","), from: r.from, to: r.to, points: POINTS });
    csv.setAttribute("href", `/api/history${q}&format=csv`);
    setText(status, "loading …");
    plotHost.dataset.state = "loading";
    let res: HistoryResult;
    try {
      res = await api.get<HistoryResult>(`/api/history${q}`);
    } catch (err) {
      if (seq !== loadSeq) return;
      setText(status, `history not available: ${(err as Error).message}`);
      plotHost.dataset.state = "error";
      return;
    }
    if (seq !== loadSeq) return;
    setText(status, `${formatTime(res.fromMs)} … ${formatTime(res.toMs)} · ${res.source}, ${res.bucketMs >= 1000 ? `${Math.round(res.bucketMs / 1000)} s` : `${Math.round(res.bucketMs)} ms`} buckets · drag to zoom, ◀ ▶ to pan`);
    draw(res, tags);
  };

  const draw = (res: HistoryResult, tags: string[]) => {
    const units = [...new Set(tags.map((t) => state.meta.get(t)?.units || "–"))];
    const data = alignSeries(res, tags);
    // Raw samples are recorded on change: a value holds until the next one (a step), buckets are means (a line).
    const paths = res.source === "raw" ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {};
    // What is drawn, for tests and for a look in the inspector: the window, the tags, the points with a value.
    Object.assign(plotHost.dataset, {
      state: "ready",
      from: String(res.fromMs),
      to: String(res.toMs),
      tags: tags.join(","),
      points: String(data.slice(1).reduce((n, col) => n + col.filter((v) => typeof v === "number").length, 0)),
      bucketMs: String(res.bucketMs),
    });
    plot?.destroy();
    plot = new uPlot(
      {
        width: Math.max(400, plotHost.clientWidth || 900),
        height: 380,
        fmtDate: (t: string) => uPlot.fmtDate(to24h(t)),
        scales: { x: { time: true, range: () => [res.fromMs / 1000, res.toMs / 1000] }, ...Object.fromEntries(units.map((u) => [u, {}])) },
        axes: [
          { stroke: "#333", grid: { stroke: "#c4c4c4" } },
          ...units.slice(0, 2).map((u, i) => ({ scale: u, label: u, stroke: "#333", side: i === 0 ? 3 : 1, grid: { show: i === 0, stroke: "#c4c4c4" }, size: 60 })),
        ],
        series: [{}, ...tags.map((t, i) => ({ label: t, scale: state.meta.get(t)?.units || "–", stroke: PENS[i % PENS.length]!, width: 1.5, ...paths }))],
        cursor: { drag: { x: true, y: false, setScale: false } },
        hooks: {
          setSelect: [
            (u: uPlot) => {
              if (u.select.width < 5) return;
              const a = u.posToVal(u.select.left, "x") * 1000;
              const b = u.posToVal(u.select.left + u.select.width, "x") * 1000;
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              win = { from: a, to: b };
              void load();
            },
          ],
        },
      },
      data as uPlot.AlignedData,
      plotHost,
    );
  };

  const span = () => (win ? win.to - win.from : (RANGES.find((r) => r.value === range.value)?.ms ?? 900_000));
  const pan = (dir: -1 | 1) => {
    const w = win ?? { from: Date.now() - span(), to: Date.now() };
    const d = (span() / 2) * dir;
    win = { from: w.from + d, to: w.to + d };
    void load();
  };
  range.addEventListener("change", () => {
    win = null;
    void load();
  });
  const el = h(
    "div",
    { class: "trends-page", "data-testid": "trends-page" },
    h(
      "div",
      { class: "toolbar" },
      range,
      h("button", { type: "button", class: "btn", "data-testid": "trend-pan-left", onclick: () => pan(-1) }, "◀"),
      h("button", { type: "button", class: "btn", "data-testid": "trend-pan-right", onclick: () => pan(1) }, "▶"),
      h("button", { type: "button", class: "btn", "data-testid": "trend-reset", onclick: () => ((win = null), void load()) }, "Reset zoom"),
      h("button", { type: "button", class: "btn", onclick: () => void load() }, "Refresh"),
      csv,
    ),
    status,
    h("div", { class: "trend-layout" }, picker, plotHost),
  );
  let built = false;
  return {
    el,
    tags: [],
    update(kinds) {
      if (!built && state.meta.size > 0) {
        built = true;
        buildPicker();
        void load();
      }
      void kinds;
    },
    dispose() {
      plot?.destroy();
    },
  };
}
