/**
 * The audit trail on disk: `<dir>/audit-journal.jsonl`, one record per line, append-only.
 *
 * Appends are synchronous (write, then fsync, before `append` returns): the order in the file is the order of
 * the calls, and a record that `append` returned is on disk — an operator action is never reported done
 * while its audit record could still be lost. A failed write or fsync is cut back off the file and rethrown,
 * so the file never holds half a record followed by more records.
 *
 * A crash mid-write can leave a torn last line (no final newline). It was never acknowledged, so on open it
 * is cut off — but not silently: it is logged as a warning and returned in `openReport.tornTail`, so the
 * caller can record the repair. Only the tail of the file is read on open (the last record gives the
 * sequence and hash to continue from); the whole chain is checked by `verifyJournalFile`.
 *
 * One process at a time: two writers would fork the chain (not guarded here).
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, statfsSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { type AuditAction, type AuditEntry, type AuditRecord, type ChainBreakReason, auditRecordHash, auditRecordSchema, checkLink, GENESIS_LINK, type ChainLink, nextRecord } from "../audit/audit-record.js";
import type { AuditJournalPort } from "../audit/audit-journal-port.js";
import { createLogger, type Logger } from "../core/logger.js";

export const AUDIT_JOURNAL_FILE = "audit-journal.jsonl";

export interface AuditJournalOpenReport {
  /** The journal file did not exist and was created. */
  readonly created: boolean;
  /** The last record found (0: empty journal). */
  readonly lastSequence: number;
  /** The bytes after the last newline, cut off the file (a crash mid-write), as text; null when none. */
  readonly tornTail: string | null;
}

export interface AuditReadFilter {
  /** serverTime ≥ fromMs. */
  readonly fromMs?: number;
  /** serverTime ≤ toMs. */
  readonly toMs?: number;
  readonly user?: string;
  readonly action?: AuditAction;
  /** Keep the most recent `limit` matches (still oldest first). */
  readonly limit?: number;
}

export type JournalVerdict =
  | { readonly ok: true; readonly count: number }
  | { readonly ok: false; readonly sequence: number; readonly line: number; readonly reason: ChainBreakReason | "torn-tail"; readonly detail: string };

const CHUNK = 64 * 1024;
/** Below this much free space the journal says it is not writable (an append would likely fail). */
export const AUDIT_JOURNAL_MIN_FREE_BYTES = 1024 * 1024;
const NL = 0x0a;

/** Lines of a file, read in chunks (never the whole file in memory); the last may lack its newline. */
function* fileLines(path: string): Generator<{ line: number; text: string; terminated: boolean }> {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(CHUNK);
    let pending: Buffer[] = [];
    let line = 0;
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
      let start = 0;
      for (let nl = buf.indexOf(NL, start); nl !== -1 && nl < n; nl = buf.indexOf(NL, start)) {
        pending.push(buf.subarray(start, nl));
        yield { line: ++line, text: Buffer.concat(pending).toString("utf8"), terminated: true };
        pending = [];
        start = nl + 1;
      }
      if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
    }
    if (pending.length > 0) yield { line: ++line, text: Buffer.concat(pending).toString("utf8"), terminated: false };
  } finally {
    closeSync(fd);
  }
}

/** The last complete line and the torn bytes after it, reading backwards from the end in growing windows. */
function readTail(fd: number, size: number): { lastLine: string | null; goodBytes: number } {
  for (let win = Math.min(size, CHUNK); ; win = Math.min(size, win * 2)) {
    const buf = Buffer.alloc(win);
    readSync(fd, buf, 0, win, size - win);
    const lastNl = buf.lastIndexOf(NL);
    const prevNl = lastNl > 0 ? buf.lastIndexOf(NL, lastNl - 1) : -1;
    if (win === size || prevNl !== -1) {
      if (lastNl === -1) return { lastLine: null, goodBytes: 0 };
      return { lastLine: buf.subarray(prevNl + 1, lastNl).toString("utf8"), goodBytes: size - win + lastNl + 1 };
    }
  }
}

/** A stored line as a record, or throws naming the line: the journal cannot continue from a bad record. */
function parseRecord(text: string, where: string): AuditRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON — the audit journal is damaged; run verifyJournalFile`);
  }
  const parsed = auditRecordSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${where}: not an audit record (${parsed.error.issues[0]?.message}) — run verifyJournalFile`);
  return parsed.data;
}

