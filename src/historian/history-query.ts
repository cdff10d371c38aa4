/**
 * Reading the history back: trends for the HMI / REST (`queryHistory`), events (`queryEvents`) and CSV.
 *
 * `queryHistory` returns about `points` buckets per tag, whatever the range: bucket = range / points, and
 * the source is the coarsest that is still finer than the bucket — raw `process` below 1 s, the CQ trend
 * `trends.process_1s` from 1 s, `trends.process_1m` from 1 min. Each bucket has the mean, the min and the max
 * (so a spike survives down-sampling) and the worst quality (max of the codes 0 Good / 1 Uncertain / 2 Bad).
 * The newest part of a range, which the CQs have not computed yet (`trendLagMs`), is read from raw data
 * with the same buckets, so a trend ending "now" has no hole at its end. A tag stored only on change (a
 * setpoint) may have no point inside a short range: its last value before the range is carried to the
 * range's start (`carried: true`; left out of the CSV, which lists what was stored in the range).
 *
 * Names reach InfluxQL only after validation (tags and measurements: ^[a-z0-9_.-]+$) and quoting
 * (identifiers in "…", values in '…' with \ and ' escaped).
 */
import { ScadaError } from "../core/errors.js";
import type { InfluxQueryPort } from "./historian-schema.js";
import { DEFAULT_DATABASE, runInfluxQl } from "./historian-schema.js";

export type HistorySource = "raw" | "1s" | "1m";

export interface HistoryQuery {
  readonly tags: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  /** Wanted points per tag (buckets). */
  readonly points: number;
}

export interface HistoryPoint {
  /** Bucket start, epoch ms. */
  readonly t: number;
  readonly value: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Worst quality code in the bucket (0 Good, 1 Uncertain, 2 Bad). */
  readonly quality: number | null;
  /** The last value stored before the range, drawn from the range's start (no point of its own there). */
  readonly carried?: true;
}

export interface HistorySeries {
  readonly tag: string;
  readonly points: readonly HistoryPoint[];
}

export interface HistoryResult {
  readonly source: HistorySource;
  readonly bucketMs: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly series: readonly HistorySeries[];
}

export interface HistoryQueryOptions {
  readonly database?: string;
  /** "Now" for the not-yet-down-sampled tail (default Date.now()). */
  readonly nowMs?: number;
  /** How far behind real time each trend may be (default 1s: 20 s, 1m: 130 s — CQ EVERY + run-interval). */
  readonly trendLagMs?: { readonly "1s": number; readonly "1m": number };
  readonly maxTags?: number;
  readonly maxPoints?: number;
}

export interface EventQuery {
  readonly fromMs: number;
  readonly toMs: number;
  /** Tag (or field) equals value, all AND-ed. */
  readonly where?: Readonly<Record<string, string>>;
  readonly limit?: number;
  readonly order?: "asc" | "desc";
}

export interface EventRow {
  readonly t: number;
  /** Every tag and field of the event point. */
  readonly values: Readonly<Record<string, string | number | boolean | null>>;
}

export const NAME_RE = /^[a-z0-9_.-]+$/;
const KEY_RE = /^[A-Za-z0-9_.-]+$/;

function bad(message: string): ScadaError {
  return new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", message);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/['\\]/g, (c) => `\\${c}`)}'`;
}

function checkRange(fromMs: number, toMs: number): void {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw bad("fromMs and toMs must be epoch milliseconds");
  if (!(toMs > fromMs)) throw bad("toMs must be after fromMs");
}

export function pickSource(bucketMs: number): HistorySource {
  if (bucketMs >= 60_000) return "1m";
  if (bucketMs >= 1000) return "1s";
  return "raw";
}

export interface HistoryPlan {
  readonly source: HistorySource;
  readonly bucketMs: number;
  /** One or two SELECTs (trend part, then raw tail). */
  readonly statements: readonly string[];
  /** The last stored value of each tag before the range (within the raw retention). */
  readonly before: string;
}

