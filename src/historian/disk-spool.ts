/**
 * Append-only on-disk spool for line-protocol batches that could not be written to InfluxDB.
 *
 * Layout: one directory holding segment files `<20-digit sequence>.seg`, a `cursor` file (how far the head
 * segment has been acknowledged) and a `LOCK` file (pid of the process using the spool).
 * Record: 32-byte header — magic "HSP1", payload length, CRC32 (of everything after the CRC field), point
 * count, min and max point time (float64 ms) — then the UTF-8 line protocol. Every append is written at the
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
import { closeSync, constants, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open, type FileHandle, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";

export interface SpoolBatch {
  /** Line protocol, newline-separated. */
  readonly lines: string;
  readonly points: number;
  /** Time range of the batch's points (epoch ms); NaN when unknown. */
  readonly minTimeMs?: number;
  readonly maxTimeMs?: number;
}

export interface SpoolRecord {
  readonly id: number;
  readonly lines: string;
  readonly points: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
}

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

const MAGIC = 0x31505348; // "HSP1" little-endian
const HEADER = 32;
const SEG_RE = /^(\d{20})\.seg$/;
const LOW_WATER = 0.9;

interface Entry {
  id: number;
  seg: number;
  offset: number;
  /** Header + payload. */
  size: number;
  points: number;
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes of valid data in the file. */
  size: number;
  /** Records of this segment still pending. */
  pending: number;
}

function segName(seq: number): string {
  return `${String(seq).padStart(20, "0")}.seg`;
}

function encodeRecord(batch: SpoolBatch): Buffer {
  const payload = Buffer.from(batch.lines, "utf8");
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
function checkRecord(buf: Buffer, offset: number): number {
  if (buf.length - offset < HEADER) return -1;
  if (buf.readUInt32LE(offset) !== MAGIC) return -1;
  const len = buf.readUInt32LE(offset + 4);
  const end = offset + HEADER + len;
  if (end > buf.length) return -1;
  if (crc32(buf.subarray(offset + 12, end)) !== buf.readUInt32LE(offset + 8)) return -1;
  return HEADER + len;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DiskSpool {
  private readonly segments: Segment[] = [];
  private readonly entries: Entry[] = [];
  private head = 0;
  private nextId = 1;
  private pendingBytes = 0;
  private pendingPoints = 0;
  private tail: { seg: Segment; fh: FileHandle } | null = null;
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
    spool.lock();
    spool.recover();
    return spool;
  }

  private lock(): void {
    const file = join(this.dir, "LOCK");
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(`spool ${this.dir} is in use by process ${pid}`);
      }
    }
    writeFileSync(file, `${process.pid}\n`);
  }

  private readCursor(): { seg: number; offset: number } {
    try {
      const c = JSON.parse(readFileSync(join(this.dir, "cursor"), "utf8")) as { seg?: unknown; offset?: unknown };
      if (typeof c.seg === "number" && typeof c.offset === "number") return { seg: c.seg, offset: c.offset };
    } catch {
      /* no cursor yet */
    }
    return { seg: 0, offset: 0 };
  }

  private recover(): void {
    const cursor = this.readCursor();
    const seqs = readdirSync(this.dir)
      .flatMap((n) => {
        const m = SEG_RE.exec(n);
        return m ? [Number(m[1])] : [];
      })
      .sort((a, b) => a - b);
    for (const [i, seq] of seqs.entries()) {
      const path = join(this.dir, segName(seq));
      if (seq < cursor.seg) {
        rmSync(path, { force: true });
        continue;
      }
      const buf = readFileSync(path);
      const seg: Segment = { seq, path, size: 0, pending: 0 };
      let off = 0;
      while (off < buf.length) {
        const len = checkRecord(buf, off);
        if (len < 0) {
          this.torn.records += 1;
          this.torn.bytes += buf.length - off;
          break;
        }
        if (!(seq === cursor.seg && off < cursor.offset)) {
          this.entries.push({ id: this.nextId++, seg: seq, offset: off, size: len, points: buf.readUInt32LE(off + 12) });
          seg.pending += 1;
          this.pendingBytes += len;
          this.pendingPoints += buf.readUInt32LE(off + 12);
        }
        off += len;
      }
      seg.size = off;
      const last = i === seqs.length - 1;
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
      if (seg.pending === 0 && !last) {
        rmSync(path, { force: true });
        continue;
      }
      this.segments.push(seg);
    }
    if (this.entries.length === 0) {
      // nothing pending: start clean
      for (const s of this.segments) rmSync(s.path, { force: true });
      this.segments.length = 0;
      rmSync(join(this.dir, "cursor"), { force: true });
    }
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
      const rec = encodeRecord(batch);
      if (this.pendingBytes + rec.length > this.maxBytes) {
        this.isFull = true;
        this.dropped.points += batch.points;
        this.dropped.batches += 1;
        return { spooled: false, reason: "full" } as const;
      }
      let seg: Segment | undefined;
      try {
        const tail = await this.tailFor(rec.length);
        seg = tail.seg;
        const { bytesWritten } = await tail.fh.write(rec, 0, rec.length, seg.size);
        if (bytesWritten !== rec.length) throw new Error(`short write (${bytesWritten} of ${rec.length} bytes)`);
        if (this.fsync) await tail.fh.datasync();
      } catch (e) {
        const msg = (e as Error).message;
        this.lastError = msg;
        this.dropped.points += batch.points;
        this.dropped.batches += 1;
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

  private async tailFor(len: number): Promise<{ seg: Segment; fh: FileHandle }> {
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
    const seg: Segment = { seq, path: join(this.dir, segName(seq)), size: 0, pending: 0 };
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
        if (this.reader?.seq !== e.seg) {
          await this.reader?.fh.close();
          this.reader = null;
          const seg = this.segments.find((s) => s.seq === e.seg)!;
          this.reader = { seq: e.seg, fh: await open(seg.path, "r") };
        }
        const buf = Buffer.allocUnsafe(e.size);
        const { bytesRead } = await this.reader.fh.read(buf, 0, e.size, e.offset);
        if (bytesRead === e.size && checkRecord(buf, 0) === e.size) {
          return {
            id: e.id,
            lines: buf.toString("utf8", HEADER),
            points: e.points,
            minTimeMs: buf.readDoubleLE(16),
            maxTimeMs: buf.readDoubleLE(24),
          };
        }
        this.torn.records += 1;
        this.torn.bytes += e.size;
        this.lastError = `corrupt spool record in ${segName(e.seg)} at ${e.offset}: skipped`;
        await this.drop(e.id);
      }
    });
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
      await unlink(join(this.dir, "cursor")).catch(() => undefined);
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
    const tmp = join(this.dir, "cursor.tmp");
    await writeFile(tmp, JSON.stringify({ seg: next.seg, offset: next.offset }));
    await rename(tmp, join(this.dir, "cursor"));
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
      rmSync(join(this.dir, "LOCK"), { force: true });
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
