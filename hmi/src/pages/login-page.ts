import { ApiRequestError } from "../core/api.js";
import { h } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { session } from "../core/session.js";
import { lockedUntilOf, lockoutText, sessionEndedText } from "../core/session-text.js";

/** User name and password; the server's refusal (wrong password, locked, disabled) is shown as it says it. */
export function loginPage(opts: { reason?: string; onLoggedIn: () => void }): HTMLElement {
  const user = h("input", { name: "user", autocomplete: "username", required: true, "data-testid": "login-user", autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, "data-testid": "login-password" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "login-error" });
  error.hidden = true;
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "login-submit" }, "Log in");
  const form = h(
    "form",
    { class: "login-form", "data-testid": "login-form" },
    h("h1", {}, "HTR line 1 — operator HMI"),
    opts.reason ? h("p", { class: "login-reason", role: "status", "data-testid": "login-reason", "data-reason": opts.reason }, `Session ended: ${sessionEndedText(opts.reason)}`) : null,
    h("label", {}, "User", user),
    h("label", {}, "Password", password),
    submit,
    error,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    session
      .login(user.value.trim(), password.value)
      .then(() => opts.onLoggedIn())
      .catch((err: Error) => {
        const until = err instanceof ApiRequestError && err.status === 423 ? lockedUntilOf(err.details) : null;
        error.textContent = until === null ? err.message : lockoutText(until, Date.now(), formatTime(until));
        if (until === null) delete error.dataset.lockedUntil;
        else error.dataset.lockedUntil = String(until);
        error.hidden = false;
        password.value = "";
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return h("div", { class: "login-page", "data-testid": "login-page" }, form);
}
