import type { Ack, RecipeDiffJson, RecipeListEntryJson, RecipePreviewJson, RecipeVersionJson } from "../../../src/server/socket-contract.js";
import { api } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { loadedRecipeOf } from "../core/loaded-recipe.js";
import type { Page, PageContext } from "../core/page.js";
import { type RecipeTransition, TRANSITION_LABEL, TRANSITION_MEANING, TRANSITION_REASON_REQUIRED, versionActions } from "../core/recipe-actions.js";
import { type RecipeRoute, parseRecipeRoute, recipeHash } from "../core/recipe-route.js";
import { RECIPE_SCHEMA } from "../core/recipe-schema-json.js";
import { session } from "../core/session.js";
import { diffTable } from "../widgets/recipe-diff-table.js";
import { recipeEditor } from "../widgets/recipe-editor.js";
import { historyTable, loadsTable } from "../widgets/recipe-history.js";
import { recipeListTable, versionTable } from "../widgets/recipe-list.js";
import { type PreviewSubject, recipePreviewPanel } from "../widgets/recipe-preview-panel.js";
import { stateBadge } from "../widgets/recipe-state-badge.js";
import { openSignatureDialog } from "../widgets/signature-dialog.js";

/** The outcome of a create, shown by the display it navigates to (the new version's). */
let flash: { readonly text: string; readonly ok: boolean } | null = null;

const versionUrl = (alloy: string, v: number) => `/api/recipes/${encodeURIComponent(alloy)}/versions/${v}`;
const errorText = (err: unknown) => (err as Error).message;

async function previewOf(alloy: string, version: number, label: string): Promise<PreviewSubject> {
  try {
    return { label, preview: await api.get<RecipePreviewJson>(`${versionUrl(alloy, version)}/preview`) };
  } catch (err) {
    return { label, preview: null, error: errorText(err) };
  }
}

const DONE: Record<RecipeTransition, string> = { submit: "submitted", approve: "approved", reject: "rejected", obsolete: "withdrawn" };

const TRANSITION_DETAIL: Record<RecipeTransition, string> = {
  submit: "The version becomes immutable and goes to QA for review. You sign as its author.",
  approve: "The version becomes the effective recipe (the approved one before it is superseded). You sign as its reviewer.",
  reject: "The version goes back as rejected; editing continues in a new draft based on it.",
  obsolete: "The version is withdrawn: it can no longer be loaded.",
};

/**
 * Recipes for process engineers and QA (level 3). The list by alloy with state badges; one version with its
 * fields (editable while a draft: units, range, the server's problems inline, a mandatory change reason, save
 * with the revision), its predicted pulse beside the approved version's and the paper's, its history with
 * signatures and where it was used; a diff of two versions with both curves. Lifecycle steps are e-signed;
 * loading goes into the line. A button the role may not use is not shown; the server checks every step.
 */
