import { join } from "node:path";
import { OPCUACertificateManager, OPCUAClient } from "node-opcua";

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
