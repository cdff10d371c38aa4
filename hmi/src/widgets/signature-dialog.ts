import type { Ack } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { session } from "../core/session.js";

export interface SignedRequest {
  readonly minutes: number;
  readonly reason: string;
  readonly signature: { readonly password: string; readonly meaning: string };
}

const MEANINGS = ["Approved: bypass is safe for the stated time", "Responsible: I take responsibility for this bypass"];

/**
 * Modal e-signature for a critical action: duration, reason, and the signer's password re-entered with the
 * meaning of the signature. The server checks the password; its refusal is shown in the dialog.
 */
export function openSignatureDialog(opts: { title: string; detail: string; maxMinutes: number; submit: (r: SignedRequest) => Promise<Ack> }): HTMLDialogElement {
  const minutes = h("input", { type: "number", min: 1, max: opts.maxMinutes, value: 30, required: true, "data-testid": "sig-minutes" });
  const reason = h("textarea", { rows: 2, cols: 40, required: true, minlength: 3, placeholder: "why the interlock may be bypassed", "data-testid": "sig-reason" });
  const password = h("input", { type: "password", required: true, autocomplete: "current-password", "data-testid": "sig-password" });
  const meaning = h("select", { "data-testid": "sig-meaning" }, ...MEANINGS.map((m) => h("option", { value: m }, m)));
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "sig-error" });
  error.hidden = true;
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "sig-submit" }, "Sign and bypass");
  const form = h(
    "form",
    { method: "dialog", class: "sig-form" },
    h("h2", {}, opts.title),
    h("p", {}, opts.detail),
    h("label", {}, "Minutes (max ", String(opts.maxMinutes), ") ", minutes),
    h("label", {}, "Reason ", reason),
    h("fieldset", {}, h("legend", {}, `Electronic signature — ${session.current?.user ?? "?"}`), h("label", {}, "Password ", password), h("label", {}, "Meaning ", meaning)),
    error,
    h("div", { class: "cmd-row" }, submit, h("button", { type: "button", class: "btn", "data-testid": "sig-cancel", onclick: () => dialog.close() }, "Cancel")),
  );
  const dialog = h("dialog", { class: "sig-dialog", "data-testid": "signature-dialog" }, form);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    void opts
      .submit({ minutes: Number(minutes.value), reason: reason.value.trim(), signature: { password: password.value, meaning: meaning.value } })
      .then((ack) => {
        password.value = "";
        if (ack.ok) dialog.close();
        else {
          setText(error, `Refused: ${ack.error.message}`);
          error.hidden = false;
        }
      })
      .finally(() => (submit.disabled = false));
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
