/**
 * The audit supervisor: what keeps watch over the audit trail while the SCADA runs.
 * - At start: the journal's tail is compared with the historian's newest `audit` points (the tail anchor;
 *   retried while InfluxDB cannot answer yet), then this start's `config.load` record is written (what the
 *   SCADA runs with, a digest of the config files, and a torn tail the journal cut off when it opened).
 * - Then, and every `verifyEveryMs`: the whole hash chain is verified (sliced by the trail: the event loop
 *   is not held up).
 * - `faults()` is the AUDIT-TRAIL-FAULT alarm's value: chain broken + tail anchor mismatch + journal not
 *   writable.
 * Timers are unref'd and all cleared by stop(); nothing runs after it.
 */
import type { Logger } from "../core/logger.js";
import type { AuditAnchorSource, AuditTrail } from "./audit-trail.js";

/** What this start's `config.load` record says (counts, digest or why it could not be taken, journal repair). */
export type ConfigLoadSummary = Readonly<Record<string, unknown>>;

export interface AuditSupervisorDeps {
  readonly audit: Pick<AuditTrail, "checkAnchor" | "anchorState" | "verify" | "writable" | "record">;
  /** The historian's newest audit points; null when the SCADA runs without a historian (no anchor check). */
  readonly anchor: {
    readonly source: AuditAnchorSource;
    /** The historian only spools (no InfluxDB to ask): stop retrying. */
    readonly spoolOnly: () => boolean;
  } | null;
  /** The config directory (the record's target) and the record's content, built when it is written. */
  readonly configDir: string;
  readonly configLoad: () => ConfigLoadSummary;
  readonly logger: Logger;
  /** How long start waits for the first anchor check, how often and how many times it is tried. */
  readonly anchorWaitMs?: number;
  readonly anchorRetryMs?: number;
  readonly anchorTries?: number;
  /** How often the whole chain is verified in the background (and once at start). */
  readonly verifyEveryMs?: number;
}

export const AUDIT_ANCHOR_WAIT_MS = 3000;
export const AUDIT_ANCHOR_RETRY_MS = 5000;
export const AUDIT_ANCHOR_TRIES = 12;
export const AUDIT_VERIFY_MS = 15 * 60_000;

export class AuditSupervisor {
  readonly name = "audit supervisor";
  /** The last full chain verification's break ("record N: reason"); null while it verifies (or before the first). */
  private chainBroken: string | null = null;
  private anchorTimer: NodeJS.Timeout | undefined;
  private verifyTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: AuditSupervisorDeps) {}

  async start(): Promise<void> {
    const wait = this.deps.anchorWaitMs ?? AUDIT_ANCHOR_WAIT_MS;
    // The first anchor check before this start's own record (a slow historian does not hold the start up).
    let waitTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.checkAnchor(this.deps.anchorTries ?? AUDIT_ANCHOR_TRIES),
      new Promise((r) => (waitTimer = setTimeout(r, wait)).unref()),
    ]);
    clearTimeout(waitTimer);
    this.recordConfigLoad();
    void this.verifyChain();
    this.verifyTimer = setInterval(() => void this.verifyChain(), this.deps.verifyEveryMs ?? AUDIT_VERIFY_MS);
    this.verifyTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.anchorTimer);
    clearInterval(this.verifyTimer);
  }

  /** The AUDIT-TRAIL-FAULT alarm's value: how many of chain broken, tail anchor mismatch, journal not writable. */
  faults(): number {
    const { audit } = this.deps;
    return (this.chainBroken ? 1 : 0) + (audit.anchorState().state === "mismatch" ? 1 : 0) + (audit.writable() ? 0 : 1);
  }

  /** Compares the journal's tail with the historian's newest audit points; retried while InfluxDB cannot answer yet. */
  private async checkAnchor(tries: number): Promise<void> {
    const anchor = this.deps.anchor;
    if (!anchor || this.stopped) return;
    const state = await this.deps.audit.checkAnchor(anchor.source);
    if (state.state === "unavailable" && tries > 1 && !anchor.spoolOnly() && !this.stopped) {
      this.anchorTimer = setTimeout(() => void this.checkAnchor(tries - 1), this.deps.anchorRetryMs ?? AUDIT_ANCHOR_RETRY_MS);
      this.anchorTimer.unref();
    }
  }

  /** The `config.load` record of this start: a failure to write it is logged, never thrown. */
  private recordConfigLoad(): void {
    try {
      this.deps.audit.record({
        user: "system",
        role: "system",
        clientAddress: "local",
        action: "config.load",
        target: this.deps.configDir,
        newValue: this.deps.configLoad(),
        result: "ok",
      });
    } catch (err) {
      this.deps.logger.error({ err: String(err) }, "the audit trail could not record config.load");
    }
  }

  private async verifyChain(): Promise<void> {
    if (this.stopped) return;
    try {
      const v = await this.deps.audit.verify();
      const broken = !v.ok && v.reason !== "anchor-mismatch" ? `record ${v.sequence}: ${v.reason}` : null;
      if (broken && broken !== this.chainBroken) this.deps.logger.error({ verdict: v }, `AUDIT TRAIL CHAIN BROKEN at ${broken}`);
      this.chainBroken = broken;
    } catch (err) {
      if (!this.stopped) this.deps.logger.error({ err: String(err) }, "audit chain verification failed");
    }
  }
}
