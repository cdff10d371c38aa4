/**
 * The audit trail in operation (21 CFR Part 11 §11.10(e)): every operator action, refusal and system event is
 * recorded here, hash-chained, before anyone is told it happened.
 *
 * `record` is synchronous: the record is appended to the journal (fsync'd by the store) and only then handed
 * to the listeners (the runtime sends it to the historian's `audit` measurement, which is the tail anchor).
 * Records therefore reach the journal one at a time, in sequence order, and listeners see them in that same
 * order — a listener that records something itself gets it queued behind the record being delivered. If the
 * journal cannot take the record (disk full, closed), `record` throws SCADA_ERR_AUDIT_WRITE_FAILED and no
 * listener hears of it: the caller decides (an ordinary command is refused; Stop and Abort go ahead anyway —
 * the audit trail never blocks them, the caller catches).
 *
 * `query` filters the journal; `verify` checks the whole stored chain and adds the tail-anchor verdict. Both
 * scan the journal, so they are asynchronous and give the event loop a turn every `scanSlice` records: a
 * query over a long journal must never hold up the trip path or the HMI push (≈ 5 µs per record here, so
 * 100 000 records would otherwise block for about half a second).
 *
 * Tail anchoring: a hash chain cannot show the loss or the re-hashing of its own tail, so on start (`checkAnchor`) the
 * journal's records are compared with the newest `audit` points the historian holds (sequence + hash).
 *
 * Pure apart from its ports: the journal (AuditJournalPort), the clock, the logger, the anchor source.
 */
import type { Clock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AuditJournalPort, AuditJournalVerdict } from "./audit-journal-port.js";
import type { AuditAction, AuditEntry, AuditRecord, AuditResult, ChainLink } from "./audit-record.js";

/** The one capability callers that only record need (auth, operations): narrower than the whole trail. */
export interface AuditSink {
  record(entry: AuditEntry): AuditRecord;
  /** False while a record would fail (the journal is closed, its disk full, or its last append failed). */
  writable(): boolean;
}

export interface AuditQuery {
  /** serverTime ≥ fromMs. */
  readonly fromMs?: number;
  /** serverTime ≤ toMs. */
  readonly toMs?: number;
  /** Exact login name. */
  readonly user?: string;
  readonly action?: AuditAction;
  readonly result?: AuditResult;
  /** A part of the target, case-insensitive ("zone1" finds "zone1.temp_sp"). */
  readonly target?: string;
  /** At most this many records (default 500). */
  readonly limit?: number;
  /** "desc" (default): the newest `limit` matches, newest first; "asc": the oldest `limit` matches, oldest first. */
  readonly order?: "asc" | "desc";
}

export interface AuditQueryResult {
  readonly records: readonly AuditRecord[];
  /** More records matched than `limit`. */
  readonly truncated: boolean;
}

/** The newest audit points of the historian, as chain links. */
export interface AuditAnchorSource {
  /** The most recent `audit` points' sequence + hash (any order; [] when there are none). Rejects when it cannot answer. */
  recentLinks(): Promise<readonly ChainLink[]>;
}

/** The tail-anchor verdict: does the journal still hold what the historian saw being recorded? */
export type AuditAnchorState =
  | { readonly state: "unchecked"; readonly detail: string }
  | { readonly state: "unavailable"; readonly detail: string }
  | { readonly state: "no-anchor"; readonly detail: string }
  | { readonly state: "match"; readonly sequence: number; readonly hash: string; readonly detail: string }
  | {
      readonly state: "mismatch";
      /** The first sequence at which the journal and the historian disagree. */
      readonly sequence: number;
      readonly detail: string;
      /** The journal's last record when checked. */
      readonly journal: ChainLink | null;
      /** The historian's record at `sequence` (or its newest, when the journal ends before it). */
      readonly historian: ChainLink;
    };

/** The journal's chain verdict and the tail anchor's: ok only when both are. */
export type AuditVerifyResult =
  | { readonly ok: true; readonly count: number; readonly anchor: AuditAnchorState }
  | {
      readonly ok: false;
      readonly sequence: number;
      readonly line?: number;
      readonly reason: Exclude<AuditJournalVerdict, { ok: true }>["reason"] | "anchor-mismatch";
      readonly detail: string;
      /** Records that verified (a chain break: those before it). */
      readonly count?: number;
      readonly anchor: AuditAnchorState;
    };

export interface AuditTrailStatus {
  readonly lastSequence: number;
  readonly lastHash: string | null;
  /** Records that could not be written since start. */
  readonly writeFailures: number;
  readonly writable: boolean;
  readonly anchor: AuditAnchorState;
}

export interface AuditTrailOptions {
  readonly journal: AuditJournalPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records scanned between two turns of the event loop (default 64: well under a millisecond). */
  readonly scanSlice?: number;
  /** How a scan gives the event loop a turn (default: setImmediate). */
  readonly pause?: () => Promise<void>;
}

