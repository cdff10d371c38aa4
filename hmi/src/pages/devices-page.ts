import type { DeviceStatusJson, ServerCertificateJson } from "../../../src/server/socket-contract.js";
import { api } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { Page, PageContext } from "../core/page.js";
import { session } from "../core/session.js";
import { openSignatureDialog } from "../widgets/signature-dialog.js";

/** How often the page reads the links' status and the trust list again while it is shown. */
const REFRESH_MS = 2000;

const TRUST_MEANING = "Verified: this certificate is the PLC's own";
const REJECT_MEANING = "Responsible: this server must not be trusted";

/**
 * Devices: each PLC link (address, security, state and why), and the OPC UA client's trust list — the server
 * certificates trusted, and those refused (rejected), with subject, thumbprint, validity and the device that
 * was refused. An admin (`devices:trust`) trusts or rejects one with an e-signature; a trusted server is
 * connected within seconds, without a restart.
 */
export function devicesPage(ctx: PageContext): Page {
  const canTrust = session.can("devices:trust");
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "devices-result" });
  const deviceRows = h("tbody", { "data-testid": "device-rows" });
  const certRows = h("tbody", { "data-testid": "certificate-rows" });
  let timer: number | undefined;
  let disposed = false;
  const show = (text: string, ok: boolean) => {
    setText(result, text);
    result.className = ok ? "cmd-result" : "cmd-result refused";
    result.dataset.outcome = ok ? "accepted" : "refused";
  };

  const deviceRow = (d: DeviceStatusJson) =>
    h(
      "tr",
      { "data-testid": `device-row-${d.id}`, "data-state": d.state },
      h("td", {}, d.id),
      h("td", {}, d.protocol),
      h("td", {}, d.address),
      h("td", {}, d.security ?? "—"),
      h("td", { class: d.state === "OK" ? "" : "state-bad", "data-testid": `device-state-${d.id}` }, d.state),
      h("td", {}, formatTime(d.lastGoodTs)),
      h("td", { "data-testid": `device-reason-${d.id}` }, d.reason || "—"),
    );

  const decide = (c: ServerCertificateJson, verb: "trust" | "reject") =>
    openSignatureDialog({
      title: `${verb === "trust" ? "Trust" : "Reject"} server certificate`,
      detail: `${c.subject} · thumbprint ${c.thumbprint} · valid ${c.validFrom.slice(0, 10)} → ${c.validTo.slice(0, 10)}${c.applicationUri ? ` · ${c.applicationUri}` : ""}. ${
        verb === "trust" ? "Compare the thumbprint with the one the PLC shows before you sign: the SCADA will exchange data with this server." : "The SCADA will refuse this server from its next connect."
      }`,
      meanings: [verb === "trust" ? TRUST_MEANING : REJECT_MEANING],
      reasonPlaceholder: verb === "trust" ? "how the certificate was checked (mandatory)" : "why (mandatory)",
      submitLabel: verb === "trust" ? "Sign and trust" : "Sign and reject",
      submit: async (r) => {
        const ack = await ctx.live.operate(`device.certificate.${verb}`, { thumbprint: c.thumbprint, reason: r.reason, signature: r.signature });
        if (ack.ok) {
          show(`${c.subject} ${verb === "trust" ? "trusted" : "rejected"}: signed by ${session.current?.user ?? "?"}`, true);
          await load();
        }
        return ack;
      },
    });

  const certRow = (c: ServerCertificateJson) =>
    h(
      "tr",
      { "data-testid": `cert-row-${c.thumbprint}`, "data-status": c.status },
      h("td", { class: c.status === "rejected" ? "state-bad" : "" }, c.status.toUpperCase() + (c.expired ? " · EXPIRED" : "")),
      h("td", {}, c.subject, c.applicationUri ? h("div", { class: "muted" }, c.applicationUri) : null),
      h("td", { class: "mono", "data-testid": `cert-thumbprint-${c.thumbprint}` }, c.thumbprint),
      h("td", {}, `${c.validFrom.slice(0, 10)} → ${c.validTo.slice(0, 10)}`),
      h("td", {}, c.refusedBy.length > 0 ? `refused: ${c.refusedBy.join(", ")}` : "—"),
      h(
        "td",
        {},
        canTrust && c.status === "rejected" ? h("button", { type: "button", class: "btn btn-small", "data-testid": `cert-trust-${c.thumbprint}`, onclick: () => decide(c, "trust") }, "Trust…") : null,
        canTrust && c.status === "trusted" ? h("button", { type: "button", class: "btn btn-small", "data-testid": `cert-reject-${c.thumbprint}`, onclick: () => decide(c, "reject") }, "Reject…") : null,
      ),
    );

  const load = async () => {
    try {
      const [d, c] = await Promise.all([api.get<{ devices: DeviceStatusJson[] }>("/api/devices"), api.get<{ certificates: ServerCertificateJson[] }>("/api/devices/certificates")]);
      if (disposed) return;
      deviceRows.replaceChildren(...d.devices.map(deviceRow));
      certRows.replaceChildren(...(c.certificates.length > 0 ? c.certificates.map(certRow) : [h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No server certificates yet (a server the SCADA refused appears here as REJECTED)."))]));
    } catch (err) {
      show(`devices: ${(err as Error).message}`, false);
    }
  };
  const tick = () => {
    void load().finally(() => {
      if (!disposed) timer = window.setTimeout(tick, REFRESH_MS);
    });
  };

  const el = h(
    "div",
    { class: "devices-page", "data-testid": "devices-page" },
    h("h1", {}, "Devices"),
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ...["Device", "Protocol", "Address", "Security", "State", "Last good data", "Why"].map((x) => h("th", {}, x)))), deviceRows),
    h("h2", {}, "OPC UA server certificates"),
    h(
      "p",
      { class: "muted" },
      canTrust
        ? "An unknown server is refused until its certificate is trusted here (signed) or with htr-scada certs trust. Security mode None authenticates no server."
        : "Read only: trusting a server certificate needs devices:trust (admin).",
    ),
    result,
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ...["Status", "Subject", "Thumbprint (SHA-1)", "Valid", "Devices", ""].map((x) => h("th", {}, x)))), certRows),
  );
  tick();
  return {
    el,
    tags: [],
    update() {},
    dispose() {
      disposed = true;
      window.clearTimeout(timer);
    },
  };
}
