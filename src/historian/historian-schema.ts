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
 *
 * Creating a database, a retention policy or a continuous query needs an InfluxDB admin. A SCADA that writes
 * as a user without admin rights (the compose stack's writer) finds the schema made by an admin beforehand
 * — `schemaStatements()`, written to deploy/influxdb/init/htr-schema.iql by scripts/gen-influx-init.ts and run
 * by the influxdb container on its first start — checks that it is there and goes on; when something is
 * missing it fails with one line naming what is missing and the statements an admin must run.
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

interface SchemaPlan {
  readonly database: string;
  readonly rps: readonly { readonly name: string; readonly duration: string; readonly isDefault: boolean }[];
  readonly cqs: readonly { readonly name: string; readonly text: string }[];
}

function planSchema(opts: HistorianSchemaOptions): SchemaPlan {
  const database = check(opts.database ?? DEFAULT_DATABASE, NAME, "database");
  return {
    database,
    rps: [
      { name: RAW_RP, duration: check(opts.rawRetention ?? "30d", DURATION, "retention"), isDefault: true },
      { name: TRENDS_RP, duration: check(opts.trendsRetention ?? "104w", DURATION, "retention"), isDefault: false },
    ],
    cqs: cqStatements(database, { cq1s: opts.cq1s ?? { every: "1s", for: "1m" }, cq1m: opts.cq1m ?? { every: "1m", for: "2h" } }),
  };
}

const createRp = (database: string, rp: SchemaPlan["rps"][number]): string =>
  `CREATE RETENTION POLICY ${rp.name} ON ${database} DURATION ${rp.duration} REPLICATION 1${rp.isDefault ? " DEFAULT" : ""}`;

/**
 * The statements that make the schema from nothing, in order, one per line in InfluxQL: what the app runs
 * as an admin, and what deploy/influxdb/init/htr-schema.iql holds for an admin to run beforehand.
 */
export function schemaStatements(opts: HistorianSchemaOptions = {}): string[] {
  return statementsOf(planSchema(opts));
}

const statementsOf = (plan: SchemaPlan): string[] => [
  `CREATE DATABASE ${plan.database}`,
  ...plan.rps.map((rp) => createRp(plan.database, rp)),
  ...plan.cqs.map((c) => c.text),
];

/**
 * The schema as an init script for the influxdb:1.8 image (`/docker-entrypoint-initdb.d/*.iql`, run as its
 * admin on the first start as `influx -execute "$(cat FILE)"`). That CLI runs `-execute` line by line, so
 * the file is one statement per line and nothing else: no comments, no blank lines.
 */
export function schemaInitScript(opts: HistorianSchemaOptions = {}): string {
  return `${schemaStatements(opts).join("\n")}\n`;
}

/** InfluxDB's answer to a statement that needs an admin, from a user that is not one. */
const NEEDS_ADMIN = /requires admin privilege/;

/** The schema an admin must make is not (all) there, and this user may not make it. */
export class HistorianSchemaMissingError extends Error {
  override readonly name = "HistorianSchemaMissingError";
  constructor(
    message: string,
    /** What is missing: `database htr`, `retention policy trends`, `continuous query cq_process_1m`. */
    readonly missing: readonly string[],
  ) {
    super(message);
  }
}

/** Creates (or checks) database, retention policies and continuous queries. Safe to run on every start. */
export async function ensureHistorianSchema(influx: InfluxQueryPort, opts: HistorianSchemaOptions = {}): Promise<HistorianSchema> {
  const plan = planSchema(opts);
  const { database } = plan;
  try {
    await runInfluxQl(influx, `CREATE DATABASE ${database}`, database, true);
  } catch (e) {
    if (!NEEDS_ADMIN.test((e as Error).message)) throw e;
    await checkSchemaMadeByAdmin(influx, plan);
    return schemaOf(plan);
  }
  const existing = await retentionPolicies(influx, database);
  for (const rp of plan.rps) {
    const have = existing.get(rp.name);
    if (!have) {
      await runInfluxQl(influx, createRp(database, rp), database, true);
    } else if (durationNs(have.duration) !== durationNs(rp.duration) || have.isDefault !== rp.isDefault) {
      await runInfluxQl(influx, `ALTER RETENTION POLICY ${rp.name} ON ${database} DURATION ${rp.duration}${rp.isDefault ? " DEFAULT" : ""}`, database, true);
    }
  }
  for (const cq of plan.cqs) {
    try {
      await runInfluxQl(influx, cq.text, database, true); // identical definition: a no-op
    } catch (e) {
      if (!/already exists/.test((e as Error).message)) throw e;
      await runInfluxQl(influx, `DROP CONTINUOUS QUERY ${cq.name} ON ${database}`, database, true);
      await runInfluxQl(influx, cq.text, database, true);
    }
  }
  return schemaOf(plan);
}

function schemaOf(plan: SchemaPlan): HistorianSchema {
  return {
    database: plan.database,
    rawRp: RAW_RP,
    trendsRp: TRENDS_RP,
    measurements: { process: "process", trend1s: "process_1s", trend1m: "process_1m" },
    continuousQueries: plan.cqs.map((c) => c.name),
  };
}

async function retentionPolicies(influx: InfluxQueryPort, database: string): Promise<Map<string, { duration: string; isDefault: boolean }>> {
  const shown = await runInfluxQl(influx, `SHOW RETENTION POLICIES ON ${database}`, database);
  const s = shown.results?.[0]?.series?.[0];
  const existing = new Map<string, { duration: string; isDefault: boolean }>();
  if (s) {
    const ci = (c: string) => s.columns.indexOf(c);
    for (const row of s.values ?? []) existing.set(String(row[ci("name")]), { duration: String(row[ci("duration")]), isDefault: row[ci("default")] === true });
  }
  return existing;
}

/**
 * The user may not make the schema: it must be there already (made by an admin, e.g. the influxdb container's
 * init script). Only its parts' presence is checked — durations and CQ texts are the admin's to keep.
 */
async function checkSchemaMadeByAdmin(influx: InfluxQueryPort, plan: SchemaPlan): Promise<void> {
  const { database } = plan;
  const where = `historian schema: the InfluxDB user is not an admin, so it cannot make the schema of database ${database}`;
  let rps: Map<string, unknown>;
  let cqNames: Set<string>;
  try {
    rps = await retentionPolicies(influx, database);
    cqNames = await continuousQueryNames(influx, database);
  } catch (e) {
    const msg = (e as Error).message;
    if (/database not found/.test(msg)) throw missingError(where, plan, [`database ${database}`], statementsOf(plan));
    if (/not authorized|requires READ/i.test(msg)) {
      const why = msg.replace(/^InfluxDB: /, "").replace(/\s+/g, " ").trim();
      throw new Error(`${where}, nor read it (${why}) — an InfluxDB admin must grant it READ as well as WRITE: GRANT ALL ON ${database} TO <user> (the SCADA reads its history back)`);
    }
    throw e;
  }
  const missingRps = plan.rps.filter((rp) => !rps.has(rp.name));
  const missingCqs = plan.cqs.filter((cq) => !cqNames.has(cq.name));
  if (missingRps.length + missingCqs.length === 0) return;
  throw missingError(
    where,
    plan,
    [...missingRps.map((rp) => `retention policy ${rp.name}`), ...missingCqs.map((cq) => `continuous query ${cq.name}`)],
    [...missingRps.map((rp) => createRp(database, rp)), ...missingCqs.map((cq) => cq.text)],
  );
}

function missingError(where: string, plan: SchemaPlan, missing: string[], statements: string[]): HistorianSchemaMissingError {
  return new HistorianSchemaMissingError(
    `${where}, and it lacks ${missing.join(", ")} — an InfluxDB admin must run (once): ${statements.join("; ")} ` +
      `(the whole schema: deploy/influxdb/init/htr-schema.iql, made by the influxdb container on its first start)`,
    missing,
  );
}

async function continuousQueryNames(influx: InfluxQueryPort, database: string): Promise<Set<string>> {
  const shown = await runInfluxQl(influx, "SHOW CONTINUOUS QUERIES", database);
  const names = new Set<string>();
  for (const s of shown.results?.[0]?.series ?? []) {
    if (s.name !== database) continue;
    const ni = s.columns.indexOf("name");
    for (const row of s.values ?? []) names.add(String(row[ni]));
  }
  return names;
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
