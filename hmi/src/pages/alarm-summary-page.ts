import type { AlarmJson, Ack } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { STANDING, priorityRank } from "../core/alarm-lookup.js";
import { formatNumber, formatTime } from "../core/format-value.js";
import type { Page, PageContext } from "../core/page.js";
import { type PageAckOutcome, pageAckSummary, unackedIds } from "../core/page-ack.js";
import { session } from "../core/session.js";
import { tabs } from "../core/tabs.js";
import { alarmStateText } from "../widgets/alarm-banner.js";

export const ALARM_TABS = [
  { hash: "#/alarms", label: "Summary" },
  { hash: "#/alarms/history", label: "History" },
  { hash: "#/alarms/kpis", label: "KPIs" },
];

/**
 * Alarm summary: standing and shelved alarms, most important first; ack, shelve (reason, minutes), unshelve,
 * reset; and a page acknowledgement (ISA-18.2): every unacknowledged alarm shown, confirmed first, sent one
 * `alarm.ack` each so every alarm leaves its own audit record.
 */
export function alarmSummaryPage(ctx: PageContext): Page {
  const { state, live } = ctx;
  const showAll = h("input", { type: "checkbox", "data-testid": "alarms-show-all" });
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "alarm-result" });
  const tbody = h("tbody", { "data-testid": "alarm-rows" });
  const shelveId = h("strong", {});
  const minutes = h("input", { type: "number", min: 1, max: 480, value: 60, "data-testid": "shelve-minutes" });
  const reason = h("input", { type: "text", placeholder: "why (required)", size: 40, "data-testid": "shelve-reason" });
  const shelveForm = h(
    "form",
    { class: "panel shelve-form", "data-testid": "shelve-form" },
    h("span", {}, "Shelve ", shelveId, " for "),
    minutes,
    h("span", {}, " min, reason "),
    reason,
    h("button", { type: "submit", class: "btn", "data-testid": "shelve-confirm" }, "Shelve"),
    h("button", { type: "button", class: "btn", onclick: () => (shelveForm.hidden = true) }, "Cancel"),
  );
  shelveForm.hidden = true;

  const show = (what: string, ack: Ack) => {
    setText(result, ack.ok ? `${what}: done` : `${what} refused: ${ack.error.message}`);
    result.className = ack.ok ? "cmd-result" : "cmd-result refused";
    result.dataset.outcome = ack.ok ? "accepted" : "refused";
  };
  shelveForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = shelveId.textContent ?? "";
    void live.operate("alarm.shelve", { id, minutes: Number(minutes.value), reason: reason.value }).then((a) => {
      show(`shelve ${id}`, a);
      if (a.ok) shelveForm.hidden = true;
    });
  });

  const canAck = session.can("alarms:ack");
  const canShelve = session.can("alarms:shelve");

  // ---- page acknowledgement: snapshot what is shown, confirm, then one alarm.ack per alarm in turn ----
  let shown: AlarmJson[] = [];
  let pending: string[] = [];
  let acking = false;
  const unackedShown = () => unackedIds(shown);
  const ackPageQuestion = h("span", { "data-testid": "ack-page-question" });
  const ackPageConfirm = h("button", { type: "button", class: "btn btn-primary", "data-testid": "ack-page-confirm" }, "Acknowledge");
  const ackPageCancel = h("button", { type: "button", class: "btn", "data-testid": "ack-page-cancel" }, "Cancel");
  const ackPageForm = h("div", { class: "panel ack-page-form", role: "alertdialog", "data-testid": "ack-page-form" }, ackPageQuestion, ackPageConfirm, ackPageCancel);
  ackPageForm.hidden = true;
  const ackPageButton = h("button", { type: "button", class: "btn", "data-testid": "alarms-ack-page" }, "Acknowledge all shown");
  const closeAckPage = () => {
    ackPageForm.hidden = true;
    pending = [];
  };
  ackPageButton.addEventListener("click", () => {
    if (acking) return;
    pending = unackedShown();
    if (pending.length === 0) return;
    setText(ackPageQuestion, `Acknowledge the ${pending.length} unacknowledged alarm${pending.length === 1 ? "" : "s"} shown (${pending.join(", ")})? Each is acknowledged and recorded separately.`);
    ackPageConfirm.textContent = `Acknowledge ${pending.length}`;
    ackPageForm.dataset.count = String(pending.length);
    ackPageForm.hidden = false;
    ackPageConfirm.focus();
  });
  ackPageCancel.addEventListener("click", closeAckPage);
  ackPageConfirm.addEventListener("click", () => {
    // Exactly the alarms the operator was asked about: one that came in since waits for its own look.
    const ids = pending;
    closeAckPage();
    if (ids.length === 0 || acking) return;
    acking = true;
    ackPageButton.disabled = true;
    void (async () => {
      const outcomes: PageAckOutcome[] = [];
      for (const id of ids) {
        setText(result, `acknowledging ${outcomes.length + 1} of ${ids.length} …`);
        const a = await live.operate("alarm.ack", { id });
        outcomes.push(a.ok ? { id, ok: true } : { id, ok: false, reason: a.error.message });
      }
      const refused = outcomes.filter((o) => !o.ok).length;
      setText(result, pageAckSummary(outcomes));
      result.className = refused === 0 ? "cmd-result" : "cmd-result refused";
      result.dataset.outcome = refused === 0 ? "accepted" : "refused";
      result.dataset.acked = String(outcomes.length - refused);
      result.dataset.refused = String(refused);
      acking = false;
      render();
    })();
  });
  const button = (label: string, testid: string, run: () => void) => h("button", { type: "button", class: "btn btn-small", "data-testid": testid, onclick: run }, label);
  const row = (a: AlarmJson): HTMLTableRowElement => {
    const actions: HTMLElement[] = [];
    const unacked = a.state === "unack-active" || a.state === "rtn-unack";
    if (canAck && unacked) actions.push(button("Ack", `alarm-ack-${a.id}`, () => void live.operate("alarm.ack", { id: a.id }).then((r) => show(`ack ${a.id}`, r))));
    if (canAck && a.awaitingReset === true) actions.push(button("Reset", `alarm-reset-${a.id}`, () => void live.operate("alarm.reset", { id: a.id }).then((r) => show(`reset ${a.id}`, r))));
    if (canShelve && a.state !== "shelved" && a.state !== "normal")
      actions.push(
        button("Shelve", `alarm-shelve-${a.id}`, () => {
          shelveId.textContent = a.id;
          reason.value = "";
          shelveForm.hidden = false;
          reason.focus();
        }),
      );
    if (canShelve && a.state === "shelved") actions.push(button("Unshelve", `alarm-unshelve-${a.id}`, () => void live.operate("alarm.unshelve", { id: a.id }).then((r) => show(`unshelve ${a.id}`, r))));
    const shelfNote = a.state === "shelved" ? ` until ${formatTime(Number(a.shelvedUntil))} by ${String(a.shelvedBy)}: ${String(a.shelveReason)}` : "";
    const value = typeof a.value === "number" ? formatNumber(a.value, 1) : a.value === null || a.value === undefined ? "—" : String(a.value);
    const standing = STANDING.has(a.state);
    return h(
      "tr",
      { class: `${standing ? `alarm-${a.priority}` : ""} ${a.state === "unack-active" || a.state === "rtn-unack" ? "unacked" : ""}`, "data-testid": `alarm-row-${a.id}`, "data-state": a.state },
      h("td", {}, h("span", { class: `prio-badge ${standing ? `prio-${a.priority}` : ""}` }, a.priority.toUpperCase())),
      h("td", {}, a.id),
      h("td", {}, String(a.message ?? "")),
      h("td", {}, String(a.station ?? "")),
      h("td", { "data-testid": `alarm-state-${a.id}` }, alarmStateText(a.state) + shelfNote + (a.awaitingReset === true ? " (awaits reset)" : "")),
      h("td", { class: "num-cell" }, value),
      h("td", { class: "nowrap" }, formatTime(Number(a.since ?? a.activeSince ?? 0))),
      h("td", {}, h("div", { class: "actions" }, ...actions)),
    );
  };

  const render = () => {
    const all = state.alarms?.alarms ?? [];
    const list = all
      .filter((a) => showAll.checked || STANDING.has(a.state) || a.state === "shelved")
      .sort((x, y) => priorityRank(x.priority) - priorityRank(y.priority) || Number(y.since ?? 0) - Number(x.since ?? 0));
    tbody.replaceChildren(...(list.length ? list.map(row) : [h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No standing or shelved alarms."))]));
    tbody.classList.toggle("stale", !state.connected);
    shown = list;
    const n = unackedShown().length;
    ackPageButton.disabled = acking || n === 0 || !state.connected;
    ackPageButton.dataset.count = String(n);
    ackPageButton.textContent = `Acknowledge all shown (${n})`;
  };
  showAll.addEventListener("change", render);

  const el = h(
    "div",
    { class: "alarms-page", "data-testid": "alarms-page" },
    tabs(ALARM_TABS, "#/alarms"),
    h("div", { class: "toolbar" }, canAck ? ackPageButton : null, h("label", {}, showAll, " also show suppressed, out-of-service and normal alarms")),
    canAck ? ackPageForm : null,
    shelveForm,
    result,
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ...["Priority", "Alarm", "Message", "Station", "State", "Value", "Since", ""].map((x) => h("th", x === "Value" ? { title: "the value when the state last changed (at Since)" } : {}, x)))), tbody),
  );
  return {
    el,
    tags: [],
    update(kinds) {
      if (kinds.has("alarms") || kinds.has("connection")) render();
    },
  };
}
