/**
 * The historian's InfluxDB 1.x schema, created by the application on start (idempotent):
 *
 * - database `htr` (default);
 * - retention policy `raw` (30 d, DEFAULT: points written without an RP land here) and `trends` (104 w);
 * - continuous queries that down-sample `raw.process` into `trends.process_1s` and `trends.process_1m`:
 *   `mean(value) AS value, min(value) AS min, max(value) AS max, max(quality) AS quality … GROUP BY
 *   time(…), *` (quality codes 0 Good / 1 Uncertain / 2 Bad, so max is the worst). `RESAMPLE EVERY … FOR …`
 *   recomputes recent buckets so late (replayed) points are folded in: 1 s buckets for the last minute,
 *   1 min buckets for the last 2 h by default. Both read raw data so min/max keep every spike; a longer
 *   FOR costs a re-scan of that much raw data every EVERY.
 *
 * Re-running leaves an existing schema as it is; a changed duration is altered, a changed CQ is replaced
 * (InfluxDB refuses to redefine a CQ in place). Data older than a CQ's FOR window (a long outage replayed
 * from the spool, imported history) is down-sampled with `backfillTrends`.
 */
import type { InfluxDB } from "influx";

/** The one capability the schema, the queries and the backfill need from the `influx` client. */
export type InfluxQueryPort = Pick<InfluxDB, "queryRaw">;

export interface ResampleOptions {
  /** How often the CQ runs, e.g. "1s". */
  readonly every: string;
  /** How far back each run recomputes, e.g. "1m". */
  readonly for: string;
}

export interface HistorianSchemaOptions {
  readonly database?: string;
  readonly rawRetention?: string;
  readonly trendsRetention?: string;
  readonly cq1s?: ResampleOptions;
  readonly cq1m?: ResampleOptions;
}

export interface HistorianSchema {
  readonly database: string;
  readonly rawRp: "raw";
  readonly trendsRp: "trends";
  readonly measurements: { readonly process: "process"; readonly trend1s: "process_1s"; readonly trend1m: "process_1m" };
  readonly continuousQueries: readonly string[];
}

export const DEFAULT_DATABASE = "htr";
const RAW_RP = "raw";
const TRENDS_RP = "trends";
const DURATION = /^(\d+(ns|u|µ|ms|s|m|h|d|w))+$|^INF$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface RawResult {
  results?: { statement_id?: number; error?: string; series?: { name?: string; columns: string[]; values?: unknown[][]; tags?: Record<string, string> }[] }[];
  error?: string;
}

/** Runs InfluxQL and throws on any statement error. DDL goes by POST. */
export async function runInfluxQl(influx: InfluxQueryPort, q: string, database: string, post = false, precision?: "ms"): Promise<RawResult> {
  const res = (await influx.queryRaw(q, { database, method: post ? "POST" : "GET", ...(precision ? { precision } : {}) })) as RawResult;
  if (res.error) throw new Error(`InfluxDB: ${res.error} (${q})`);
  for (const r of res.results ?? []) if (r.error) throw new Error(`InfluxDB: ${r.error} (${q})`);
  return res;
}

function check(value: string, re: RegExp, what: string): string {
  if (!re.test(value)) throw new Error(`historian schema: invalid ${what} '${value}'`);
  return value;
}

