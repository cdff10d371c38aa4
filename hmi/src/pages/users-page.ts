import { api } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { Page } from "../core/page.js";
import { session } from "../core/session.js";

interface UserSummary {
  readonly name: string;
  readonly role: string;
  readonly disabled: boolean;
  readonly createdAt?: number;
  readonly failedCount?: number;
  readonly lockedUntil?: number | null;
  readonly sessions?: number;
}

const ROLES = ["viewer", "operator", "engineer", "qa", "admin"];

/** Users (admin): list; add; change role; disable / enable; reset a password. Every change is audited by the server. */
export function usersPage(): Page {
  const manage = session.can("users:manage");
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "users-result" });
  const tbody = h("tbody", { "data-testid": "users-rows" });
  const show = (text: string, ok: boolean) => {
    setText(result, text);
    result.className = ok ? "cmd-result" : "cmd-result refused";
    result.dataset.outcome = ok ? "accepted" : "refused";
  };
  const run = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      show(`${what}: done`, true);
    } catch (err) {
      show(`${what} refused: ${(err as Error).message}`, false);
    }
    await load();
  };
  const patch = (name: string, body: Record<string, unknown>) => api.patch(`/api/users/${encodeURIComponent(name)}`, body);

  const row = (u: UserSummary) => {
    const cells: (Node | string)[] = [];
    const role = h("select", { "data-testid": `user-role-${u.name}`, disabled: !manage }, ...ROLES.map((r) => h("option", { value: r, selected: r === u.role }, r)));
    role.addEventListener("change", () => void run(`role of ${u.name} → ${role.value}`, () => patch(u.name, { role: role.value })));
    const pw = h("input", { type: "password", placeholder: "new password", size: 14, autocomplete: "new-password", "data-testid": `user-password-${u.name}` });
    // Locked: too many failed logins; enabling lifts the lock (PATCH {disabled: false}).
    const locked = typeof u.lockedUntil === "number" && u.lockedUntil > Date.now();
    cells.push(
      u.name,
      role,
      h("span", { class: locked ? "user-locked-state" : "", "data-testid": `user-state-${u.name}` }, u.disabled ? "DISABLED" : locked ? `LOCKED until ${formatTime(u.lockedUntil)}` : "enabled"),
      locked ? "locked: too many failed logins" : `${u.failedCount ?? 0} failed logins`,
      String(u.sessions ?? 0),
      formatTime(u.createdAt),
    );
    const actions = manage
      ? h(
          "div",
          { class: "actions" },
          locked && !u.disabled
            ? h("button", { type: "button", class: "btn btn-small", "data-testid": `user-unlock-${u.name}`, title: "Lifts the lockout and clears the failed logins", onclick: () => void run(`unlock ${u.name}`, () => patch(u.name, { disabled: false })) }, "Unlock (enable)")
            : null,
          h("button", { type: "button", class: "btn btn-small", "data-testid": `user-toggle-${u.name}`, onclick: () => void run(`${u.disabled ? "enable" : "disable"} ${u.name}`, () => patch(u.name, { disabled: !u.disabled })) }, u.disabled ? (locked ? "Enable (unlocks)" : "Enable") : "Disable"),
          pw,
          h("button", { type: "button", class: "btn btn-small", "data-testid": `user-setpw-${u.name}`, onclick: () => void run(`password of ${u.name}`, () => patch(u.name, { password: pw.value })) }, "Set password"),
        )
      : "";
    return h("tr", { "data-testid": `user-row-${u.name}`, class: u.disabled ? "muted" : "", "data-locked": String(locked) }, ...cells.map((c) => h("td", {}, c)), h("td", {}, actions));
  };
  const load = async () => {
    try {
      const r = await api.get<{ users: UserSummary[] } | UserSummary[]>("/api/users");
      const list = Array.isArray(r) ? r : r.users;
      tbody.replaceChildren(...list.map(row));
    } catch (err) {
      show(`users: ${(err as Error).message}`, false);
    }
  };
  const name = h("input", { placeholder: "name", size: 12, required: true, "data-testid": "new-user-name" });
  const role = h("select", { "data-testid": "new-user-role" }, ...ROLES.map((r) => h("option", { value: r }, r)));
  const password = h("input", { type: "password", placeholder: "initial password", size: 16, required: true, autocomplete: "new-password", "data-testid": "new-user-password" });
  const add = h("form", { class: "toolbar" }, h("strong", {}, "Add user "), name, role, password, h("button", { type: "submit", class: "btn", "data-testid": "new-user-submit" }, "Add"));
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void run(`add ${name.value}`, () => api.post("/api/users", { name: name.value.trim(), role: role.value, password: password.value })).then(() => {
      password.value = "";
    });
  });
  const el = h(
    "div",
    { class: "users-page", "data-testid": "users-page" },
    h("h1", {}, "Users"),
    manage ? add : h("p", { class: "muted" }, "Read only: this role may not manage users."),
    result,
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ...["Name", "Role", "State", "Logins", "Sessions", "Created", ""].map((x) => h("th", {}, x)))), tbody),
  );
  void load();
  return { el, tags: [], update() {} };
}
