import type { Ack, OperationInputs, OperationName } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { session } from "../core/session.js";

export type Operate = <K extends OperationName>(op: K, input: OperationInputs[K]) => Promise<Ack>;

/**
 * Stop and Abort in the header of every display, for every role that holds `line:stop`: never more than
 * one click away, whatever page is open. No confirmation (a stop must not wait on a dialog); the outcome or
 * the server's refusal reason shows beside the buttons.
 */
export function headerStop(operate: Operate): HTMLElement {
  const out = h("span", { class: "hdr-stop-result", "data-testid": "header-stop-result", role: "status" });
  const send = async (command: "stop" | "abort") => {
    setText(out, `${command} …`);
    const ack = await operate("line.command", { command });
    setText(out, ack.ok ? `${command} accepted` : ack.error.message);
    out.classList.toggle("refused", !ack.ok);
  };
  if (!session.can("line:stop")) return h("span", { class: "hdr-stop" });
  return h(
    "span",
    { class: "hdr-stop", "data-testid": "header-stop" },
    h("button", { type: "button", class: "btn btn-stop", "data-testid": "header-cmd-stop", title: "Stop the line (orderly, reverse start order)", onclick: () => void send("stop") }, "Stop"),
    h("button", { type: "button", class: "btn btn-stop", "data-testid": "header-cmd-abort", title: "Abort: heater off and everything stopped now", onclick: () => void send("abort") }, "Abort"),
    out,
  );
}
