import { join } from "node:path";
import { OPCUACertificateManager, OPCUAClient } from "node-opcua";
import type { Clock } from "../../core/clock.js";
import type { RefusedServerCertificate } from "../driver-port.js";
import { describeCertificate } from "./opcua-trust-store.js";

/**
 * The OPC UA client's own PKI under `${dataDir}/pki/opcua-client` (never node-opcua's default under
 * ~/.config). Unknown server certificates are trusted automatically only when the device config says so;
 * otherwise they land in `rejected/` and must be moved to `trusted/` by hand.
 */
export function createClientCertificateManager(dataDir: string, acceptUnknownCertificate: boolean): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder: join(dataDir, "pki", "opcua-client"),
    automaticallyAcceptUnknownCertificate: acceptUnknownCertificate,
    disableFileWatchers: true,
  });
}

/**
 * Makes the client's own certificate now, if it has none yet (the first start on a data directory). node-opcua
 * would make it inside the first connect, and generating the key pair holds the event loop for about a
 * second: done then, it would stall a running process — the other PLC's values would go stale under the
 * interlocks. Done here, while the driver starts and before any PLC data flows, it costs nothing but time.
 * The client is only a handle on the certificate manager (the same application name the link uses, so the
 * same file); it never connects.
 */
export async function ensureClientCertificate(certificateManager: OPCUACertificateManager, applicationName: string): Promise<void> {
  // Its folders first: the certificate is made under a lock file in own/certs, which must exist (without it the
  // lock fails with "Invalid lockfile" and the certificate was made later, inside the first connect).
  await certificateManager.initialize();
  const client = OPCUAClient.create({ applicationName, clientCertificateManager: certificateManager, endpointMustExist: false });
  const make = (client as unknown as { createDefaultCertificate?: () => Promise<void> }).createDefaultCertificate;
  if (typeof make === "function") await make.call(client);
}

/**
 * The client checks the server's certificate with `checkCertificate` of its certificate manager (only for
 * Sign / SignAndEncrypt: with securityMode None, node-opcua checks nothing): watched here, so a refusal is
 * told with the certificate's subject and thumbprint instead of node-opcua's bare "verification failed".
 * `onCheck` gets the refused certificate, or null when one passed.
 */
export function watchCertificateChecks(cm: OPCUACertificateManager, clock: Clock, onCheck: (refused: RefusedServerCertificate | null) => void): OPCUACertificateManager {
  const check = cm.checkCertificate.bind(cm);
  cm.checkCertificate = async (certificate: Buffer) => {
    const status = await check(certificate);
    if (status.isGood()) onCheck(null);
    else {
      try {
        const c = describeCertificate(certificate, "rejected", "", clock.now());
        onCheck({ thumbprint: c.thumbprint, subject: c.subject, status: status.name, validTo: c.validTo });
      } catch {
        onCheck({ thumbprint: "", subject: "(unreadable certificate)", status: status.name, validTo: "" });
      }
    }
    return status;
  };
  return cm;
}

/** The device's status line for a refused server certificate: what, which one, and what to do. */
export function certificateRefusalText(c: RefusedServerCertificate): string {
  const what = c.status === "BadCertificateUntrusted" ? "is not trusted" : `was refused (${c.status})`;
  return `server certificate ${what}: ${c.subject}, thumbprint ${c.thumbprint} — check it with the PLC's owner, then trust it on the HMI's Devices page or with "htr-scada certs trust ${c.thumbprint}"`;
}
