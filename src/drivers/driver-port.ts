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
}
