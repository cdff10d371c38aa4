import type { RecipePreviewJson } from "../../../src/server/socket-contract.js";
import { h } from "../core/dom.js";
import { paperProfileCurve } from "../core/paper-profile.js";
import { PREVIEW_FIGURES, figureDelta, figureText } from "../core/preview-figures.js";
import { type PreviewCurve, recipePreviewChart } from "./recipe-preview-chart.js";

/** A version's preview as the panel shows it (null with an error when it could not be had). */
export interface PreviewSubject {
  readonly label: string;
  readonly preview: RecipePreviewJson | null;
  readonly error?: string;
}

/**
 * The predicted pulse of a version beside another's (the approved one, or the other side of a diff) and the
 * paper's profile; the figures of both with the difference; the verdict — may it be submitted, and if not why.
 */
export function recipePreviewPanel(testId = "preview-chart"): { readonly el: HTMLElement; loading(): void; show(subject: PreviewSubject, base: PreviewSubject | null): void; dispose(): void } {
  const chart = recipePreviewChart(testId);
  const figures = h("div", { class: "preview-figures", "data-testid": "preview-figures" });
  const verdict = h("div", { class: "preview-verdict", "data-testid": "preview-verdict" });
  const el = h("section", { class: "panel preview-panel", "data-testid": "preview-panel" }, h("h2", {}, "Predicted pulse (the virtual plant's thermal model)"), chart.el, verdict, figures);
  return {
    el,
    loading() {
      chart.loading();
    },
    show(subject, base) {
      const curves: PreviewCurve[] = [];
      if (subject.preview) curves.push({ label: subject.label, curve: subject.preview.curve, style: "primary" });
      if (base?.preview) curves.push({ label: base.label, curve: base.preview.curve, style: "secondary" });
      curves.push({ label: "paper: 1340 K, ramp 3.0 s, hold 7.0 s, cool 5.0 s", curve: paperProfileCurve(), style: "reference" });
      if (!subject.preview) chart.error(subject.error ?? "no preview");
      else chart.show(curves);
      const p = subject.preview;
      verdict.replaceChildren(
        p === null
          ? h("p", { class: "muted" }, `No preview of ${subject.label}: ${subject.error ?? "?"}`)
          : h(
              "div",
              { class: p.submittable ? "verdict-ok" : "verdict-bad", "data-submittable": String(p.submittable) },
              h("strong", {}, p.submittable ? `${subject.label}: passes the preview's checks (submittable)` : `${subject.label}: fails the preview's checks — may NOT be submitted`),
              p.reasons.length ? h("ul", { "data-testid": "preview-reasons" }, ...p.reasons.map((r) => h("li", {}, r))) : null,
            ),
      );
      verdict.dataset.submittable = p ? String(p.submittable) : "";
      const baseP = base?.preview ?? null;
      figures.replaceChildren(
        h(
          "table",
          { class: "grid figures" },
          h("thead", {}, h("tr", {}, h("th", {}, "Figure"), h("th", {}, subject.label), base ? h("th", {}, base.label) : null, base ? h("th", {}, "Δ") : null)),
          h(
            "tbody",
            {},
            ...PREVIEW_FIGURES.map((f) => {
              const v = p?.[f.key];
              const bv = baseP?.[f.key];
              return h(
                "tr",
                {},
                h("th", { scope: "row" }, f.label),
                h("td", { class: "num-cell", "data-testid": `preview-${f.key}`, "data-value": typeof v === "number" ? String(v) : "" }, figureText(p, f)),
                base ? h("td", { class: "num-cell", "data-testid": `preview-base-${f.key}`, "data-value": typeof bv === "number" ? String(bv) : "" }, figureText(baseP, f)) : null,
                base ? h("td", { class: "num-cell", "data-testid": `preview-delta-${f.key}` }, figureDelta(p, baseP, f)) : null,
              );
            }),
          ),
        ),
      );
    },
    dispose() {
      chart.dispose();
    },
  };
}
