import { api, query } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { Page } from "../core/page.js";

interface AuditRecord {
  readonly sequence: number;
  /** Epoch ms: when the server recorded it. */
  readonly serverTime: number;
  readonly user: string;
  readonly role: string;
  readonly clientAddress: string;
  readonly action: string;
  readonly target: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly reason: string | null;
  readonly result: string;
  readonly resultReason: string | null;
  readonly hash: string;
  readonly signature?: { readonly name: string; readonly meaning: string; readonly time: number };
}

const ACTIONS = ["", "line.command", "setpoint.write", "alarm.ack", "alarm.shelve", "alarm.unshelve", "alarm.reset", "interlock.reset", "interlock.bypass", "recipe.load", "recipe.verify", "recipe.create", "recipe.save", "recipe.submit", "recipe.approve", "recipe.reject", "recipe.obsolete", "line.mode", "roll.new", "roll.lab-result", "roll.split", "sim.fault", "login", "logout", "login.failed", "user.change", "config.load", "data.restore", "device.certificate.trust", "device.certificate.reject", "device.certificate.remove", "access.denied"];

const json = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** The audit trail (who did what, when, old → new, result, signature) with filters, CSV and a chain check. */
export function auditPage(): Page {
  const from = h("input", { placeholder: "from: -24h, ISO, ms", size: 14, value: "-24h", "data-testid": "audit-from" });
  const to = h("input", { placeholder: "to: now", size: 10, "data-testid": "audit-to" });
  const user = h("input", { placeholder: "user", size: 10, "data-testid": "audit-user" });
  const action = h("select", { "data-testid": "audit-action" }, ...ACTIONS.map((a) => h("option", { value: a }, a || "any action")));
  const result = h("select", { "data-testid": "audit-result" }, ...["", "ok", "refused", "failed"].map((a) => h("option", { value: a }, a || "any result")));
  const target = h("input", { placeholder: "target contains", size: 14, "data-testid": "audit-target" });
  const limit = h("input", { type: "number", min: 1, max: 10000, value: 200, "data-testid": "audit-limit" });
  const csv = h("a", { class: "btn", "data-testid": "audit-csv", download: "" }, "CSV");
  const verdict = h("span", { class: "verdict", "data-testid": "audit-verdict" });
  const status = h("p", { class: "muted", "data-testid": "audit-status" });
  const tbody = h("tbody", { "data-testid": "audit-rows" });
  const params = () => ({ from: from.value.trim(), to: to.value.trim(), user: user.value.trim(), action: action.value, result: result.value, target: target.value.trim(), limit: limit.value });
  const load = async () => {
    const q = query(params());
    csv.setAttribute("href", `/api/audit${q}${q ? "&" : "?"}format=csv`);
    setText(status, "loading …");
    try {
      const r = await api.get<{ records: AuditRecord[]; count: number; truncated?: boolean }>(`/api/audit${q}`);
      setText(status, `${r.count} records${r.truncated ? " (more match: raise the limit or narrow the filter)" : ""}`);
      tbody.replaceChildren(
        ...r.records.map((rec) =>
          h(
            "tr",
            { class: rec.result === "ok" ? "" : "audit-not-ok", "data-testid": `audit-row-${rec.sequence}`, "data-action": rec.action, "data-result": rec.result },
            h("td", { class: "num-cell" }, String(rec.sequence)),
            h("td", { class: "nowrap" }, formatTime(rec.serverTime)),
            h("td", {}, `${rec.user} (${rec.role})`, h("br"), h("span", { class: "muted" }, rec.clientAddress)),
            h("td", {}, rec.action),
            h("td", {}, rec.target),
            h("td", { class: "mono" }, json(rec.oldValue)),
            h("td", { class: "mono" }, json(rec.newValue)),
            h("td", {}, rec.reason ?? ""),
            h("td", { "data-testid": `audit-result-${rec.sequence}` }, rec.result, rec.resultReason ? h("div", { class: "muted" }, rec.resultReason) : ""),
            h("td", { "data-testid": `audit-signature-${rec.sequence}` }, rec.signature ? h("span", { class: "signature" }, `✍ ${rec.signature.name} — ${rec.signature.meaning} — ${formatTime(rec.signature.time)}`) : ""),
            h("td", { class: "mono hash", title: rec.hash }, rec.hash.slice(0, 12) + "…"),
          ),
        ),
      );
    } catch (err) {
      setText(status, `audit trail not available: ${(err as Error).message}`);
      tbody.replaceChildren();
    }
  };
  const verify = async () => {
    setText(verdict, "checking …");
    verdict.className = "verdict";
    try {
      const v = await api.get<{ ok: boolean; count?: number; sequence?: number; reason?: string; detail?: string; anchor?: { state?: string } }>("/api/audit/verify");
      setText(verdict, v.ok ? `Chain intact: ${v.count ?? "?"} records verified (anchor ${v.anchor?.state ?? "?"})` : `CHAIN BROKEN at record ${v.sequence ?? "?"}: ${v.reason ?? ""} — ${v.detail ?? ""}`);
      verdict.className = v.ok ? "verdict ok" : "verdict alarm-critical";
      verdict.dataset.ok = String(v.ok);
    } catch (err) {
      setText(verdict, `verify failed: ${(err as Error).message}`);
    }
  };
  const form = h(
    "form",
    { class: "toolbar" },
    from,
    to,
    user,
    action,
    result,
    target,
    h("label", {}, "limit ", limit),
    h("button", { type: "submit", class: "btn", "data-testid": "audit-search" }, "Search"),
    csv,
    h("button", { type: "button", class: "btn", "data-testid": "audit-verify", onclick: () => void verify() }, "Verify chain"),
    verdict,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void load();
  });
  const el = h(
    "div",
    { class: "audit-page", "data-testid": "audit-page" },
    h("h1", {}, "Audit trail"),
    form,
    status,
    h("table", { class: "grid audit" }, h("thead", {}, h("tr", {}, ...["#", "Time", "User", "Action", "Target", "Old", "New", "Reason", "Result", "Signature", "Hash"].map((x) => h("th", {}, x)))), tbody),
  );
  void load();
  return { el, tags: [], update() {} };
}
