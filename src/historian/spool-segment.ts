import { readdirSync } from "node:fs";

/** A segment file `<20-digit sequence>.seg` of the disk spool. */
export interface SpoolSegment {
  seq: number;
  path: string;
  /** Bytes of valid data in the file. */
  size: number;
  /** Records of this segment still pending. */
  pending: number;
}

/** Where a pending record is. */
export interface SpoolEntry {
  id: number;
  seg: number;
  offset: number;
  /** Header + payload. */
  size: number;
  points: number;
}

const SEG_RE = /^(\d{20})\.seg$/;

export function spoolSegmentName(seq: number): string {
  return `${String(seq).padStart(20, "0")}.seg`;
}

/** The sequence numbers of the segment files in `dir`, ascending. */
export function spoolSegmentSeqs(dir: string): number[] {
  return readdirSync(dir)
    .flatMap((n) => {
      const m = SEG_RE.exec(n);
      return m ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
}