export const DEFAULT_AUDIT_QUERY_LIMIT = 500;
const DEFAULT_SCAN_SLICE = 64;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function link(r: AuditRecord | null): ChainLink | null {
  return r ? { sequence: r.sequence, hash: r.hash } : null;
}

export class AuditTrail implements AuditSink {
  private readonly journal: AuditJournalPort;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly listeners = new Set<(record: AuditRecord) => void>();
  /** Records written, waiting to be handed to the listeners (in order). */
  private readonly outbox: AuditRecord[] = [];
  private delivering = false;
  private writeFailures = 0;
  private lastWriteFailed = false;
  /** The journal's last sequence when this trail started: records after it were written by this process. */
  private readonly startSequence: number;
  private anchor: AuditAnchorState = { state: "unchecked", detail: "the tail has not been compared with the historian" };
  private readonly scanSlice: number;
  private readonly pause: () => Promise<void>;

  constructor(opts: AuditTrailOptions) {
    this.journal = opts.journal;
    this.scanSlice = opts.scanSlice ?? DEFAULT_SCAN_SLICE;
    this.pause = opts.pause ?? nextTurn;
    this.clock = opts.clock;
    this.log = opts.logger.child({ module: "audit" });
    this.startSequence = opts.journal.last()?.sequence ?? 0;
  }

  /**
   * Appends the record (durably) and then hands it to the listeners. Throws SCADA_ERR_AUDIT_WRITE_FAILED when
   * the journal cannot take it (nothing was recorded, no listener told); a TypeError for an entry that
   * would not read back (a caller's bug).
   */
  record(entry: AuditEntry): AuditRecord {
    let record: AuditRecord;
    try {
      record = this.journal.append(entry, this.clock.now());
    } catch (err) {
      if (err instanceof TypeError) throw err;
      this.writeFailures += 1;
      this.lastWriteFailed = true;
      const message = `audit record not written (${entry.action} ${entry.target} by ${entry.user}: ${entry.result}): ${(err as Error).message}`;
      // The log keeps what the journal could not: who did what, so the action is not lost without a trace.
      this.log.error({ err: String(err), entry: { ...entry, signature: entry.signature ?? null } }, message);
      throw new ScadaError("SCADA_ERR_AUDIT_WRITE_FAILED", message);
    }
    this.lastWriteFailed = false;
    this.outbox.push(record);
    this.deliver();
    return record;
  }

  /**
   * Whether a record can be expected to be written now: the journal's own answer when it has one (open, room
   * on the disk — so a freed disk is writable again at once), else whether the last append succeeded.
   * The operation runner refuses everything but Stop and Abort while this is false.
   */
  writable(): boolean {
    const probe = this.journal.writable?.();
    return probe ?? !this.lastWriteFailed;
  }

