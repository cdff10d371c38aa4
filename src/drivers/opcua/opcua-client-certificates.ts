import { join } from "node:path";
import { OPCUACertificateManager } from "node-opcua";

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
