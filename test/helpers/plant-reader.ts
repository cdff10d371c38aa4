import { join } from "node:path";
import { AttributeIds, type ClientSession, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from "node-opcua";

/**
 * An independent reader of the virtual plant's HTR PLC: a bare node-opcua client (not the SCADA's driver), so
 * a test can tell what the PLC itself does while the SCADA is killed, stopped or restarting.
 */
export interface PlantReader {
  /** The value of a node, e.g. "ns=1;s=HTR.HeaterOn". */
  read(nodeId: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function openPlantReader(endpoint: string, pkiDir: string): Promise<PlantReader> {
  const certs = new OPCUACertificateManager({ rootFolder: join(pkiDir, "plant-reader"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const client = OPCUAClient.create({
    applicationName: "independent-plant-reader",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    clientCertificateManager: certs,
    connectionStrategy: { maxRetry: 3, initialDelay: 100, maxDelay: 500 },
  });
  await client.connect(endpoint);
  const session: ClientSession = await client.createSession();
  return {
    async read(nodeId) {
      const dv = await session.read({ nodeId, attributeId: AttributeIds.Value });
      return dv.value.value as unknown;
    },
    async close() {
      await session.close().catch(() => undefined);
      await client.disconnect().catch(() => undefined);
    },
  };
}
