/**
 * What people see of the PLC links (the HMI's Devices page, GET /api/devices) and the OPC UA trust decisions:
 * each device's health and address, the server certificate its last connect refused, and the client's trust
 * list. A trusted certificate counts at once: the refused devices are told to connect again now (each driver
 * re-reads the trust list at its next attempt), so no restart is needed.
 */
import type { DeviceConfig } from "../config/device-schema.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { CertificateChangeJson, DeviceDriver, DeviceStatusJson, ServerCertificateJson } from "./driver-port.js";
import {
  type ServerCertificateInfo,
  type TrustChange,
  closeClientPki,
  listServerCertificates,
  openClientPki,
  rejectServerCertificate,
  trustServerCertificate,
} from "./opcua/opcua-trust-store.js";

export interface DeviceStatusOptions {
  readonly devices: readonly DeviceConfig[];
  readonly drivers: readonly DeviceDriver[];
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

function addressOf(d: DeviceConfig): string {
  if (d.protocol === "opcua") return d.endpoint;
  if (d.protocol === "modbus-tcp") return `modbus-tcp://${d.host}:${d.port}/${d.unitId}`;
  return `modbus-rtu://${d.path}/${d.unitId}`;
}

/** Implements the server's DeviceControl port (src/server/device-routes.ts). */
export class DeviceStatusService {
  private readonly log: Logger;
  /** One trust-list change at a time (two admins deciding at once must not interleave file moves). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: DeviceStatusOptions) {
    this.log = o.logger.child({ module: "devices" });
  }

  devices(): DeviceStatusJson[] {
    return this.o.devices.map((d) => {
      const driver = this.o.drivers.find((x) => x.deviceId === d.id);
      const h = driver?.health();
      return {
        id: d.id,
        protocol: d.protocol,
        address: addressOf(d),
        description: d.description,
        state: h?.state ?? "DOWN",
        connected: h?.connected ?? false,
        lastGoodTs: h?.lastGoodTs ?? null,
        reason: h?.reason ?? "no driver",
        security: d.protocol === "opcua" ? `${d.securityMode} / ${d.securityPolicy}` : null,
        refusedCertificate: driver?.untrustedCertificate?.() ?? null,
      };
    });
  }

  async certificates(): Promise<ServerCertificateJson[]> {
    return this.withPki(async (pki) => listServerCertificates(pki, this.o.clock.now()).map((c) => this.json(c)));
  }

  trust(thumbprint: string): Promise<CertificateChangeJson> {
    return this.change(thumbprint, trustServerCertificate);
  }

  reject(thumbprint: string): Promise<CertificateChangeJson> {
    return this.change(thumbprint, rejectServerCertificate);
  }

  private async change(thumbprint: string, fn: typeof trustServerCertificate): Promise<CertificateChangeJson> {
    const run = this.queue.then(() => this.withPki((pki) => fn(pki, thumbprint)));
    this.queue = run.catch(() => undefined);
    const change: TrustChange = await run;
    const tp = change.certificate.thumbprint;
    const refused = this.o.drivers.filter((d) => d.untrustedCertificate?.()?.thumbprint === tp);
    if (change.now === "trusted") for (const d of refused) d.retryNow?.();
    this.log.info({ thumbprint: tp, subject: change.certificate.subject, was: change.was, now: change.now, devices: refused.map((d) => d.deviceId) }, `OPC UA server certificate ${change.now}`);
    return { certificate: this.json(change.certificate), was: change.was, now: change.now ?? change.was, changed: change.changed, devices: refused.map((d) => d.deviceId) };
  }

  private json(c: ServerCertificateInfo): ServerCertificateJson {
    const refusedBy = this.o.drivers.filter((d) => d.untrustedCertificate?.()?.thumbprint === c.thumbprint).map((d) => d.deviceId);
    return { status: c.status, thumbprint: c.thumbprint, subject: c.subject, issuer: c.issuer, selfSigned: c.selfSigned, applicationUri: c.applicationUri, validFrom: c.validFrom, validTo: c.validTo, expired: c.expired, refusedBy };
  }

  private async withPki<T>(fn: (pki: Awaited<ReturnType<typeof openClientPki>>) => Promise<T>): Promise<T> {
    const pki = await openClientPki(this.o.dataDir);
    try {
      return await fn(pki);
    } finally {
      await closeClientPki(pki);
    }
  }
}
