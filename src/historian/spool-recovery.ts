import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readSpoolCursor, removeSpoolCursorSync, type SpoolCursor } from "./spool-cursor.js";
import { checkSpoolRecord, spoolRecordPoints } from "./spool-record.js";
import { type SpoolEntry, type SpoolSegment, spoolSegmentName, spoolSegmentSeqs } from "./spool-segment.js";

/** What a previous process left in a spool directory. */
export interface RecoveredSpool {
  readonly segments: SpoolSegment[];
  /** Pending records, oldest first, with ids from 1. */
  readonly entries: SpoolEntry[];
  readonly pendingBytes: number;
  readonly pendingPoints: number;
  /** Torn or corrupt records found (each ends its segment's valid data) and the bytes skipped. */
  readonly torn: { records: number; bytes: number };
}

/**
 * Scans every segment from the cursor on. A record whose header, length or CRC does not check ends that
 * segment's valid data (counted as torn); a torn tail segment is truncated to its last good record so
 * appending continues cleanly. Segments wholly acknowledged are deleted; with nothing pending the directory
 * starts clean (no segments, no cursor).
 */
export function recoverSpool(dir: string): RecoveredSpool {
  const cursor = readSpoolCursor(dir);
  const out = { segments: [] as SpoolSegment[], entries: [] as SpoolEntry[], pendingBytes: 0, pendingPoints: 0, torn: { records: 0, bytes: 0 } };
  const seqs = spoolSegmentSeqs(dir);
  for (const [i, seq] of seqs.entries()) {
    const path = join(dir, spoolSegmentName(seq));
    if (seq < cursor.seg) {
      rmSync(path, { force: true });
      continue;
    }
    const last = i === seqs.length - 1;
    const seg = scanSegment(seq, path, cursor, out, last);
    if (seg.pending === 0 && !last) {
      rmSync(path, { force: true });
      continue;
    }
    out.segments.push(seg);
  }
  if (out.entries.length === 0) {
    // nothing pending: start clean
    for (const s of out.segments) rmSync(s.path, { force: true });
    out.segments.length = 0;
    removeSpoolCursorSync(dir);
  }
  return out;
}

/** Adds the segment's pending records to `out`; truncates a torn tail when it is the last segment. */
function scanSegment(
  seq: number,
  path: string,
  cursor: SpoolCursor,
  out: { entries: SpoolEntry[]; pendingBytes: number; pendingPoints: number; torn: { records: number; bytes: number } },
  last: boolean,
): SpoolSegment {
  const buf = readFileSync(path);
  const seg: SpoolSegment = { seq, path, size: 0, pending: 0 };
  let off = 0;
  while (off < buf.length) {
    const len = checkSpoolRecord(buf, off);
    if (len < 0) {
      out.torn.records += 1;
      out.torn.bytes += buf.length - off;
      break;
    }
    if (!(seq === cursor.seg && off < cursor.offset)) {
      const points = spoolRecordPoints(buf, off);
      out.entries.push({ id: out.entries.length + 1, seg: seq, offset: off, size: len, points });
      seg.pending += 1;
      out.pendingBytes += len;
      out.pendingPoints += points;
    }
    off += len;
  }
  seg.size = off;
  if (off < buf.length && last) {
    // torn tail: cut it off so new records follow the last good one
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return seg;
}
