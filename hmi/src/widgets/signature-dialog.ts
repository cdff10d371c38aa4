import type { Ack } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { session } from "../core/session.js";

export interface SignedRequest {
  /** The duration asked for (0 when the dialog asks for none). */
  readonly minutes: number;
  readonly reason: string;
  readonly signature: { readonly password: string; readonly meaning: string };
}

export interface SignatureDialogOptions {
  readonly title: string;
  readonly detail: string;
  /** Asks for a duration up to this many minutes (a bypass); leave out for an action without one. */
  readonly maxMinutes?: number;
  /** The signature's possible meanings, the first pre-selected. Default: the bypass meanings. */
  readonly meanings?: readonly string[];
  /** The reason: mandatory unless `reasonRequired` is false. */
  readonly reasonRequired?: boolean;
  readonly reasonPlaceholder?: string;
  /** The sign button's text. Default "Sign and bypass". */
  readonly submitLabel?: string;
  submit(r: SignedRequest): Promise<Ack>;
}

const BYPASS_MEANINGS = ["Approved: bypass is safe for the stated time", "Responsible: I take responsibility for this bypass"];

/**
 * Modal e-signature for a critical action: (duration,) reason, and the signer's password re-entered with the
 * meaning of the signature. The server checks the password; its refusal is shown in the dialog.
 */
export function openSignatureDialog(opts: SignatureDialogOptions): HTMLDialogElement {
  const reasonRequired = opts.reasonRequired ?? true;
  const minutes = opts.maxMinutes !== undefined ? h("input", { type: "number", min: 1, max: opts.maxMinutes, value: 30, required: true, "data-testid": "sig-minutes" }) : null;
  const reason = h("textarea", { rows: 2, cols: 40, required: reasonRequired, minlength: reasonRequired ? 3 : undefined, placeholder: opts.reasonPlaceholder ?? "why the interlock may be bypassed", "data-testid": "sig-reason" });
  const password = h("input", { type: "password", required: true, autocomplete: "current-password", "data-testid": "sig-password" });
  const meaning = h("select", { "data-testid": "sig-meaning" }, ...(opts.meanings ?? BYPASS_MEANINGS).map((m, i) => h("option", { value: m, selected: i === 0 }, m)));
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "sig-error" });
  error.hidden = true;
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "sig-submit" }, opts.submitLabel ?? "Sign and bypass");
  const form = h(
    "form",
    { method: "dialog", class: "sig-form" },
    h("h2", {}, opts.title),
    h("p", {}, opts.detail),
    minutes ? h("label", {}, "Minutes (max ", String(opts.maxMinutes), ") ", minutes) : null,
    h("label", {}, reasonRequired ? "Reason " : "Reason (optional) ", reason),
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
      .submit({ minutes: minutes ? Number(minutes.value) : 0, reason: reason.value.trim(), signature: { password: password.value, meaning: meaning.value } })
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
