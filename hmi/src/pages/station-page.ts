import { h } from "../core/dom.js";
import type { Page, PageContext, Widget } from "../core/page.js";
import { type StationDef, stationTags } from "../core/station-defs.js";
import { analogIndicator } from "../widgets/analog-indicator.js";
import { firstOutBanner } from "../widgets/first-out-banner.js";
import { lineCommands } from "../widgets/line-commands.js";
import { stationStatus } from "../widgets/station-status.js";
import { thermalProfileChart } from "../widgets/thermal-profile-chart.js";
import { valueReadout } from "../widgets/value-readout.js";

/**
 * Level 2: one station's faceplates (analog indicators with the normal band, discrete states, setpoints as
 * the PLC holds them). The HTR display adds the live thermal profile and the line commands.
 */
export function stationPage(ctx: PageContext, def: StationDef): Page {
  const { state } = ctx;
  const widgets: Widget[] = [];
  const add = <W extends Widget>(w: W): W => {
    widgets.push(w);
    return w;
  };
  const status = add(stationStatus(state, def.id));
  const analog = def.analog.map((a) => add(analogIndicator(state, a.tag, a.label)).el);
  const row = (tag: string, label: string, opts = {}) => h("div", { class: "kv" }, h("span", { class: "kv-label" }, label), add(valueReadout(state, tag, opts)).el);
  const discrete = def.discrete.map((d) => row(d.tag, d.label, { ...(d.onOff ? { onOff: d.onOff } : {}), ...(d.labels ? { labels: d.labels } : {}) }));
  const setpoints = def.setpoints.map((sp) => row(sp.tag, sp.label));
  const isHtr = def.id === "htr";
  const chart = isHtr ? thermalProfileChart(state) : null;
  const commands = isHtr ? add(lineCommands(ctx)) : null;
  const firstOut = add(firstOutBanner(state));
  const el = h(
    "div",
    { class: `station-page station-${def.id}`, "data-testid": `station-page-${def.id}` },
    firstOut.el,
    h("div", { class: "page-title" }, h("h1", {}, def.name), status.el),
    h(
      "div",
      { class: "station-grid" },
      h("section", { class: "panel faceplates" }, h("h2", {}, "Process values"), ...analog),
      h(
        "div",
        { class: "side" },
        h("section", { class: "panel" }, h("h2", {}, "States"), ...discrete),
        h("section", { class: "panel" }, h("h2", {}, "Setpoints in the PLC (from the recipe)"), ...setpoints),
        commands?.el ?? null,
      ),
      chart ? h("div", { class: "wide" }, chart.el) : null,
    ),
  );
  const tags = [...stationTags(def), ...(isHtr ? [] : ["htr.profile_phase"])];
  return {
    el,
    tags,
    update() {
      for (const w of widgets) w.update();
      chart?.update();
    },
    dispose() {
      chart?.dispose();
    },
  };
}
