import { h, setText } from "../core/dom.js";
import type { RollJson } from "../pages/rolls-data.js";
import { fmtM, postRollAction, rollHash } from "../pages/rolls-data.js";
import { refusalOf, showOutcome } from "./roll-lab-form.js";

/**
 * QA splits an ended roll into children at metres (segment boundaries), e.g. to cut out a rejected stretch.
 * The server decides whether the cuts are possible; its refusal is shown in its own words.
 */
export function splitForm(rollId: string, onDone: () => void): { el: HTMLElement; update(roll: RollJson): void } {
  const at = h("input", { type: "text", size: 24, "data-testid": "split-at", placeholder: "e.g. 12.5, 40" });
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "split-result" });
  const submit = h("button", { type: "submit", class: "btn", "data-testid": "split-submit" }, "Split the roll");
  const hint = h("span", { class: "muted", "data-testid": "split-hint" });
  const form = h(
    "form",
    { class: "split-form toolbar", "data-testid": "split-form", novalidate: true },
    h("label", {}, "Cut at metres ", at),
    submit,
    hint,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const parts = at.value.split(/[,;\s]+/).filter((x) => x !== "");
    const atM = parts.map(Number);
    submit.disabled = true;
    setText(result, "splitting …");
    postRollAction<{ parent: string; children: RollJson[] }>(rollId, "split", { atM: atM.some((x) => !Number.isFinite(x)) ? parts : atM })
      .then((r) => {
        showOutcome(result, { ok: true, text: `Split into ${r.children.length} rolls: `, extra: { children: r.children.map((c) => c.id).join(",") } });
        result.append(...r.children.map((c) => h("a", { href: rollHash(c.id), class: "btn btn-small", "data-testid": `split-child-${c.id}` }, `${c.id} (${fmtM(c.parent?.fromM)}–${fmtM(c.parent?.toM)})`)));
        onDone();
      })
      .catch((err: unknown) => showOutcome(result, refusalOf(err)))
      .finally(() => {
        submit.disabled = false;
      });
  });
  return {
    el: h("section", { class: "panel", "data-testid": "split-panel" }, h("h2", {}, "Split (QA)"), form, result),
    update(roll) {
      setText(hint, roll.state === "ended" ? `cuts at segment boundaries, 0–${fmtM(roll.lengthM)}` : `only an ended roll can be split (this one is ${roll.state})`);
    },
  };
}