export function recipesPage(ctx: PageContext, parts: readonly string[]): Page {
  const { live, state, navigate } = ctx;
  const route = parseRecipeRoute(parts);
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "version-result" });
  const listHost = h("section", { class: "panel", "data-testid": "recipe-list-panel" }, h("p", { class: "muted" }, "loading …"));
  const versionsHost = h("section", { class: "panel", "data-testid": "version-list-panel" });
  versionsHost.hidden = true;
  const detail = h("div", { class: "recipe-detail", "data-testid": "recipe-detail" });
  const disposers: (() => void)[] = [];
  let disposed = false;
  let list: RecipeListEntryJson[] = [];
  let renderActions: (() => void) | null = null;
  let lastMode = state.line?.mode ?? null;
  let lastLoaded = "";
  let selected: { alloy: string | null; version: number | null } = { alloy: null, version: null };

  /** An operation under way: no outcome yet. */
  const pending = (text: string) => {
    setText(result, text);
    result.className = "cmd-result";
    delete result.dataset.outcome;
    delete result.dataset.code;
    delete result.dataset.readBack;
  };
  const show = (text: string, ok: boolean, code?: string) => {
    setText(result, text);
    result.className = ok ? "cmd-result" : "cmd-result refused";
    result.dataset.outcome = ok ? "accepted" : "refused";
    if (code) result.dataset.code = code;
    else delete result.dataset.code;
  };
  if (flash) {
    show(flash.text, flash.ok);
    flash = null;
  }
  const who = () => ({ user: session.current?.user ?? "", can: (p: string) => session.can(p) });
  const entry = (alloy: string) => list.find((e) => e.alloy === alloy);
  const approvedOf = (alloy: string) => entry(alloy)?.approved ?? null;

  const renderList = (alloy: string | null, version: number | null) => {
    selected = { alloy, version };
    const lr = loadedRecipeOf(state.line);
    lastLoaded = `${lr.alloy}@${lr.version}`;
    listHost.replaceChildren(h("h2", {}, "Recipes by alloy"), recipeListTable(list, alloy, lr));
    const e = alloy === null ? undefined : entry(alloy);
    versionsHost.hidden = e === undefined;
    if (e) versionsHost.replaceChildren(h("h2", {}, `${e.alloy} — versions`), versionTable(e.alloy, e.versions, version, e.approved));
  };
  const loadList = async (): Promise<boolean> => {
    try {
      list = await api.get<RecipeListEntryJson[]>("/api/recipes");
      return true;
    } catch (err) {
      listHost.replaceChildren(h("p", { class: "form-error", "data-testid": "recipe-list-error" }, `recipes not available: ${errorText(err)}`));
      return false;
    }
  };

  /** Runs an operation and says how it went; a success reloads the list and what is shown. */
  const act = async (what: string, run: () => Promise<Ack>, after: (ack: Ack & { ok: true }) => Promise<void> | void): Promise<Ack> => {
    pending(`${what} …`);
    const ack = await run();
    if (!ack.ok) {
      show(`${what} refused: ${ack.error.message}`, false, ack.error.code);
      return ack;
    }
    await after(ack);
    return ack;
  };

  const transition = (v: RecipeVersionJson, action: RecipeTransition) =>
    openSignatureDialog({
      title: `${TRANSITION_LABEL[action]}: ${v.alloy} v${v.version}`,
      detail: TRANSITION_DETAIL[action],
      meanings: [TRANSITION_MEANING[action]],
      reasonRequired: TRANSITION_REASON_REQUIRED[action],
      reasonPlaceholder: TRANSITION_REASON_REQUIRED[action] ? "why (mandatory)" : "a note for the history (optional)",
      submitLabel: `Sign — ${TRANSITION_MEANING[action]}`,
      submit: (r) =>
        act(
          `${action} v${v.version}`,
          () => live.operate(`recipe.${action}`, { alloy: v.alloy, version: v.version, signature: r.signature, ...(r.reason ? { reason: r.reason } : {}) }),
          () => {
            show(`v${v.version} ${DONE[action]}: signed "${TRANSITION_MEANING[action]}" by ${session.current?.user ?? "?"}`, true);
            return showVersion(v.alloy, v.version, true);
          },
        ),
    });

  const load = (v: RecipeVersionJson, trial: boolean) =>
    void act(
      `load ${v.alloy} v${v.version}${trial ? " as TRIAL" : ""}`,
      () => live.operate("recipe.load", { alloy: v.alloy, version: v.version }),
      (ack) => {
        const s = (ack.result ?? {}) as { state?: string; setpoints?: readonly { ok: boolean }[]; trial?: boolean; version?: number | null };
        const sps = s.setpoints ?? [];
        const verified = s.state === "verified";
        show(`${v.alloy} v${s.version ?? v.version}${s.trial ? " TRIAL" : ""} loaded: read-back ${verified ? "verified" : (s.state ?? "?")} (${sps.filter((x) => x.ok).length} of ${sps.length} setpoints in the PLC)`, verified);
        result.dataset.readBack = s.state ?? "";
        return showVersion(v.alloy, v.version, true);
      },
    );

  const actionButtons = (v: RecipeVersionJson, box: HTMLElement) => {
    const a = versionActions(v, who(), state.line?.mode ?? null);
    const btn = (testid: string, label: string, onclick: () => void, primary = false) => h("button", { type: "button", class: `btn${primary ? " btn-primary" : ""}`, "data-testid": testid, onclick }, label);
    const approved = approvedOf(v.alloy);
    box.replaceChildren(
      ...[
        a.submit && btn("submit-version", `${TRANSITION_LABEL.submit}…`, () => transition(v, "submit"), true),
        a.approve && btn("approve-version", `${TRANSITION_LABEL.approve}…`, () => transition(v, "approve"), true),
        a.reject && btn("reject-version", `${TRANSITION_LABEL.reject}…`, () => transition(v, "reject")),
        a.obsolete && btn("obsolete-version", `${TRANSITION_LABEL.obsolete}…`, () => transition(v, "obsolete")),
        a.load === "yes" && btn("load-version", `Load v${v.version} into the line`, () => load(v, false), true),
        a.load === "trial" && btn("load-trial", `Load v${v.version} as TRIAL (Maintenance)`, () => load(v, true)),
        a.newDraft && btn("new-draft", `New draft from v${v.version}`, () => navigate(recipeHash({ view: "new", alloy: v.alloy, basedOn: v.version }))),
        approved !== null && approved !== v.version && h("a", { class: "btn", href: recipeHash({ view: "diff", alloy: v.alloy, from: approved, to: v.version }), "data-testid": "diff-approved" }, `Diff v${approved} ↔ v${v.version}`),
      ].filter((x): x is HTMLButtonElement | HTMLAnchorElement => x instanceof HTMLElement),
    );
    box.dataset.actions = [...box.children].map((c) => (c as HTMLElement).dataset.testid).join(",");
  };

  const save = async (v: RecipeVersionJson, recipe: Record<string, unknown>, reason: string): Promise<Ack> => {
    const ack = await act(
      `save v${v.version}`,
      () => live.operate("recipe.save", { alloy: v.alloy, version: v.version, revision: v.revision, reason, recipe }),
      async () => {
        await showVersion(v.alloy, v.version, true);
        show(`v${v.version} saved (revision ${v.revision} → ${v.revision + 1}): ${reason}`, true);
      },
    );
    // Someone saved the draft meanwhile: their version has to be seen before editing on (the edits here are not kept).
    if (!ack.ok && ack.error.code === "SCADA_ERR_RECIPE_STALE") {
      result.append(" ", h("button", { type: "button", class: "btn btn-small", "data-testid": "reload-version", onclick: () => void showVersion(v.alloy, v.version, true) }, "Open the current revision"));
    }
    return ack;
  };

  const versionHead = (v: RecipeVersionJson, actions: HTMLElement, title: string) =>
    h(
      "section",
      { class: "panel version-head", "data-testid": "version-detail", "data-state": v.state, "data-version": String(v.version), "data-revision": String(v.revision) },
      h("h1", {}, `${title} `, stateBadge(v.state, v.version), v.source === "config" ? h("span", { class: "muted" }, " (imported from the file)") : ""),
      h(
        "p",
        { class: "muted" },
        `by ${v.author}, ${formatTime(v.createdAt)}${v.basedOn !== null ? ` · based on v${v.basedOn}` : ""} · revision ${v.revision}, last saved by ${v.updatedBy} ${formatTime(v.updatedAt)} · hash ${v.hash.slice(0, 12)}…`,
      ),
      h("p", {}, h("strong", {}, "Reason: "), v.reason),
      actions,
      result,
    );

  /** One version: fields (editable while a draft), its preview beside the approved one, history, where used. */
  async function showVersion(alloy: string, version: number, reloadList = false): Promise<void> {
    if (reloadList) await loadList();
    let v: RecipeVersionJson;
    try {
      v = await api.get<RecipeVersionJson>(versionUrl(alloy, version));
    } catch (err) {
      renderList(alloy, version);
      detail.replaceChildren(h("p", { class: "form-error", "data-testid": "version-error" }, `${alloy} v${version}: ${errorText(err)}`));
      return;
    }
    if (disposed) return;
    renderList(alloy, version);
    const actions = h("div", { class: "cmd-row", "data-testid": "version-actions" });
    renderActions = () => actionButtons(v, actions);
    renderActions();
    const editable = versionActions(v, who(), null).edit;
    const editor = recipeEditor({ recipe: v.recipe, ...(RECIPE_SCHEMA ? { schema: RECIPE_SCHEMA } : {}), problems: v.problems, readOnly: !editable, saveLabel: "Save draft", onSave: (recipe, reason) => save(v, recipe, reason) });
    const panel = recipePreviewPanel();
    disposers.push(() => panel.dispose());
    detail.replaceChildren(
      versionHead(v, actions, `${alloy} v${v.version}`),
      h("div", { class: "recipe-columns" }, h("section", { class: "panel" }, h("h2", {}, editable ? "Edit the draft" : "Fields"), editor.el), panel.el),
      h("section", { class: "panel" }, h("h2", {}, "History"), historyTable(v.history)),
      h("section", { class: "panel" }, h("h2", {}, "Where used (loads)"), loadsTable(v.loads)),
    );
    panel.loading();
    const approved = approvedOf(alloy);
    const [mine, base] = await Promise.all([previewOf(alloy, version, `v${version}`), approved !== null && approved !== version ? previewOf(alloy, approved, `v${approved} (approved)`) : Promise.resolve(null)]);
    if (!disposed) panel.show(mine, base);
  }

  /** A new draft from a version: its fields to edit, a mandatory reason; creating it opens the new version. */
  async function showNew(alloy: string, basedOn: number): Promise<void> {
    renderList(alloy, basedOn);
    if (!session.can("recipes:edit")) {
      detail.replaceChildren(h("p", { class: "muted", "data-testid": "not-allowed" }, "This role may not write recipe versions (needs recipes:edit)."));
      return;
    }
    let base: RecipeVersionJson;
    try {
      base = await api.get<RecipeVersionJson>(versionUrl(alloy, basedOn));
    } catch (err) {
      detail.replaceChildren(h("p", { class: "form-error", "data-testid": "version-error" }, `${alloy} v${basedOn}: ${errorText(err)}`));
      return;
    }
    const editor = recipeEditor({
      recipe: base.recipe,
      ...(RECIPE_SCHEMA ? { schema: RECIPE_SCHEMA } : {}),
      problems: [],
      readOnly: false,
      saveLabel: "Create draft",
      reasonLabel: "Reason for the new version ",
      onSave: (recipe, reason) =>
        act(
          `new draft from v${basedOn}`,
          () => live.operate("recipe.create", { alloy, basedOn, reason, recipe }),
          (ack) => {
            const created = ack.result as { version?: number; revision?: number } | undefined;
            if (typeof created?.version !== "number") return showVersion(alloy, basedOn, true);
            flash = { text: `v${created.version} created as a draft from v${basedOn}: ${reason}`, ok: true };
            navigate(recipeHash({ view: "version", alloy, version: created.version }));
          },
        ),
    });
    const panel = recipePreviewPanel();
    disposers.push(() => panel.dispose());
    detail.replaceChildren(
      h("section", { class: "panel version-head", "data-testid": "new-draft" }, h("h1", {}, `${alloy}: new draft from `, stateBadge(base.state, base.version)), h("p", { class: "muted" }, "Change the fields, say why, and create the draft; its preview follows once it is saved."), result),
      h("div", { class: "recipe-columns" }, h("section", { class: "panel" }, h("h2", {}, "Fields"), editor.el), panel.el),
    );
    panel.loading();
    panel.show(await previewOf(alloy, basedOn, `v${basedOn}`), null);
  }

  /** Two versions compared: the fields that differ (units, old → new) and both predicted curves overlaid. */
  async function showDiff(alloy: string, from: number | null, to: number | null): Promise<void> {
    const e = entry(alloy);
    const versions = [...(e?.versions ?? [])].map((x) => x.version).sort((a, b) => a - b);
    const b = to ?? versions.at(-1) ?? null;
    const a = from ?? (e?.approved !== null && e?.approved !== b ? (e?.approved ?? null) : null) ?? versions.filter((x) => b === null || x < b).at(-1) ?? null;
    renderList(alloy, b);
    const pick = (value: number | null, testid: string) => h("select", { "data-testid": testid }, ...versions.map((x) => h("option", { value: String(x), selected: x === value }, `v${x} ${e?.versions.find((y) => y.version === x)?.state ?? ""}`)));
    const fromSel = pick(a, "diff-from");
    const toSel = pick(b, "diff-to");
    const go = () => navigate(recipeHash({ view: "diff", alloy, from: Number(fromSel.value), to: Number(toSel.value) }));
    fromSel.addEventListener("change", go);
    toSel.addEventListener("change", go);
    const rowsHost = h("div", {}, h("p", { class: "muted" }, "loading …"));
    const panel = recipePreviewPanel("diff-chart");
    disposers.push(() => panel.dispose());
    detail.replaceChildren(
      h("section", { class: "panel", "data-testid": "diff-view" }, h("h1", {}, `${alloy}: compare versions`), h("div", { class: "toolbar" }, "from ", fromSel, " to ", toSel), rowsHost),
      panel.el,
    );
    if (a === null || b === null) {
      rowsHost.replaceChildren(h("p", { class: "muted" }, "Pick two versions."));
      return;
    }
    panel.loading();
    const [rows, pa, pb] = await Promise.all([
      api.get<RecipeDiffJson[]>(`/api/recipes/${encodeURIComponent(alloy)}/diff?from=${a}&to=${b}`).catch((err: unknown) => errorText(err)),
      previewOf(alloy, a, `v${a}`),
      previewOf(alloy, b, `v${b}`),
    ]);
    if (disposed) return;
    rowsHost.replaceChildren(typeof rows === "string" ? h("p", { class: "form-error", "data-testid": "diff-error" }, `diff not available: ${rows}`) : diffTable(rows, a, b));
    panel.show(pb, pa);
  }

  const start = async (r: RecipeRoute) => {
    if (!(await loadList())) return;
    if (disposed) return;
    switch (r.view) {
      case "version":
        return showVersion(r.alloy, r.version);
      case "new":
        return showNew(r.alloy, r.basedOn);
      case "diff":
        return showDiff(r.alloy, r.from, r.to);
      case "list": {
        const e = r.alloy === null ? undefined : entry(r.alloy);
        const open = e ? (e.approved ?? e.versions.at(-1)?.version) : undefined;
        if (e && open !== undefined) return showVersion(e.alloy, open);
        renderList(r.alloy, null);
        detail.replaceChildren(h("p", { class: "muted" }, r.alloy === null ? "Pick a recipe." : `No recipe '${r.alloy}'.`));
      }
    }
  };
  void start(route);

  const el = h("div", { class: "recipes-page", "data-testid": "recipes-page" }, listHost, versionsHost, detail);
  return {
    el,
    tags: [],
    update(kinds) {
      if (!kinds.has("line")) return;
      const mode = state.line?.mode ?? null;
      if (mode !== lastMode) {
        lastMode = mode;
        renderActions?.();
      }
      const lr = loadedRecipeOf(state.line);
      // The loaded recipe changed (a load from here, or elsewhere): the list's Line column follows.
      if (`${lr.alloy}@${lr.version}` !== lastLoaded && list.length > 0) renderList(selected.alloy, selected.version);
    },
    dispose() {
      disposed = true;
      for (const d of disposers) d();
    },
  };
}
