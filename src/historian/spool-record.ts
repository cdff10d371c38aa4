import { crc32 } from "node:zlib";

/**
 * One record of the disk spool (disk-spool.ts): a 32-byte header — magic "HSP1", payload length, CRC32 (of
 * everything after the CRC field), point count, min and max point time (float64 ms) — then the UTF-8 line
 * protocol.
 */

export interface SpoolBatch {
  /** Line protocol, newline-separated. */
  readonly lines: string;
  /** The UTF-8 of `lines`, when the producer has it already (then it is stored as is, not encoded again). */
  readonly body?: Buffer;
  readonly points: number;
  /** Time range of the batch's points (epoch ms); NaN when unknown. */
  readonly minTimeMs?: number;
  readonly maxTimeMs?: number;
}

export interface SpoolRecord {
  readonly id: number;
  /** The line protocol text (decoded from `body` when first read). */
  readonly lines: string;
  /** The UTF-8 line protocol as stored: what the replay sends. */
  readonly body: Buffer;
  readonly points: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
}

const MAGIC = 0x31505348; // "HSP1" little-endian
const HEADER = 32;

export function encodeSpoolRecord(batch: SpoolBatch): Buffer {
  const payload = batch.body ?? Buffer.from(batch.lines, "utf8");
  const buf = Buffer.allocUnsafe(HEADER + payload.length);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(payload.length, 4);
  buf.writeUInt32LE(batch.points >>> 0, 12);
  buf.writeDoubleLE(batch.minTimeMs ?? Number.NaN, 16);
  buf.writeDoubleLE(batch.maxTimeMs ?? Number.NaN, 24);
  payload.copy(buf, HEADER);
  buf.writeUInt32LE(crc32(buf.subarray(12)), 8);
  return buf;
}

/** Length of the valid record at `offset`, or -1 when torn / corrupt / absent. */
export function checkSpoolRecord(buf: Buffer, offset: number): number {
  if (buf.length - offset < HEADER) return -1;
  if (buf.readUInt32LE(offset) !== MAGIC) return -1;
  const len = buf.readUInt32LE(offset + 4);
  const end = offset + HEADER + len;
  if (end > buf.length) return -1;
  if (crc32(buf.subarray(offset + 12, end)) !== buf.readUInt32LE(offset + 8)) return -1;
  return HEADER + len;
}

/** The point count in the header of the (checked) record at `offset`. */
export function spoolRecordPoints(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 12);
}

/** Decodes a checked record that fills `buf` (the payload is not copied; its text is decoded on demand). */
export function decodeSpoolRecord(id: number, points: number, buf: Buffer): SpoolRecord {
  const body = buf.subarray(HEADER);
  let text: string | undefined;
  return {
    id,
    get lines(): string {
      return (text ??= body.toString("utf8"));
    },
    body,
    points,
    minTimeMs: buf.readDoubleLE(16),
    maxTimeMs: buf.readDoubleLE(24),
  };
}
