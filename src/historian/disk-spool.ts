/**
 * Append-only on-disk spool for line-protocol batches that could not be written to InfluxDB.
 *
 * Layout: one directory holding segment files `<20-digit sequence>.seg`, a `cursor` file (how far the head
 * segment has been acknowledged) and a `LOCK` file (pid of the process using the spool).
 * Record: a checked header, then the UTF-8 line protocol (spool-record.ts). Every append is written at the
 * end of the tail segment and fdatasync'd before `append` resolves; a new segment is created (and the
 * directory fsync'd) when the tail would grow past `segmentBytes`.
 *
 * Order: `peek()` returns the oldest unacknowledged record, `ack()` removes it — strictly first in, first
 * out, across reopenings. A segment is deleted once all its records are acknowledged.
 *
 * Crash safety: after a kill -9 (or power loss) the last record may be torn. On open every segment is
 * scanned; a record whose header, length or CRC does not check ends that segment's valid data: it is
 * skipped *and counted* (`tornRecords`, `corruptBytes`) and a torn tail segment is truncated to its last
 * good record, so appending continues cleanly. A record that fails its CRC when read back is skipped and
 * counted the same way. Acknowledgements are persisted without fsync: after a crash a few acknowledged
 * records may be delivered again — harmless, because a replayed InfluxDB point (same series, same time
 * stamp, same fields) overwrites itself.
 *
 * ◆ Policy when full: a batch that would take the spool's pending bytes past `maxBytes` is NOT spooled.
 * It is dropped and counted (`droppedPoints`, `droppedBatches`), `append` resolves `{ spooled: false,
 * reason: "full" }` and `status().full` is true until an append succeeds again or the spool drains below
 * 90 % — so the caller raises a critical alarm. Never a silent drop. Older spooled data is never evicted:
 * the oldest history is the hardest to recover, and the gap is at the end where the alarm says it is.
 * Disk use is bounded by `maxBytes` plus one segment (the acknowledged part of the head segment).
 */
import { constants, mkdirSync } from "node:fs";
import { open, type FileHandle, unlink } from "node:fs/promises";
import { join } from "node:path";
import { removeSpoolCursor, writeSpoolCursor } from "./spool-cursor.js";
import { lockSpool, unlockSpool } from "./spool-lock.js";
import { checkSpoolRecord, decodeSpoolRecord, encodeSpoolRecord, type SpoolBatch, type SpoolRecord } from "./spool-record.js";
import { recoverSpool } from "./spool-recovery.js";
import { type SpoolEntry, type SpoolSegment, spoolSegmentName } from "./spool-segment.js";

export type AppendResult = { readonly spooled: true; readonly id: number } | { readonly spooled: false; readonly reason: "full" | "io-error"; readonly error?: string };

export interface SpoolStatus {
  /** Bytes of pending (unacknowledged) records, headers included. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** bytes / maxBytes. */
  readonly fraction: number;
  /** A batch was refused for lack of room and the spool has not drained since. */
  readonly full: boolean;
  readonly records: number;
  readonly points: number;
  /** Points refused (full or disk error) since open — never silent. */
  readonly droppedPoints: number;
  readonly droppedBatches: number;
  /** Torn or corrupt records found (on open or on read) and skipped. */
  readonly tornRecords: number;
  readonly corruptBytes: number;
  readonly lastError: string | null;
}

export interface DiskSpoolOptions {
  readonly dir: string;
  readonly maxBytes: number;
  /** Segment size before a new segment is started (default min(16 MiB, maxBytes / 4), at least 64 KiB). */
  readonly segmentBytes?: number;
  /** fdatasync every append (default true). */
  readonly fsync?: boolean;
}

const LOW_WATER = 0.9;

export class DiskSpool {
  private segments: SpoolSegment[] = [];
  private entries: SpoolEntry[] = [];
  private head = 0;
  private nextId = 1;
  private pendingBytes = 0;
  private pendingPoints = 0;
  private tail: { seg: SpoolSegment; fh: FileHandle } | null = null;
  private reader: { seq: number; fh: FileHandle } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private isFull = false;
  private dropped = { points: 0, batches: 0 };
  private torn = { records: 0, bytes: 0 };
  private lastError: string | null = null;
  private closed = false;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  private readonly fsync: boolean;

