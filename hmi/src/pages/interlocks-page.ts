import type { InterlockJson } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { Page, PageContext } from "../core/page.js";
import { session } from "../core/session.js";
import { causeText } from "../widgets/first-out-banner.js";
import { openSignatureDialog } from "../widgets/signature-dialog.js";

const WRITE_NAMES: Record<string, string> = {
  "htr.heater_enable=false": "Heater off",
  "feed.drives_run=false": "Drives stop",
  "feed.doser_on=false": "Doser off",
  "rinse.pump_on=false": "Rinse pump off",
  "quench.gas_on=false": "Gas knife off",
};

/** The effect columns of one interlock, in words. */
export function effectLabels(il: InterlockJson): string[] {
  const out: string[] = [];
  for (const w of il.effects.writes) out.push(WRITE_NAMES[`${w.tag}=${String(w.value)}`] ?? `${w.tag} = ${String(w.value)}`);
  if (il.effects.line !== "none") out.push(`Line ${il.effects.line}`);
  for (const b of il.blocksStart) out.push(b === "heater" ? "Blocks heater on" : `Blocks ${b} start`);
  return out;
}

const SEVERITY_CLASS: Record<string, string> = { critical: "alarm-critical", high: "alarm-high", medium: "alarm-medium", low: "alarm-low" };

/**
 * Level 4: the cause → effect matrix, live. A row per interlock (cause, state, cause value), a column per
 * effect; a tripped or missing row takes its severity's colour, the first-out is marked; reset, and a
 * signed, time-limited bypass where the interlock allows one.
 */
export function interlocksPage(ctx: PageContext): Page {
  const { state, live } = ctx;
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "il-result" });
  const summary = h("p", { "data-testid": "il-summary" });
  const host = h("div", { class: "matrix-host" });
  const canReset = session.can("interlocks:reset");
  const canBypass = session.can("interlocks:bypass");
  const show = (what: string, ok: boolean, message?: string) => {
    setText(result, ok ? `${what}: done` : `${what} refused: ${message ?? ""}`);
    result.className = ok ? "cmd-result" : "cmd-result refused";
    result.dataset.outcome = ok ? "accepted" : "refused";
  };
  const reset = canReset
    ? h(
        "button",
        {
          type: "button",
          class: "btn",
          "data-testid": "il-reset",
          onclick: () => void live.operate("interlock.reset", {}).then((a) => show("reset", a.ok, a.ok ? undefined : a.error.message)),
        },
        "Reset interlocks",
      )
    : null;
  const bypass = (il: InterlockJson) =>
    openSignatureDialog({
      title: `Bypass ${il.id} — ${il.title}`,
      detail: "The interlock will not act until the bypass expires or is removed. The action is recorded with your signature.",
      maxMinutes: 480,
      submit: async (r) => {
        const a = await live.operate("interlock.bypass", { id: il.id, ...r });
        show(`bypass ${il.id}`, a.ok, a.ok ? undefined : a.error.message);
        return a;
      },
    });

  let lastKey = "";
  const render = () => {
    const list = state.interlocks?.interlocks ?? [];
    const key = JSON.stringify(list) + String(state.connected);
    if (key === lastKey) return;
    lastKey = key;
    const columns = [...new Set(list.flatMap(effectLabels))];
    const header = h("tr", {}, ...["", "Interlock", "Kind", "State", "Cause now", "Cause at last change", "Since"].map((x) => h("th", {}, x)), ...columns.map((c) => h("th", { class: "effect-col" }, h("span", {}, c))), canBypass ? h("th", {}, "") : null);
    const rows = list.map((il) => {
      const abnormal = il.state === "tripped" || il.state === "latched" || il.state === "permissive-missing";
      const effects = new Set(effectLabels(il));
      const bp = il.bypass;
      const actions: HTMLElement[] = [];
      if (canBypass && il.bypassable && !bp) actions.push(h("button", { type: "button", class: "btn btn-small", "data-testid": `il-bypass-${il.id}`, onclick: () => bypass(il) }, "Bypass…"));
      return h(
        "tr",
        {
          class: `${abnormal ? (SEVERITY_CLASS[il.severity] ?? "alarm-high") : ""} ${il.firstOut ? "first-out" : ""} ${bp ? "bypassed" : ""}`,
          "data-testid": `il-row-${il.id}`,
          "data-state": il.state,
          "data-first-out": String(il.firstOut),
        },
        h("td", {}, il.firstOut ? h("span", { class: "fo-badge", "data-testid": "il-first-out" }, "1st OUT") : ""),
        h("td", {}, h("strong", {}, il.id), " ", il.title),
        h("td", {}, il.kind),
        h("td", { "data-testid": `il-state-${il.id}` }, il.state.toUpperCase() + (bp ? ` — BYPASSED by ${bp.by} until ${formatTime(bp.until)}: ${bp.reason}` : "") + (il.waitingFor ? ` — for first data from ${il.waitingFor}` : "")),
        h("td", {}, il.cause),
        h("td", { class: "cause-cell" }, causeText(il.causeValue)),
        h("td", { class: "nowrap" }, formatTime(il.since)),
        ...columns.map((c) => h("td", { class: `effect ${effects.has(c) ? (abnormal && !c.startsWith("Blocks") ? "on active" : "on") : ""}` }, effects.has(c) ? "●" : "")),
        canBypass ? h("td", {}, h("div", { class: "actions" }, ...actions)) : null,
      );
    });
    host.replaceChildren(h("table", { class: "grid matrix", "data-testid": "il-matrix" }, h("thead", {}, header), h("tbody", {}, ...rows)));
    host.classList.toggle("stale", !state.connected);
    const il = state.interlocks;
    const waiting = il?.interlocks.filter((x) => x.state === "waiting").map((x) => x.id) ?? [];
    setText(summary, il ? `Tripped: ${il.tripped.join(", ") || "none"} · missing permissives: ${il.missingPermissives.join(", ") || "none"} · bypassed: ${il.bypassed.join(", ") || "none"}${waiting.length > 0 ? ` · waiting for first data: ${waiting.join(", ")}` : ""}` : "Interlocks not loaded");
  };
  const el = h(
    "div",
    { class: "interlocks-page", "data-testid": "interlocks-page" },
    h("div", { class: "page-title" }, h("h1", {}, "Interlocks — cause → effect"), reset),
    summary,
    result,
    host,
    h("p", { class: "muted" }, "● effect of the interlock; ■ effect acting now (row tripped). Every trip needs its cause cleared and a reset."),
  );
  return {
    el,
    tags: [],
    update(kinds) {
      if (kinds.has("interlocks") || kinds.has("connection")) render();
    },
  };
}
