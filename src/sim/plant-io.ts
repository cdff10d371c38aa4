import type { TagScalar } from "../core/tag-value.js";

/** A value as the virtual plant's PLC holds it, in engineering units. `bad` names a sensor fault. */
export interface PlantValue {
  readonly value: TagScalar;
  readonly bad?: string;
}

/**
 * What the protocol servers of the virtual plant need from it: read and write PLC variables by tag name
 * (engineering units), and hear when a PLC scan has run so they can publish changes.
 */
export interface PlantIO {
  read(tagName: string): PlantValue | undefined;
  /** Returns false when the plant has no such variable or it is read-only. */
  write(tagName: string, value: TagScalar): boolean;
  /** Called after every scan (10 ms of plant time); returns an unsubscribe function. */
  onScan(listener: () => void): () => void;
}
