import type { ReadResult, TagReader, TagWriter } from "../core/tag-io.js";

export type DeviceHealthState = "OK" | "WARN" | "DOWN";

export interface DeviceHealth {
  readonly deviceId: string;
  readonly state: DeviceHealthState;
  readonly connected: boolean;
  /** Epoch ms of the last good data from the device, null if never. */
  readonly lastGoodTs: number | null;
  /** Why the device is not OK ("" when OK). */
  readonly reason: string;
}

export interface DriverStats {
  readonly reconnects: number;
  readonly requests: number;
  readonly requestErrors: number;
  /** Poll cycles that were due while the previous one was still running (Modbus). */
  readonly overruns: number;
  /** Tag values delivered to the sink. */
  readonly updates: number;
}

/** Optional hooks for metrics; drivers call them, /metrics aggregates them. */
export interface DriverObserver {
  roundTrip(deviceId: string, kind: "read" | "write", ms: number): void;
}

export interface DeviceDriver extends TagWriter, TagReader {
  readonly deviceId: string;
  /** Starts connecting in the background and never rejects on communication failure (reconnects forever). */
  start(): Promise<void>;
  /** Disconnects, cancels timers, marks nothing (the table marks the tags). Resolves within a few seconds. */
  stop(): Promise<void>;
  health(): DeviceHealth;
  stats(): DriverStats;
  /** Reads one tag from the PLC now (never the cached value). Never rejects on communication failure. */
  read(tagName: string): Promise<ReadResult>;
  /** OPC UA: the server certificate the last connect refused (null: none, or it passed since). */
  untrustedCertificate?(): RefusedServerCertificate | null;
  /** Connects now instead of at the end of the reconnect backoff (nothing when connected or stopped). */
  retryNow?(): void;
}

export interface RefusedServerCertificate {
  readonly thumbprint: string;
  readonly subject: string;
  /** The check's status: BadCertificateUntrusted (unknown or rejected), BadCertificateTimeInvalid (expired) … */
  readonly status: string;
  readonly validTo: string;
}

/** A server certificate of the OPC UA client's trust list (GET /api/devices/certificates). */
export interface ServerCertificateJson {
  readonly status: "trusted" | "rejected";
  readonly thumbprint: string;
  readonly subject: string;
  readonly issuer: string;
  readonly selfSigned: boolean;
  readonly applicationUri: string | null;
  readonly validFrom: string;
  readonly validTo: string;
  readonly expired: boolean;
  /** The devices whose last connect refused this certificate. */
  readonly refusedBy: readonly string[];
}

export interface CertificateChangeJson {
  readonly certificate: ServerCertificateJson;
  readonly was: "trusted" | "rejected";
  readonly now: "trusted" | "rejected";
  readonly changed: boolean;
  /** The devices told to connect again at once (a trust), or that will be refused from their next connect. */
  readonly devices: readonly string[];
}

/** One PLC link (GET /api/devices). */
export interface DeviceStatusJson {
  readonly id: string;
  readonly protocol: string;
  /** opc.tcp://…, modbus-tcp://host:port/unit or the serial path. */
  readonly address: string;
  readonly description: string;
  readonly state: "OK" | "WARN" | "DOWN";
  readonly connected: boolean;
  readonly lastGoodTs: number | null;
  readonly reason: string;
  /** OPC UA: the security mode and policy (None authenticates neither end). */
  readonly security: string | null;
  /** OPC UA: the server certificate the last connect refused, if any. */
  readonly refusedCertificate: RefusedServerCertificate | null;
}
