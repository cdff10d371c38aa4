import { h, setText } from "../core/dom.js";
import { formatDuration, formatNumber } from "../core/format-value.js";
import { loadedRecipeOf, loadedRecipeText } from "../core/loaded-recipe.js";
import type { Page, PageContext, Widget } from "../core/page.js";
import { ProductRate } from "../core/product-rate.js";
import { firstOutBanner } from "../widgets/first-out-banner.js";
import { lineMimic } from "../widgets/line-mimic.js";
import { valueReadout } from "../widgets/value-readout.js";

const WEB_WIDTH_M = 0.3;

const MIMIC_TAGS = [
  "feed.web_speed", "feed.web_tension", "feed.hopper_level", "feed.doser_rate", "feed.areal_loading", "feed.drives_running",
  "htr.web_temp", "htr.o2", "htr.ar_flow", "htr.supply_power", "htr.profile_phase", "htr.pulse_count",
  "quench.gas_flow", "quench.coolant_flow", "quench.exit_web_temp",
  "rinse.water_flow", "rinse.conductivity", "rinse.tank_level", "rinse.dryer_temp", "rinse.dryer_on", "rinse.rewind_tension", "rinse.roll_length",
];

/** Level 1: the whole line at a glance — PackML state, first-out, KPIs, and the mimic with live values. */
export function overviewPage(ctx: PageContext): Page {
  const { state } = ctx;
  const widgets: Widget[] = [];
  const add = <W extends Widget>(w: W): W => (widgets.push(w), w);
  const firstOut = add(firstOutBanner(state));
  const packml = h("div", { class: "packml", "data-testid": "packml-state" });
  const packmlSub = h("div", { class: "packml-sub muted", "data-testid": "packml-detail" });
  const recipe = h("span", { "data-testid": "kpi-recipe" });
  const metres = h("span", { class: "readout", "data-testid": "kpi-metres" });
  const rate = h("span", { class: "readout", "data-testid": "kpi-rate" });
  const permissives = h("p", { class: "permissives", "data-testid": "permissives" });
  const mimic = add(lineMimic(state));
  const productRate = new ProductRate(120);
  const stopBatch = state.onBatch((b) => {
    for (const c of b.changes) if (c.name === "rinse.roll_length" && typeof c.value === "number" && c.quality === "Good") productRate.add(c.ts / 1000, c.value);
  });
  const kpi = (label: string, value: Element) => h("div", { class: "kpi" }, h("span", { class: "kpi-label" }, label), value);
  const el = h(
    "div",
    { class: "overview-page", "data-testid": "overview-page" },
    firstOut.el,
    h(
      "div",
      { class: "overview-top" },
      h("div", { class: "packml-box" }, h("span", { class: "kpi-label" }, "Line (PackML)"), packml, packmlSub),
      h(
        "div",
        { class: "kpis" },
        kpi("Web speed", add(valueReadout(state, "feed.web_speed")).el),
        kpi("Made this roll", metres),
        kpi("Product rate", rate),
        kpi("Pulses", add(valueReadout(state, "htr.pulse_count", { decimals: 0 })).el),
        kpi("Recipe", recipe),
      ),
    ),
    permissives,
    h("section", { class: "panel mimic-panel" }, mimic.el),
  );
  return {
    el,
    tags: MIMIC_TAGS,
    update() {
      const line = state.line;
      setText(packml, line?.state ?? "—");
      packml.classList.toggle("stale", !state.connected);
      const since = Number(line?.stateEnteredAt ?? 0);
      const stop = line?.stopReason;
      setText(packmlSub, line ? `${line.mode} · for ${since > 0 ? formatDuration(Date.now() - since) : "—"}${stop?.message && /Stopped|Aborted|Held|Stopping|Aborting/.test(line.state) ? ` · ${stop.message}` : ""}` : "");
      const lr = loadedRecipeOf(line);
      setText(recipe, loadedRecipeText(lr));
      recipe.classList.toggle("trial", lr.trial);
      recipe.dataset.version = lr.version === null ? "" : String(lr.version);
      const roll = state.num("rinse.roll_length");
      const processed = Number((line?.counts as { metresProcessed?: number } | undefined)?.metresProcessed ?? line?.metresProcessed ?? NaN);
      setText(metres, `${roll === null ? "----" : formatNumber(roll, 2)} m${Number.isFinite(processed) ? ` (processed ${formatNumber(processed, 2)} m)` : ""}`);
      metres.classList.toggle("stale", state.isStale("rinse.roll_length"));
      const mph = productRate.metresPerHour(Date.now() / 1000);
      setText(rate, mph === null ? "---- m/h" : `${formatNumber(mph, 1)} m/h · ${formatNumber(mph * WEB_WIDTH_M, 2)} m²/h`);
      rate.classList.toggle("stale", mph === null || !state.connected);
      const missing = state.interlocks?.missingPermissives ?? line?.interlocks.missingPermissives ?? [];
      setText(permissives, missing.length ? `Start permissives missing: ${missing.join(", ")}` : "All start permissives present");
      for (const w of widgets) w.update();
    },
    dispose() {
      stopBatch();
    },
  };
}