  private constructor(readonly dir: string, opts: DiskSpoolOptions) {
    this.maxBytes = opts.maxBytes;
    this.segmentBytes = opts.segmentBytes ?? Math.max(64 * 1024, Math.min(16 * 1024 * 1024, Math.floor(opts.maxBytes / 4)));
    this.fsync = opts.fsync ?? true;
  }

  /** Opens (or creates) the spool in `dir`, recovering what a previous process left, torn tail included. */
  static async open(opts: DiskSpoolOptions): Promise<DiskSpool> {
    if (!(opts.maxBytes > 0)) throw new RangeError("DiskSpool maxBytes must be > 0");
    mkdirSync(opts.dir, { recursive: true });
    const spool = new DiskSpool(opts.dir, opts);
    lockSpool(spool.dir);
    const found = recoverSpool(spool.dir);
    spool.segments = found.segments;
    spool.entries = found.entries;
    spool.nextId = found.entries.length + 1;
    spool.pendingBytes = found.pendingBytes;
    spool.pendingPoints = found.pendingPoints;
    spool.torn = found.torn;
    return spool;
  }

  /** Runs operations one at a time, in call order. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Spools a batch (fsync'd when it resolves) or refuses it when full — see the policy in the header. */
  append(batch: SpoolBatch): Promise<AppendResult> {
    return this.serial(async () => {
      if (this.closed) throw new Error("spool closed");
      const rec = encodeSpoolRecord(batch);
      if (this.pendingBytes + rec.length > this.maxBytes) {
        this.isFull = true;
        this.countDropped(batch);
        return { spooled: false, reason: "full" } as const;
      }
      let seg: SpoolSegment | undefined;
      try {
        const tail = await this.tailFor(rec.length);
        seg = tail.seg;
        const { bytesWritten } = await tail.fh.write(rec, 0, rec.length, seg.size);
        if (bytesWritten !== rec.length) throw new Error(`short write (${bytesWritten} of ${rec.length} bytes)`);
        if (this.fsync) await tail.fh.datasync();
      } catch (e) {
        const msg = (e as Error).message;
        this.lastError = msg;
        this.countDropped(batch);
        if (seg && this.tail) await this.tail.fh.truncate(seg.size).catch(() => undefined);
        return { spooled: false, reason: "io-error", error: msg } as const;
      }
      const id = this.nextId++;
      this.entries.push({ id, seg: seg.seq, offset: seg.size, size: rec.length, points: batch.points });
      seg.size += rec.length;
      seg.pending += 1;
      this.pendingBytes += rec.length;
      this.pendingPoints += batch.points;
      this.isFull = false;
      return { spooled: true, id } as const;
    });
  }

  private countDropped(batch: SpoolBatch): void {
    this.dropped.points += batch.points;
    this.dropped.batches += 1;
  }

