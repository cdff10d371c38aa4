import type { TagScalar } from "../core/tag-value.js";

export interface WriteResult {
  readonly ok: boolean;
  /** "Good", or what went wrong: an OPC UA status name, a Modbus exception, "timeout", "not connected". */
  readonly status: string;
  readonly roundTripMs: number;
}

/** The narrowest capability: something that can write a tag. */
export interface TagWriter {
  write(tagName: string, value: TagScalar): Promise<WriteResult>;
}

/** A value read fresh from the PLC (one request on the link), in engineering units. */
export interface ReadResult {
  /** The PLC answered with a Good value. */
  readonly ok: boolean;
  /** The value read (null when the read failed or the PLC had no value a tag can hold). */
  readonly value: TagScalar | null;
  /** "Good", or what went wrong: an OPC UA status name, a Modbus exception, "timeout", "not connected". */
  readonly status: string;
  readonly roundTripMs: number;
}

/**
 * The narrowest capability: something that can read a tag back from the PLC — a fresh request, not the
 * value the subscription or poll last delivered (recipe read-back compares what the PLC really holds).
 */
export interface TagReader {
  read(tagName: string): Promise<ReadResult>;
}

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