export class AuditJournal implements AuditJournalPort {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    private size: number,
    private lastRecord: AuditRecord | null,
    readonly openReport: AuditJournalOpenReport,
  ) {
    this.fd = fd;
  }

  /** Opens (creating if needed) the journal in `dir`, cutting off and reporting a torn last line. */
  static open(dir: string, options: { logger?: Logger } = {}): AuditJournal {
    const log = options.logger ?? createLogger().child({ module: "audit-journal" });
    mkdirSync(dir, { recursive: true });
    const path = join(dir, AUDIT_JOURNAL_FILE);
    const created = !existsSync(path);
    const fd = openSync(path, "a+");
    try {
      if (created) fsyncDir(dir);
      const size = fstatSync(fd).size;
      const { lastLine, goodBytes } = readTail(fd, size);
      let tornTail: string | null = null;
      if (goodBytes < size) {
        const torn = Buffer.alloc(size - goodBytes);
        readSync(fd, torn, 0, torn.length, goodBytes);
        tornTail = torn.toString("utf8");
        ftruncateSync(fd, goodBytes);
        fsyncSync(fd);
        log.warn({ path, bytes: torn.length, tornTail }, "audit journal: torn last line (crash mid-write) cut off");
      }
      const last = lastLine === null ? null : parseRecord(lastLine, `${path}: last record`);
      if (last && auditRecordHash(last) !== last.hash) throw new Error(`${path}: last record ${last.sequence} does not match its hash — run verifyJournalFile`);
      return new AuditJournal(path, fd, goodBytes, last, { created, lastSequence: last?.sequence ?? 0, tornTail });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Writes the next record and fsyncs it before returning it. */
  append(entry: AuditEntry, now: number): AuditRecord {
    const fd = this.fd;
    if (fd === null) throw new Error("audit journal is closed");
    const record = nextRecord(this.lastRecord, entry, now);
    const bytes = Buffer.from(`${JSON.stringify(record)}\n`, "utf8");
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } catch (err) {
      try {
        ftruncateSync(fd, this.size);
      } catch {
        // The next open cuts a torn tail anyway; the original error is the one to report.
      }
      throw err;
    }
    this.size += bytes.length;
    this.lastRecord = record;
    return record;
  }

  /** Every record in the file, oldest first, read in chunks as it is iterated; throws naming a line it cannot read. */
  *records(): Generator<AuditRecord> {
    for (const { line, text, terminated } of fileLines(this.path)) {
      if (!terminated) return; // another writer mid-append; not ours to judge
      yield parseRecord(text, `${this.path}:${line}`);
    }
  }

  /** The whole file checked from the genesis (`verifyJournalFile`). */
  verify(): JournalVerdict {
    return verifyJournalFile(this.path);
  }

  /** The same check one line per step, so a caller can give the event loop a turn between steps. */
  verifySteps(): Generator<void, JournalVerdict, void> {
    return verifyJournalSteps(this.path);
  }

  /** Records matching every given criterion, oldest first (scans the file). */
  read(filter: AuditReadFilter = {}): AuditRecord[] {
    const { fromMs = -Infinity, toMs = Infinity, user, action, limit = Infinity } = filter;
    const out: AuditRecord[] = [];
    if (limit <= 0) return out;
    for (const r of this.records()) {
      if (r.serverTime < fromMs || r.serverTime > toMs || (user !== undefined && r.user !== user) || (action !== undefined && r.action !== action)) continue;
      out.push(r);
      if (out.length > limit) out.shift();
    }
    return out;
  }

  last(): AuditRecord | null {
    return this.lastRecord;
  }

  /** Open, and at least AUDIT_JOURNAL_MIN_FREE_BYTES free for an unprivileged writer on its file system. */
  writable(): boolean {
    if (this.fd === null) return false;
    try {
      const fs = statfsSync(dirname(this.path));
      return fs.bavail * fs.bsize >= AUDIT_JOURNAL_MIN_FREE_BYTES;
    } catch {
      return true; // cannot tell: the append itself will say
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Makes a newly created file's directory entry durable (the file's own fsync does not). */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Checks a journal file line by line from the genesis and names the first broken record and its line. */
export function verifyJournalFile(path: string): JournalVerdict {
  const steps = verifyJournalSteps(path);
  for (let s = steps.next(); ; s = steps.next()) if (s.done) return s.value;
}

/** `verifyJournalFile`, yielding after each line; returns the verdict. */
export function* verifyJournalSteps(path: string): Generator<void, JournalVerdict, void> {
  let prev: ChainLink = GENESIS_LINK;
  let count = 0;
  for (const { line, text, terminated } of fileLines(path)) {
    const sequence = prev.sequence + 1;
    if (!terminated) return { ok: false, sequence, line, reason: "torn-tail", detail: "last line has no newline: a crash mid-write (opening the journal cuts it off)" };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, sequence, line, reason: "malformed", detail: "not JSON" };
    }
    const broken = checkLink(prev, value);
    if (broken) return { ok: false, line, ...broken };
    prev = value as AuditRecord;
    count += 1;
    yield;
  }
  return { ok: true, count };
}
