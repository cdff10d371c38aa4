/**
 * The one tag I/O capability: read a tag back from its PLC, write one, write several. Every consumer asks
 * for the narrowest of these (a station actor that only writes gets a `TagBatchWriter`, the interlock trip
 * path a `TagWriter`, recipe download + read-back `TagReader & TagWriter`); the router in
 * `src/drivers/tag-router.ts` implements them all over the device drivers. Values are in engineering units;
 * none of the calls rejects on a communication failure — the outcome says what went wrong.
 */
import type { TagScalar } from "./tag-value.js";

export interface WriteResult {
  readonly ok: boolean;
  /** "Good", or what went wrong: an OPC UA status name, a Modbus exception, "timeout", "not connected". */
  readonly status: string;
  readonly roundTripMs: number;
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

/** Something that can write a tag. */
export interface TagWriter {
  write(tagName: string, value: TagScalar): Promise<WriteResult>;
}

/**
 * Something that can read a tag back from the PLC — a fresh request, not the value the subscription or
 * poll last delivered (recipe read-back compares what the PLC really holds).
 */
export interface TagReader {
  read(tagName: string): Promise<ReadResult>;
}

export interface TagWrite {
  readonly tag: string;
  readonly value: TagScalar;
}

export interface WriteOutcome {
  readonly ok: boolean;
  /** Per failed write: "tag: status". Empty when ok. */
  readonly failures: readonly string[];
}

/** Several writes issued together, one outcome (what the control machines' invoked actors use). */
export interface TagBatchWriter {
  writeTags(writes: readonly TagWrite[]): Promise<WriteOutcome>;
}
