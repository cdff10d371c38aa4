import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";

interface CauseSnapshot {
  readonly text?: string;
  readonly readings?: readonly { tag: string; value: unknown; quality: string; reason?: string }[];
}

/** The cause value of a trip in words: the interlock's text, else its readings. */
export function causeText(cause: unknown): string {
  const c = (cause ?? {}) as CauseSnapshot;
  if (c.text) return c.text;
  return (c.readings ?? []).map((r) => `${r.tag} = ${String(r.value)} (${r.quality})`).join(", ");
}

/** While a trip is latched: the first-out interlock, its title, when, and the cause value that tripped it. */
export function firstOutBanner(state: PlantState): Widget {
  const id = h("strong", { "data-testid": "first-out-id" });
  const title = h("span", { "data-testid": "first-out-title" });
  const cause = h("span", { class: "fo-cause", "data-testid": "first-out-cause" });
  const when = h("span", { class: "fo-time" });
  const el = h("div", { class: "first-out-banner", role: "alert", "data-testid": "first-out-banner" }, h("span", { class: "fo-label" }, "TRIP — first out"), id, title, cause, when);
  return {
    el,
    update() {
      const il = state.interlocks ?? state.line?.interlocks ?? null;
      const fo = il?.firstOut ?? null;
      const show = fo !== null && (il?.tripped.length ?? 0) > 0;
      el.hidden = !show;
      el.classList.toggle("stale", !state.connected);
      if (!fo) return;
      setText(id, fo.interlock);
      setText(title, String(fo.title ?? ""));
      setText(cause, `cause: ${causeText(fo.cause)}`);
      setText(when, formatTime(fo.at));
    },
  };
}