/** How far back the value carried to a range's start is looked for: the raw retention (30 d). */
const CARRY_LOOKBACK_MS = 30 * 86_400_000;

/** Validates the query and builds its InfluxQL (pure). */
export function planHistoryQuery(q: HistoryQuery, opts: HistoryQueryOptions = {}): HistoryPlan {
  checkRange(q.fromMs, q.toMs);
  const maxTags = opts.maxTags ?? 100;
  const maxPoints = opts.maxPoints ?? 20_000;
  if (!Array.isArray(q.tags) || q.tags.length === 0) throw bad("at least one tag is needed");
  if (q.tags.length > maxTags) throw bad(`at most ${maxTags} tags per query`);
  for (const t of q.tags) if (typeof t !== "string" || !NAME_RE.test(t)) throw bad(`invalid tag name '${String(t)}' (allowed: a-z 0-9 _ . -)`);
  if (!Number.isInteger(q.points) || q.points < 1 || q.points > maxPoints) throw bad(`points must be an integer from 1 to ${maxPoints}`);

  const bucketMs = Math.max(1, Math.round((q.toMs - q.fromMs) / q.points));
  const source = pickSource(bucketMs);
  const tagFilter = `(${[...new Set(q.tags)].map((t) => `"tag" = ${quoteString(t)}`).join(" OR ")})`;
  const group = `GROUP BY time(${bucketMs}ms), "tag" fill(none)`;
  const raw = (from: number, to: number) =>
    `SELECT mean("value") AS "value", min("value") AS "min", max("value") AS "max", max("quality") AS "quality" FROM "raw"."process" ` +
    `WHERE ${tagFilter} AND time >= ${from}ms AND time <= ${to}ms ${group}`;
  const before =
    `SELECT "value", "quality" FROM "raw"."process" WHERE ${tagFilter} AND time < ${q.fromMs}ms AND time >= ${q.fromMs - CARRY_LOOKBACK_MS}ms ` +
    `GROUP BY "tag" ORDER BY time DESC LIMIT 1`;
  if (source === "raw") return { source, bucketMs, statements: [raw(q.fromMs, q.toMs)], before };

  const lag = (opts.trendLagMs ?? { "1s": 20_000, "1m": 130_000 })[source];
  const now = opts.nowMs ?? Date.now();
  // trend buckets before `cut` (a bucket boundary), raw buckets from `cut` on
  const cut = Math.min(q.toMs + 1, Math.max(q.fromMs, Math.floor((now - lag) / bucketMs) * bucketMs));
  const statements: string[] = [];
  if (cut > q.fromMs) {
    statements.push(
      `SELECT mean("value") AS "value", min("min") AS "min", max("max") AS "max", max("quality") AS "quality" FROM "trends"."process_${source}" ` +
        `WHERE ${tagFilter} AND time >= ${q.fromMs}ms AND time < ${cut}ms ${group}`,
    );
  }
  if (cut <= q.toMs) statements.push(raw(cut, q.toMs));
  return { source, bucketMs, statements, before };
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** About `points` buckets per tag over [fromMs, toMs], with mean / min / max / worst quality. */
export async function queryHistory(influx: InfluxQueryPort, q: HistoryQuery, opts: HistoryQueryOptions = {}): Promise<HistoryResult> {
  const plan = planHistoryQuery(q, opts);
  const db = opts.database ?? DEFAULT_DATABASE;
  const [res, prev] = await Promise.all([runInfluxQl(influx, plan.statements.join("; "), db, false, "ms"), runInfluxQl(influx, plan.before, db, false, "ms")]);
  const byTag = new Map<string, HistoryPoint[]>(q.tags.map((t) => [t, []]));
  for (const r of res.results ?? []) {
    for (const s of r.series ?? []) {
      const tag = s.tags?.tag;
      const out = tag === undefined ? undefined : byTag.get(tag);
      if (!out) continue;
      const ci = (c: string) => s.columns.indexOf(c);
      const [it, iv, imin, imax, iq] = [ci("time"), ci("value"), ci("min"), ci("max"), ci("quality")];
      for (const row of s.values ?? []) {
        out.push({ t: Number(row[it]), value: num(row[iv]), min: num(row[imin]), max: num(row[imax]), quality: num(row[iq]) });
      }
    }
  }
  for (const s of byTag.values()) s.sort((a, b) => a.t - b.t);
  // A tag without a point at the range's start: its last value before the range, from the start.
  for (const s of prev.results?.[0]?.series ?? []) {
    const tag = s.tags?.tag;
    const out = tag === undefined ? undefined : byTag.get(tag);
    const row = s.values?.[0];
    if (!out || !row || (out[0] !== undefined && out[0].t <= q.fromMs)) continue;
    const value = num(row[s.columns.indexOf("value")]);
    out.unshift({ t: q.fromMs, value, min: value, max: value, quality: num(row[s.columns.indexOf("quality")]), carried: true });
  }
  return {
    source: plan.source,
    bucketMs: plan.bucketMs,
    fromMs: q.fromMs,
    toMs: q.toMs,
    series: [...byTag].map(([tag, points]) => ({ tag, points })),
  };
}

/** Builds the event SELECT (pure). */
export function planEventQuery(measurement: string, q: EventQuery, opts: { readonly retentionPolicy?: string; readonly maxLimit?: number } = {}): string {
  if (!NAME_RE.test(measurement)) throw bad(`invalid measurement '${measurement}'`);
  checkRange(q.fromMs, q.toMs);
  const maxLimit = opts.maxLimit ?? 10_000;
  const limit = q.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw bad(`limit must be an integer from 1 to ${maxLimit}`);
  const conds = [`time >= ${q.fromMs}ms`, `time <= ${q.toMs}ms`];
  for (const [k, v] of Object.entries(q.where ?? {})) {
    if (!KEY_RE.test(k)) throw bad(`invalid filter key '${k}'`);
    if (typeof v !== "string") throw bad(`filter '${k}' must be a string`);
    conds.push(`${quoteIdent(k)} = ${quoteString(v)}`);
  }
  const from = opts.retentionPolicy ? `${quoteIdent(opts.retentionPolicy)}.${quoteIdent(measurement)}` : quoteIdent(measurement);
  return `SELECT * FROM ${from} WHERE ${conds.join(" AND ")} ORDER BY time ${q.order === "desc" ? "DESC" : "ASC"} LIMIT ${limit}`;
}

/** Alarm / audit / state events in [fromMs, toMs], oldest first (or newest first with order "desc"). */
export async function queryEvents(
  influx: InfluxQueryPort,
  measurement: string,
  q: EventQuery,
  opts: { readonly database?: string; readonly retentionPolicy?: string; readonly maxLimit?: number } = {},
): Promise<EventRow[]> {
  const res = await runInfluxQl(influx, planEventQuery(measurement, q, opts), opts.database ?? DEFAULT_DATABASE, false, "ms");
  const rows: EventRow[] = [];
  for (const s of res.results?.[0]?.series ?? []) {
    const it = s.columns.indexOf("time");
    for (const row of s.values ?? []) {
      const values: Record<string, string | number | boolean | null> = {};
      s.columns.forEach((c, i) => {
        if (i === it) return;
        const v = row[i];
        values[c] = typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : null;
      });
      rows.push({ t: Number(row[it]), values });
    }
  }
  return rows;
}

function csvCell(v: string | number | null): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `tag,time,t_ms,value,min,max,quality` — one row per bucket, time in ISO 8601 UTC (RFC 4180 quoting). */
export function toCsv(result: HistoryResult): string {
  const lines = ["tag,time,t_ms,value,min,max,quality"];
  for (const s of result.series) {
    for (const p of s.points) {
      if (p.carried) continue;
      lines.push([s.tag, new Date(p.t).toISOString(), p.t, p.value, p.min, p.max, p.quality].map(csvCell).join(","));
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}
