/** A value as it travels from a PLC through the whole system: value, quality, source and server time. */
export type TagScalar = number | boolean;

export type QualityStatus = "Good" | "Uncertain" | "Bad";

export interface Quality {
  readonly status: QualityStatus;
  /** Why the value is not Good (empty for Good). */
  readonly reason: string;
}

export interface TagValue {
  readonly value: TagScalar | null;
  readonly quality: Quality;
  /** Epoch ms the value was produced at the source (PLC or server time stamp). */
  readonly sourceTs: number;
  /** Epoch ms the SCADA received it. */
  readonly serverTs: number;
}

/** What a driver hands to the tag table: a value for one tag in engineering units. */
export interface TagUpdate extends TagValue {
  readonly name: string;
}

export const GOOD: Quality = Object.freeze({ status: "Good", reason: "" });

export function bad(reason: string): Quality {
  return { status: "Bad", reason };
}

export function uncertain(reason: string): Quality {
  return { status: "Uncertain", reason };
}

export function isGood(q: Quality): boolean {
  return q.status === "Good";
}