  private async tailFor(len: number): Promise<{ seg: SpoolSegment; fh: FileHandle }> {
    const last = this.segments.at(-1);
    if (this.tail && last && this.tail.seg === last && (last.size === 0 || last.size + len <= this.segmentBytes)) return this.tail;
    if (!this.tail && last && (last.size === 0 || last.size + len <= this.segmentBytes)) {
      const fh = await open(last.path, constants.O_WRONLY | constants.O_CREAT);
      this.tail = { seg: last, fh };
      return this.tail;
    }
    if (this.tail) await this.tail.fh.close();
    this.tail = null;
    const seq = (last?.seq ?? 0) + 1;
    const seg: SpoolSegment = { seq, path: join(this.dir, spoolSegmentName(seq)), size: 0, pending: 0 };
    const fh = await open(seg.path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    if (this.fsync) await syncDir(this.dir);
    this.segments.push(seg);
    this.tail = { seg, fh };
    return this.tail;
  }

  /** The oldest pending record, or null when the spool is empty. Corrupt records are skipped and counted. */
  peek(): Promise<SpoolRecord | null> {
    return this.serial(async () => {
      for (;;) {
        const e = this.entries[this.head];
        if (!e) return null;
        const rec = await this.read(e);
        if (rec) return rec;
        this.torn.records += 1;
        this.torn.bytes += e.size;
        this.lastError = `corrupt spool record in ${spoolSegmentName(e.seg)} at ${e.offset}: skipped`;
        await this.drop(e.id);
      }
    });
  }

  /**
   * The pending record right after record `id` (read ahead, e.g. while `id` is being sent), or null when
   * there is none, `id` is not pending, or it does not read back cleanly (then `peek()` deals with it once
   * it is the oldest). Changes nothing.
   */
  peekNext(id: number): Promise<SpoolRecord | null> {
    return this.serial(async () => {
      if (this.closed) return null;
      const at = this.entries[this.head]?.id === id ? this.head : this.entries.findIndex((x, i) => i >= this.head && x.id === id);
      const e = at < 0 ? undefined : this.entries[at + 1];
      return e ? this.read(e) : null;
    });
  }

  /** Reads and checks one record; null when it is torn or corrupt. */
  private async read(e: SpoolEntry): Promise<SpoolRecord | null> {
    if (this.reader?.seq !== e.seg) {
      await this.reader?.fh.close();
      this.reader = null;
      const seg = this.segments.find((s) => s.seq === e.seg)!;
      this.reader = { seq: e.seg, fh: await open(seg.path, "r") };
    }
    const buf = Buffer.allocUnsafe(e.size);
    const { bytesRead } = await this.reader.fh.read(buf, 0, e.size, e.offset);
    return bytesRead === e.size && checkSpoolRecord(buf, 0) === e.size ? decodeSpoolRecord(e.id, e.points, buf) : null;
  }

  /** Removes the oldest pending record (`id`, when given, must be that record's id). */
  ack(id?: number): Promise<void> {
    return this.serial(async () => {
      const e = this.entries[this.head];
      if (!e) return;
      if (id !== undefined && id !== e.id) throw new Error(`ack(${id}) but the oldest record is ${e.id}`);
      await this.drop(e.id);
    });
  }

  private async drop(id: number): Promise<void> {
    const e = this.entries[this.head]!;
    if (e.id !== id) return;
    this.head += 1;
    this.pendingBytes -= e.size;
    this.pendingPoints -= e.points;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (this.pendingBytes <= this.maxBytes * LOW_WATER) this.isFull = false;
    const seg = this.segments.find((s) => s.seq === e.seg)!;
    seg.pending -= 1;
    if (this.entries.length === this.head) {
      // empty: remove every segment and the cursor, the next append starts a fresh segment
      await this.closeHandles();
      for (const s of this.segments) await unlink(s.path).catch(() => undefined);
      this.segments.length = 0;
      this.entries.length = 0;
      this.head = 0;
      await removeSpoolCursor(this.dir);
      return;
    }
    if (seg.pending === 0 && seg !== this.segments.at(-1)) {
      if (this.reader?.seq === seg.seq) {
        await this.reader.fh.close();
        this.reader = null;
      }
      this.segments.splice(this.segments.indexOf(seg), 1);
      await unlink(seg.path).catch(() => undefined);
    }
    const next = this.entries[this.head]!;
    await writeSpoolCursor(this.dir, { seg: next.seg, offset: next.offset });
  }

  private async closeHandles(): Promise<void> {
    await this.reader?.fh.close().catch(() => undefined);
    this.reader = null;
    await this.tail?.fh.close().catch(() => undefined);
    this.tail = null;
  }

  /** Pending bytes (records not yet acknowledged, headers included). */
  bytes(): number {
    return this.pendingBytes;
  }

  fraction(): number {
    return this.pendingBytes / this.maxBytes;
  }

  isEmpty(): boolean {
    return this.entries.length === this.head;
  }

  /** Pending records. */
  size(): number {
    return this.entries.length - this.head;
  }

  status(): SpoolStatus {
    return {
      bytes: this.pendingBytes,
      maxBytes: this.maxBytes,
      fraction: this.fraction(),
      full: this.isFull,
      records: this.size(),
      points: this.pendingPoints,
      droppedPoints: this.dropped.points,
      droppedBatches: this.dropped.batches,
      tornRecords: this.torn.records,
      corruptBytes: this.torn.bytes,
      lastError: this.lastError,
    };
  }

  /** Waits for pending operations, closes files and releases the lock. The spool can be opened again. */
  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.closeHandles();
      unlockSpool(this.dir);
    });
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
