import { join } from "node:path";
import { InfluxDB } from "influx";
import type { Clock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { TagChange } from "../tags/tag-table.js";
import { DiskSpool } from "./disk-spool.js";
import type { HistorianPoint } from "./historian-point.js";
import { backfillTrends, DEFAULT_DATABASE, ensureHistorianSchema, HistorianSchemaMissingError, type ResampleOptions } from "./historian-schema.js";
import type { HistorianStatus } from "./historian-health.js";
import { HistorianWriter } from "./historian-writer.js";
import type { InfluxWriteTarget } from "./influx-line-client.js";
import { findInfluxd, ManagedInfluxd } from "./managed-influxd.js";
import { TagHistoryPolicy } from "./tag-history-policy.js";
import { tagSamplePoint } from "./historian-measurements.js";
import { type EventQuery, type EventRow, type HistoryQuery, type HistoryResult, queryEvents, queryHistory, toCsv } from "./history-query.js";

export type HistorianMode = "external" | "managed" | "spool-only";

export interface HistorianServiceOptions {
  readonly tags: readonly TagConfig[];
  readonly line: string;
  /** Spool and managed InfluxDB data live under it. */
  readonly dataDir: string;
  /** INFLUX_URL: http://user:pass@host:port/db (db default `htr`). Unset: a managed influxd if installed. */
  readonly influxUrl?: string;
  /** Managed influxd HTTP port (0: a free one). */
  readonly managedPort?: number;
  /** Continuous query resampling (tests use short ones). */
  readonly cq1s?: ResampleOptions;
  readonly cq1m?: ResampleOptions;
  readonly cqRunInterval?: string;
  /** Spool bound (default 1 GiB). */
  readonly spoolMaxBytes?: number;
  readonly flushIntervalMs?: number;
  /** Re-check of a schema missing for a non-admin user, ms (default SCHEMA_MISSING_RETRY_MS). */
  readonly schemaRecheckMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface HistorianServiceStatus extends HistorianStatus {
  readonly mode: HistorianMode;
  /** Where it writes (no credentials), or why nowhere. */
  readonly target: string;
  readonly schemaReady: boolean;
}

/** How often period samples and rate-limited values are looked at, ms. */
const POLICY_TICK_MS = 50;
/**
 * Points are written into `raw` by name, not into the database's default RP: a point written before the
 * schema made `raw` the default would land in `autogen`, where no query looks. Until `raw` exists InfluxDB
 * answers 500 ("retention policy not found"), which is retried, so such points wait in the spool.
 */
const WRITE_RP = "raw";
/** Points kept from before start() (beyond: dropped, counted and logged at start). */
const EARLY_MAX_POINTS = 10_000;
/** Retry of the schema set-up while InfluxDB is unreachable, ms. */
const SCHEMA_RETRY_MS = 2000;
/** Re-check of a schema an admin must make (a non-admin user cannot), ms: picked up without a restart. */
const SCHEMA_MISSING_RETRY_MS = 10_000;

/**
 * The historian in operation: where InfluxDB is (INFLUX_URL, a managed local influxd, or none: spool only,
 * said loudly), the schema made on start, the tag history policy feeding the writer, events written as
 * they come, the trends back-filled after a replay, and the query side for the API.
 */
export class HistorianService {
  readonly name = "historian";
  private readonly log: Logger;
  private readonly policy: TagHistoryPolicy;
  private mode: HistorianMode = "spool-only";
  private target = "";
  private managed: ManagedInfluxd | null = null;
  private writer: HistorianWriter | null = null;
  private spool: DiskSpool | null = null;
  private influx: InfluxDB | null = null;
  private database = DEFAULT_DATABASE;
  private schemaReady = false;
  private schemaTimer: NodeJS.Timeout | undefined;
  /** The last schema problem logged: a retry logs only when it changes. */
  private schemaProblem = "";
  private policyTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Points written before start() made the writer (e.g. audit records of the first steps of a start). */
  private readonly early: HistorianPoint[] = [];
  private earlyDropped = 0;

  constructor(private readonly opts: HistorianServiceOptions) {
    this.log = opts.logger.child({ module: "historian" });
    this.policy = new TagHistoryPolicy(opts.tags);
  }

  async start(): Promise<void> {
    const writeTarget = await this.resolveTarget();
    this.spool = await DiskSpool.open({ dir: join(this.opts.dataDir, "historian-spool"), maxBytes: this.opts.spoolMaxBytes ?? 1024 ** 3 });
    this.writer = new HistorianWriter({
      influx: writeTarget,
      spool: this.spool,
      clock: this.opts.clock,
      logger: this.log,
      ...(this.opts.flushIntervalMs === undefined ? {} : { flushIntervalMs: this.opts.flushIntervalMs }),
    });
    this.writer.onReplayed((r) => {
      // Late data beyond the CQs' RESAMPLE window: recompute the trends over the replayed range.
      if (this.influx) {
        backfillTrends(this.influx, r, { database: this.database }).catch((err: unknown) =>
          this.log.warn({ err: String(err) }, "trend back-fill after a replay failed"),
        );
      }
    });
    this.writer.start();
    for (const p of this.early.splice(0)) this.writer.write(p);
    if (this.earlyDropped > 0) this.log.error({ dropped: this.earlyDropped, kept: EARLY_MAX_POINTS }, "points written before the historian started were dropped");
    this.policyTimer = setInterval(() => {
      for (const s of this.policy.tick(this.opts.clock.now())) this.writer?.write(tagSamplePoint(s, this.opts.line));
    }, POLICY_TICK_MS);
    void this.ensureSchema();
  }

  /** The tag table's listener: each change offered to the tag's history policy (stored on change, by period, …). */
  onTagChange(c: TagChange): void {
    if (!this.writer || this.stopped) return;
    for (const s of this.policy.offer(c.name, c.current, this.opts.clock.now())) this.writer.write(tagSamplePoint(s, this.opts.line));
  }

  /** Queue one point (events: state, alarm, audit). Never blocks, never throws. Before start(): kept for it. */
  write(point: HistorianPoint): void {
    if (this.writer) this.writer.write(point);
    else if (this.stopped) return;
    else if (this.early.length < EARLY_MAX_POINTS) this.early.push(point);
    else this.earlyDropped += 1;
  }

  status(): HistorianServiceStatus {
    const w = this.writer?.status();
    return {
      online: false,
      lastError: null,
      lastErrorAtMs: null,
      queuedPoints: 0,
      spoolBytes: 0,
      spoolFraction: 0,
      spoolPoints: 0,
      spoolFull: false,
      droppedPoints: 0,
      rejectedPoints: 0,
      lastRejectReason: null,
      writtenPoints: 0,
      replayedBatches: 0,
      spoolTornRecords: 0,
      ...w,
      mode: this.mode,
      target: this.target,
      schemaReady: this.schemaReady,
    };
  }

  onStatus(listener: (s: HistorianServiceStatus) => void): () => void {
    return this.writer?.onStatus(() => listener(this.status())) ?? (() => undefined);
  }

  /** Trends: about `points` buckets per tag, raw or down-sampled by the range, min / max kept. */
  async history(q: HistoryQuery): Promise<HistoryResult> {
    return queryHistory(this.requireInflux(), q, { database: this.database, nowMs: this.opts.clock.now() });
  }

  historyCsv(result: HistoryResult): string {
    return toCsv(result);
  }

  /** Events of one measurement (alarm, state, audit), oldest first unless asked otherwise. */
  async events(measurement: "alarm" | "state" | "audit", q: EventQuery): Promise<EventRow[]> {
    return queryEvents(this.requireInflux(), measurement, q, { database: this.database, maxLimit: 100_000 });
  }

  private requireInflux(): InfluxDB {
    if (!this.influx) throw new ScadaError("SCADA_ERR_HISTORIAN_UNAVAILABLE", `no historian to query: ${this.target}`);
    return this.influx;
  }

  /** The managed influxd (tests stop and start it), or null. */
  managedInfluxd(): ManagedInfluxd | null {
    return this.managed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.schemaTimer) clearTimeout(this.schemaTimer);
    if (this.policyTimer) clearInterval(this.policyTimer);
    await this.writer?.stop();
    await this.spool?.close();
    if (this.managed) await this.managed.stop();
  }

  private async resolveTarget(): Promise<InfluxWriteTarget> {
    if (this.opts.influxUrl) {
      const u = new URL(this.opts.influxUrl);
      this.database = u.pathname.replace(/^\//, "") || DEFAULT_DATABASE;
      const t: InfluxWriteTarget = {
        host: u.hostname,
        port: Number(u.port || 8086),
        database: this.database,
        ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
      };
      this.mode = "external";
      this.target = `${u.protocol}//${u.host}/${this.database}`;
      this.influx = influxFor(t);
      return { ...t, retentionPolicy: WRITE_RP };
    }
    const exe = findInfluxd();
    if (exe) {
      this.managed = new ManagedInfluxd({
        dataDir: join(this.opts.dataDir, "influxdb"),
        httpPort: this.opts.managedPort ?? 0,
        influxdPath: exe,
        logger: this.log,
        ...(this.opts.cqRunInterval ? { cqRunInterval: this.opts.cqRunInterval } : {}),
      });
      try {
        await this.managed.start();
        const t: InfluxWriteTarget = { host: "127.0.0.1", port: this.managed.port, database: this.database };
        this.mode = "managed";
        this.target = `${this.managed.url}/${this.database} (managed influxd, data in ${this.managed.dataDir})`;
        this.influx = influxFor(t);
        return { ...t, retentionPolicy: WRITE_RP };
      } catch (err) {
        this.log.error({ err: String(err) }, "the managed influxd did not start: history spools to disk");
        this.managed = null;
      }
    }
    this.mode = "spool-only";
    this.target = exe ? "nowhere: the managed influxd did not start" : "nowhere: INFLUX_URL is unset and influxd is not installed";
    this.log.error({ target: this.target }, "NO HISTORIAN: history spools to disk until one is configured (INFLUX_URL) or installed");
    // Port 1 on loopback refuses at once: every batch goes to the spool, kept for when a historian exists.
    return { host: "127.0.0.1", port: 1, database: this.database };
  }

  private async ensureSchema(): Promise<void> {
    if (this.stopped || !this.influx) return;
    try {
      await ensureHistorianSchema(this.influx, {
        database: this.database,
        ...(this.opts.cq1s ? { cq1s: this.opts.cq1s } : {}),
        ...(this.opts.cq1m ? { cq1m: this.opts.cq1m } : {}),
      });
      this.schemaReady = true;
      this.schemaProblem = "";
      this.log.info({ target: this.target }, "historian schema ready (database, retention policies, continuous queries)");
    } catch (err) {
      const missing = err instanceof HistorianSchemaMissingError;
      const recheckMs = this.opts.schemaRecheckMs ?? SCHEMA_MISSING_RETRY_MS;
      const problem = String(err);
      if (problem !== this.schemaProblem) {
        this.schemaProblem = problem;
        if (missing) this.log.error({ missing: err.missing }, `${err.message}; history is kept in the spool, the schema re-checked every ${recheckMs / 1000} s`);
        else this.log.warn({ err: problem }, "historian schema not made yet (InfluxDB unreachable?); retrying");
      }
      this.schemaTimer = setTimeout(() => void this.ensureSchema(), missing ? recheckMs : SCHEMA_RETRY_MS);
    }
  }
}

/** Queries are impossible (spool-only mode). */

function influxFor(t: InfluxWriteTarget): InfluxDB {
  return new InfluxDB({
    host: t.host,
    port: t.port,
    database: t.database,
    ...(t.username ? { username: t.username, password: t.password ?? "" } : {}),
  });
}