/** InfluxDB normalises durations (`30d` → `720h0m0s`), so compare them in ns. */
function durationNs(d: string): number {
  if (d === "INF" || d === "0s") return 0;
  const units: Record<string, number> = { ns: 1, u: 1e3, µ: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 604800e9 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ns|u|µ|ms|s|m|h|d|w)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

export function cqStatements(database: string, o: { cq1s: ResampleOptions; cq1m: ResampleOptions }): { name: string; text: string }[] {
  const db = check(database, NAME, "database");
  const sel = "mean(value) AS value, min(value) AS min, max(value) AS max, max(quality) AS quality";
  const make = (bucket: string, r: ResampleOptions) => {
    const name = `cq_process_${bucket}`;
    const text =
      `CREATE CONTINUOUS QUERY ${name} ON ${db} RESAMPLE EVERY ${check(r.every, DURATION, "EVERY")} FOR ${check(r.for, DURATION, "FOR")} ` +
      `BEGIN SELECT ${sel} INTO ${db}.${TRENDS_RP}.process_${bucket} FROM ${db}.${RAW_RP}.process GROUP BY time(${bucket}), * END`;
    return { name, text };
  };
  return [make("1s", o.cq1s), make("1m", o.cq1m)];
}

/** Creates (or checks) database, retention policies and continuous queries. Safe to run on every start. */
export async function ensureHistorianSchema(influx: InfluxQueryPort, opts: HistorianSchemaOptions = {}): Promise<HistorianSchema> {
  const database = check(opts.database ?? DEFAULT_DATABASE, NAME, "database");
  const rps = [
    { name: RAW_RP, duration: check(opts.rawRetention ?? "30d", DURATION, "retention"), isDefault: true },
    { name: TRENDS_RP, duration: check(opts.trendsRetention ?? "104w", DURATION, "retention"), isDefault: false },
  ];
  await runInfluxQl(influx, `CREATE DATABASE ${database}`, database, true);

  const shown = await runInfluxQl(influx, `SHOW RETENTION POLICIES ON ${database}`, database);
  const s = shown.results?.[0]?.series?.[0];
  const existing = new Map<string, { duration: string; isDefault: boolean }>();
  if (s) {
    const ci = (c: string) => s.columns.indexOf(c);
    for (const row of s.values ?? []) existing.set(String(row[ci("name")]), { duration: String(row[ci("duration")]), isDefault: row[ci("default")] === true });
  }
  for (const rp of rps) {
    const have = existing.get(rp.name);
    const def = rp.isDefault ? " DEFAULT" : "";
    if (!have) {
      await runInfluxQl(influx, `CREATE RETENTION POLICY ${rp.name} ON ${database} DURATION ${rp.duration} REPLICATION 1${def}`, database, true);
    } else if (durationNs(have.duration) !== durationNs(rp.duration) || have.isDefault !== rp.isDefault) {
      await runInfluxQl(influx, `ALTER RETENTION POLICY ${rp.name} ON ${database} DURATION ${rp.duration}${def}`, database, true);
    }
  }

  const cqs = cqStatements(database, { cq1s: opts.cq1s ?? { every: "1s", for: "1m" }, cq1m: opts.cq1m ?? { every: "1m", for: "2h" } });
  for (const cq of cqs) {
    try {
      await runInfluxQl(influx, cq.text, database, true); // identical definition: a no-op
    } catch (e) {
      if (!/already exists/.test((e as Error).message)) throw e;
      await runInfluxQl(influx, `DROP CONTINUOUS QUERY ${cq.name} ON ${database}`, database, true);
      await runInfluxQl(influx, cq.text, database, true);
    }
  }
  return {
    database,
    rawRp: RAW_RP,
    trendsRp: TRENDS_RP,
    measurements: { process: "process", trend1s: "process_1s", trend1m: "process_1m" },
    continuousQueries: cqs.map((c) => c.name),
  };
}

/**
 * Down-samples raw `process` points in [fromMs, toMs) into both trend measurements, the same way the CQs
 * do (same buckets, so it overwrites rather than duplicates). For data older than the CQs' FOR window:
 * a long outage replayed from the spool, or imported history. Runs in chunks (default 10 min) to bound
 * each query. Returns the number of 1 s buckets written.
 */
export async function backfillTrends(
  influx: InfluxQueryPort,
  range: { readonly fromMs: number; readonly toMs: number },
  opts: { readonly database?: string; readonly chunkMs?: number } = {},
): Promise<number> {
  const db = check(opts.database ?? DEFAULT_DATABASE, NAME, "database");
  const chunk = Math.max(60_000, Math.floor((opts.chunkMs ?? 600_000) / 60_000) * 60_000);
  const from = Math.floor(range.fromMs / 60_000) * 60_000;
  const to = Math.ceil(range.toMs / 60_000) * 60_000;
  const sel = "mean(value) AS value, min(value) AS min, max(value) AS max, max(quality) AS quality";
  let written = 0;
  for (let t = from; t < to; t += chunk) {
    const end = Math.min(to, t + chunk);
    const where = `WHERE time >= ${t}ms AND time < ${end}ms`;
    for (const bucket of ["1s", "1m"]) {
      const res = await runInfluxQl(
        influx,
        `SELECT ${sel} INTO ${db}.${TRENDS_RP}.process_${bucket} FROM ${db}.${RAW_RP}.process ${where} GROUP BY time(${bucket}), *`,
        db,
        true,
      );
      if (bucket === "1s") {
        const row = res.results?.[0]?.series?.[0]?.values?.[0];
        written += typeof row?.[1] === "number" ? row[1] : 0;
      }
    }
  }
  return written;
}