  /** Listeners get every record once it is in the journal, in sequence order; their errors are logged, not thrown. */
  onRecord(listener: (record: AuditRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private deliver(): void {
    if (this.delivering) return; // a listener recorded something: the outer loop hands it on after this one
    this.delivering = true;
    try {
      for (let r = this.outbox.shift(); r; r = this.outbox.shift()) {
        for (const l of this.listeners) {
          try {
            l(r);
          } catch (err) {
            this.log.error({ err: String(err), sequence: r.sequence }, "audit record listener failed");
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  last(): AuditRecord | null {
    return this.journal.last();
  }

  /** Records matching every given criterion (see AuditQuery for limit and order). Scans the journal, pausing. */
  async query(q: AuditQuery = {}): Promise<AuditQueryResult> {
    const limit = q.limit ?? DEFAULT_AUDIT_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`audit query: limit must be an integer ≥ 1, got ${limit}`);
    const { fromMs = -Infinity, toMs = Infinity, user, action, result } = q;
    const target = q.target?.toLowerCase();
    const match = (r: AuditRecord): boolean =>
      r.serverTime >= fromMs &&
      r.serverTime <= toMs &&
      (user === undefined || r.user === user) &&
      (action === undefined || r.action === action) &&
      (result === undefined || r.result === result) &&
      (target === undefined || r.target.toLowerCase().includes(target));
    let out: AuditRecord[] = [];
    let matched = 0;
    let scanned = 0;
    try {
      for (const r of this.journal.records()) {
        if (++scanned % this.scanSlice === 0) await this.pause();
        if (!match(r)) continue;
        matched += 1;
        if (q.order === "asc" && matched > limit) break;
        out.push(r);
        // desc keeps the newest `limit`: trimmed now and then, not shifted per record (amortised O(1))
        if (out.length >= 2 * limit) out = out.slice(-limit);
      }
    } catch (err) {
      if (err instanceof ScadaError) throw err;
      throw new ScadaError("SCADA_ERR_AUDIT_JOURNAL_DAMAGED", `the audit journal cannot be read: ${(err as Error).message}`);
    }
    if (out.length > limit) out = out.slice(-limit);
    return { records: q.order === "asc" ? out : out.reverse(), truncated: matched > limit };
  }

  /** The whole stored chain checked from the genesis (pausing), and the tail anchor's verdict from the last check. */
  async verify(): Promise<AuditVerifyResult> {
    const steps = this.journal.verifySteps();
    let chain: AuditJournalVerdict;
    for (let n = 1; ; n++) {
      const step = steps.next();
      if (step.done) {
        chain = step.value;
        break;
      }
      if (n % this.scanSlice === 0) await this.pause();
    }
    const anchor = this.anchor;
    if (!chain.ok) return { ...chain, count: chain.sequence - 1, anchor };
    if (anchor.state === "mismatch") return { ok: false, sequence: anchor.sequence, reason: "anchor-mismatch", detail: anchor.detail, count: chain.count, anchor };
    return { ok: true, count: chain.count, anchor };
  }

  status(): AuditTrailStatus {
    const last = this.journal.last();
    return { lastSequence: last?.sequence ?? 0, lastHash: last?.hash ?? null, writeFailures: this.writeFailures, writable: this.writable(), anchor: this.anchor };
  }

  anchorState(): AuditAnchorState {
    return this.anchor;
  }

  /**
   * Compares the journal with the newest audit points the historian holds: a journal that ends before the
   * historian's newest record was truncated; a record whose hash differs was rewritten (a re-hashed tail).
   * A historian behind the journal is normal (points still queued or spooled). A mismatch is logged as an
   * error and shown by `verify`; an unreachable historian leaves the state "unavailable" (call again).
   */
  async checkAnchor(source: AuditAnchorSource): Promise<AuditAnchorState> {
    let links: readonly ChainLink[];
    try {
      links = await source.recentLinks();
    } catch (err) {
      this.anchor = { state: "unavailable", detail: `the historian could not be asked for its audit points: ${(err as Error).message}` };
      this.log.warn({ detail: this.anchor.detail }, "audit tail anchor not checked");
      return this.anchor;
    }
    this.anchor = await this.compare(links);
    const a = this.anchor;
    if (a.state === "mismatch") this.log.error({ ...a }, `AUDIT TRAIL TAIL MISMATCH: ${a.detail}`);
    else if (a.state === "no-anchor" && this.startSequence > 0) this.log.warn({ detail: a.detail }, "audit tail not anchored");
    else this.log.info({ detail: a.detail }, "audit tail anchor");
    return a;
  }

  private async compare(links: readonly ChainLink[]): Promise<AuditAnchorState> {
    const valid = links.filter((l) => Number.isInteger(l.sequence) && l.sequence >= 1 && typeof l.hash === "string");
    const last = link(this.journal.last());
    if (valid.length === 0) {
      return { state: "no-anchor", detail: `the historian holds no audit point: the journal's tail (record ${last?.sequence ?? 0}) cannot be anchored (a new historian database?)` };
    }
    const newest = valid.reduce((a, b) => (b.sequence > a.sequence ? b : a));
    const journalSeq = last?.sequence ?? 0;
    const wanted = new Map<number, string>();
    for (const l of valid) if (l.sequence <= journalSeq) wanted.set(l.sequence, l.hash);
    // The journal's hash of each sequence the historian holds (one scan; the last record without one).
    const held = new Map<number, string>();
    if (last && wanted.has(last.sequence)) held.set(last.sequence, last.hash);
    if ([...wanted.keys()].some((s) => !held.has(s))) {
      try {
        let scanned = 0;
        for (const r of this.journal.records()) {
          if (++scanned % this.scanSlice === 0) await this.pause();
          if (wanted.has(r.sequence)) held.set(r.sequence, r.hash);
        }
      } catch (err) {
        return { state: "mismatch", sequence: 1, detail: `the audit journal cannot be read to compare with the historian: ${(err as Error).message}`, journal: last, historian: newest };
      }
    }
    const differs = [...wanted].filter(([s, h]) => held.get(s) !== h).sort((a, b) => a[0] - b[0])[0];
    if (differs) {
      const [sequence, hash] = differs;
      const mine = held.get(sequence);
      return {
        state: "mismatch",
        sequence,
        detail:
          mine === undefined
            ? `record ${sequence} is in the historian (hash ${hash.slice(0, 12)}…) but not in the journal: the journal was altered`
            : `record ${sequence} has hash ${mine.slice(0, 12)}… in the journal but ${hash.slice(0, 12)}… in the historian: the journal was rewritten (re-hashed) from record ${sequence} or before`,
        journal: last,
        historian: { sequence, hash },
      };
    }
    if (newest.sequence > journalSeq) {
      return {
        state: "mismatch",
        sequence: journalSeq + 1,
        detail: `the journal ends at record ${journalSeq} but the historian holds record ${newest.sequence}: records ${journalSeq + 1}…${newest.sequence} are missing from the journal (truncated, or replaced by another journal)`,
        journal: last,
        historian: newest,
      };
    }
    return {
      state: "match",
      sequence: newest.sequence,
      hash: newest.hash,
      detail: `the journal holds the historian's newest audit record ${newest.sequence} with the same hash${journalSeq > newest.sequence ? ` (records ${newest.sequence + 1}…${journalSeq} not in the historian yet)` : ""}`,
    };
  }
}
