import { s, setClass, setText } from "../core/dom.js";
import { alarmPriorityFor, standingAlarms } from "../core/alarm-lookup.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";
import { PHASE_LABELS } from "../core/station-defs.js";
import { svgReadout } from "./svg-readout.js";
import { ALARM_CLASSES } from "./value-readout.js";

interface Box {
  readonly id: string;
  readonly station: string;
  readonly title: string;
  readonly x: number;
  readonly w: number;
  readonly values: readonly { tag: string; label: string; big?: boolean; onOff?: readonly [string, string]; labels?: Record<number, string> }[];
}

const WEB_Y = 110;
const BOX_Y = 40;
const BOX_H = 262;

const BOXES: readonly Box[] = [
  { id: "feed", station: "feed", title: "FEED", x: 150, w: 170, values: [
    { tag: "feed.web_speed", label: "Web speed" },
    { tag: "feed.hopper_level", label: "Hopper" },
    { tag: "feed.doser_rate", label: "Doser" },
    { tag: "feed.areal_loading", label: "Loading" },
  ] },
  { id: "htr", station: "htr", title: "HTR ZONE", x: 350, w: 200, values: [
    { tag: "htr.web_temp", label: "Web temperature", big: true },
    { tag: "htr.o2", label: "O₂" },
    { tag: "htr.ar_flow", label: "Argon flow" },
    { tag: "htr.supply_power", label: "Power" },
    { tag: "htr.profile_phase", label: "Phase", labels: PHASE_LABELS },
  ] },
  { id: "quench", station: "quench", title: "QUENCH", x: 580, w: 160, values: [
    { tag: "quench.gas_flow", label: "Gas knife" },
    { tag: "quench.coolant_flow", label: "Coolant" },
    { tag: "quench.exit_web_temp", label: "Exit web" },
  ] },
  { id: "rinse", station: "rinse", title: "NaCl RINSE", x: 770, w: 160, values: [
    { tag: "rinse.water_flow", label: "Water flow" },
    { tag: "rinse.conductivity", label: "Conductivity" },
    { tag: "rinse.tank_level", label: "Tank level" },
  ] },
  { id: "dryer", station: "rinse", title: "DRYER", x: 960, w: 120, values: [
    { tag: "rinse.dryer_temp", label: "Air" },
    { tag: "rinse.dryer_on", label: "Heater", onOff: ["ON", "OFF"] },
  ] },
];

/**
 * Level 1 mimic of the web path, upstream → downstream: unwinder → feed → HTR → quench → rinse → dryer →
 * rewinder, each station with its state and key values. Equipment grey, the web a dark line; a station
 * frame takes the colour of its worst standing alarm, nothing else is coloured.
 */
export function lineMimic(state: PlantState): Widget {
  const widgets: Widget[] = [];
  const stationStates: { id: string; station: string; text: SVGTextElement; frame: SVGRectElement; badge: SVGTextElement }[] = [];
  const hatch = s(
    "defs",
    {},
    s("pattern", { id: "stale-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("rect", { width: 6, height: 6, fill: "#d9d9d9" }), s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9a9a9a", "stroke-width": 2 })),
  );
  const svg = s("svg", { class: "mimic", viewBox: "0 0 1280 315", "data-testid": "mimic", role: "img", "aria-label": "Line mimic" }, hatch);
  // The web: from the unwinder over every station to the rewinder.
  svg.append(s("line", { class: "web", x1: 70, y1: WEB_Y, x2: 1190, y2: WEB_Y }));
  const reel = (cx: number, label: string, tags: { tag: string; label: string }[], id: string) => {
    const text = s("text", { class: "box-state", x: cx, y: WEB_Y + 70, "text-anchor": "middle", "data-testid": `mimic-state-${id}` });
    svg.append(s("circle", { class: "reel", cx, cy: WEB_Y, r: 42 }), s("circle", { class: "reel-core", cx, cy: WEB_Y, r: 12 }), s("text", { class: "box-title", x: cx, y: 30, "text-anchor": "middle" }, label), text);
    tags.forEach((t, i) => {
      const w = svgReadout(state, t.tag, cx - 45, WEB_Y + 118 + i * 40, t.label);
      widgets.push(w);
      svg.append(w.el);
    });
    return text;
  };
  const unwind = reel(70, "UNWINDER", [{ tag: "feed.web_tension", label: "Tension" }], "unwinder");
  for (const b of BOXES) {
    const frame = s("rect", { class: "box", x: b.x, y: BOX_Y, width: b.w, height: BOX_H, rx: 4, "data-testid": `mimic-box-${b.id}` });
    const title = s("text", { class: "box-title", x: b.x + 8, y: BOX_Y - 10 }, b.title);
    const stText = s("text", { class: "box-state", x: b.x + 8, y: BOX_Y + 20, "data-testid": `mimic-state-${b.id}` });
    const badge = s("text", { class: "box-badge", x: b.x + b.w - 6, y: BOX_Y + 20, "text-anchor": "end" });
    svg.append(frame, title, stText, badge);
    if (b.id === "htr") svg.append(s("rect", { class: "radiator", x: b.x + 40, y: WEB_Y - 30, width: b.w - 80, height: 12, rx: 2 }));
    if (b.id === "rinse") svg.append(s("path", { class: "tank", d: `M${b.x + 30},${WEB_Y - 14} v26 h${b.w - 60} v-26` }));
    b.values.forEach((v, i) => {
      const y = BOX_Y + 118 + i * 31 + (i > 0 && b.values[0]?.big ? 8 : 0);
      const w = svgReadout(state, v.tag, b.x + 10, y, v.label, { ...(v.big ? { big: true } : {}), ...(v.onOff ? { onOff: v.onOff } : {}), ...(v.labels ? { labels: v.labels } : {}) });
      widgets.push(w);
      svg.append(w.el);
    });
    stationStates.push({ id: b.id, station: b.station, text: stText, frame, badge });
  }
  const rewind = reel(1190, "REWINDER", [
    { tag: "rinse.rewind_tension", label: "Tension" },
    { tag: "rinse.roll_length", label: "Roll" },
  ], "rewinder");
  // Web direction arrow.
  svg.append(s("path", { class: "web-arrow", d: `M${1150},${WEB_Y - 6} l10,6 l-10,6 z` }));

  return {
    el: svg,
    update() {
      const stations = state.line?.stations?.stations ?? {};
      for (const st of stationStates) {
        const info = stations[st.station];
        let text = info ? info.state.toUpperCase() : "—";
        if (st.id === "dryer") text = state.value("rinse.dryer_on")?.value === true ? "HEATING" : "OFF";
        setText(st.text, text);
        st.text.classList.toggle("stale", !state.connected);
        const p = st.id === "dryer" ? null : alarmPriorityFor(state.alarms, { station: st.station });
        setClass(st.frame, ALARM_CLASSES, p ? `alarm-${p}` : null);
        const n = st.id === "dryer" ? 0 : standingAlarms(state.alarms).filter((a) => a.station === st.station).length;
        setText(st.badge, n > 0 ? `⚠ ${n}` : "");
        setClass(st.badge, ALARM_CLASSES, p ? `alarm-${p}` : null);
      }
      const drives = state.value("feed.drives_running")?.value === true;
      setText(unwind, drives ? "RUNNING" : "STOPPED");
      setText(rewind, drives ? "RUNNING" : "STOPPED");
      for (const w of widgets) w.update();
    },
  };
}
