/**
 * What each measurement of the historian schema (ARCHITECTURE.md) holds, built from the domain's events
 * (pure). `process`: tags line, station, tag; fields value (numbers; booleans as 1 / 0, so trends and
 * down-sampling treat them alike), quality (0 Good, 1 Uncertain, 2 Bad: max = worst) and, when not Good,
 * reason (built by historian-point.ts). `state`: line, station and interlock transitions (tags line, scope, kind; fields from, to,
 * detail). `alarm`: every alarm transition (tags line, alarm, station, priority, transition; fields from,
 * to, value, user, reason, message). `audit`: every audit record (tags line, action, result, user, role;
 * fields sequence, hash, prevHash, target, oldValue / newValue as canonical JSON, reason, resultReason,
 * signatureName / signatureMeaning / signatureTime, clientAddress) — the journal's tail anchor.
 * `segment`: the per-metre quality record (tags line, roll, verdict; fields index, fromM, toM, the figures,
 * alloy, version, trial, reasons as `RULE; RULE`), at the time the segment left the rinse.
 */
import type { StateTransition } from "../control/state-transition.js";
import type { InterlockEvent } from "../interlocks/interlock-types.js";
import type { TagSample } from "./tag-history-policy.js";
import { type HistorianPoint, processPoint } from "./historian-point.js";
import type { AlarmEvent } from "../alarms/alarm-event.js";
import { type AuditRecord, canonicalJson } from "../audit/audit-record.js";
import type { RecipeEvent } from "../recipes/recipe-service.js";
import type { SegmentRecord } from "../quality/segment-record.js";

/** A tag's stored value as a `process` point (historian-point.ts builds it), with the reason when not Good; Bad: no value. */
export function tagSamplePoint(sample: TagSample, line: string): HistorianPoint {
  // A Bad value is not a reading (the table keeps the last one for display): stored without a value.
  const v = sample.value.quality.status === "Bad" ? { ...sample.value, value: null } : sample.value;
  const p = processPoint({ line, station: sample.config.station ?? "line", tag: sample.name }, v, v.sourceTs > 0 ? v.sourceTs : v.serverTs);
  return v.quality.status !== "Good" && v.quality.reason !== "" ? { ...p, fields: { ...p.fields, reason: v.quality.reason } } : p;
}

export function stateTransitionPoint(t: StateTransition, line: string): HistorianPoint {
  return {
    measurement: "state",
    tags: { line, scope: t.scope, kind: t.scope === "line" ? "line" : "station" },
    fields: { from: t.from ?? "", to: t.to, detail: t.detail },
    timeMs: t.at,
  };
}

/** An interlock's trip, clear, reset, bypass … as a `state` point of scope = the interlock id. */
export function interlockEventPoint(e: InterlockEvent, line: string): HistorianPoint {
  const fields: Record<string, string | number> = { to: e.type, from: "" };
  if ("cause" in e) fields.detail = e.cause.text;
  if ("by" in e) fields.user = e.by;
  if ("reason" in e) fields.reason = e.reason;
  if (e.type === "trip") {
    fields.firstOut = e.firstOut ? 1 : 0;
    fields.viaNotGood = e.viaNotGood ? 1 : 0;
  }
  if ("until" in e) fields.until = e.until;
  return { measurement: "state", tags: { line, scope: e.interlock, kind: "interlock" }, fields, timeMs: e.at };
}

/**
 * A recipe load as a `state` point of scope "recipe": to = the alloy, with its version, content hash, TRIAL
 * flag and who loaded it (what ran, on the trend's time axis).
 */
export function recipeLoadPoint(e: RecipeEvent, line: string): HistorianPoint | null {
  if (e.type !== "recipe-loaded") return null;
  const fields: Record<string, string | number> = { from: "", to: e.alloy, user: e.by, trial: e.trial ? 1 : 0, writeFailures: e.writeFailures.length };
  if (e.version !== null) fields.version = e.version;
  if (e.hash !== null) fields.hash = e.hash;
  return { measurement: "state", tags: { line, scope: "recipe", kind: e.trial ? "recipe-trial" : "recipe" }, fields, timeMs: e.at };
}

export function alarmEventPoint(e: AlarmEvent, line: string): HistorianPoint {
  const fields: Record<string, string | number> = { from: e.from, to: e.to, user: e.user, message: e.message };
  if (typeof e.value === "number") fields.value = e.value;
  else if (typeof e.value === "boolean") fields.value = e.value ? 1 : 0;
  if (e.reason !== undefined) fields.reason = e.reason;
  if (e.shelvedUntil !== undefined) fields.shelvedUntil = e.shelvedUntil;
  return {
    measurement: "alarm",
    tags: { line, alarm: e.alarmId, station: e.station, priority: e.priority, transition: e.transition },
    fields,
    timeMs: e.at,
  };
}

/** Longest old/new value JSON kept in an `audit` point (InfluxDB 1.x refuses string fields over 64 KiB; the journal keeps it whole). */
export const AUDIT_VALUE_MAX_CHARS = 16_384;

function auditValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = canonicalJson(value);
  return text.length <= AUDIT_VALUE_MAX_CHARS ? text : `${text.slice(0, AUDIT_VALUE_MAX_CHARS)}… (${text.length} chars; whole in the audit journal)`;
}

/** An audit record as an `audit` point at its server time: the sequence and hash anchor the journal's tail. */
export function auditRecordPoint(r: AuditRecord, line: string): HistorianPoint {
  const fields: Record<string, string | number> = { sequence: r.sequence, hash: r.hash, prevHash: r.prevHash, target: r.target, clientAddress: r.clientAddress };
  const oldValue = auditValue(r.oldValue);
  const newValue = auditValue(r.newValue);
  if (oldValue !== undefined) fields.oldValue = oldValue;
  if (newValue !== undefined) fields.newValue = newValue;
  if (r.reason !== null) fields.reason = r.reason;
  if (r.resultReason !== null) fields.resultReason = r.resultReason;
  if (r.signature) {
    fields.signatureName = r.signature.name;
    fields.signatureMeaning = r.signature.meaning;
    fields.signatureTime = r.signature.time;
  }
  return { measurement: "audit", tags: { line, action: r.action, result: r.result, user: r.user, role: r.role }, fields, timeMs: r.serverTime };
}

/** Numeric figures of a segment record, stored as fields of the same name when known. */
const SEGMENT_FIGURES = [
  "peakK", "timeInBandS", "maxHeatingKps", "maxCoolingKps", "o2MaxPpm", "arMinLpm", "quenchGasMinLpm", "coolantMinLpm",
  "exitTempK", "exitConductivityUsCm", "arealLoadingMgCm2", "pulses", "partialPulses",
] as const;

export function segmentPoint(s: SegmentRecord, line: string): HistorianPoint {
  const fields: Record<string, string | number> = { index: s.index, fromM: s.fromM, toM: s.toM, reasons: s.reasons.map((r) => r.rule).join("; ") };
  for (const k of SEGMENT_FIGURES) {
    const v = s[k];
    if (v !== null) fields[k] = v;
  }
  if (s.recipe) {
    fields.alloy = s.recipe.alloy;
    if (s.recipe.version !== null) fields.version = s.recipe.version;
    fields.trial = s.recipe.trial ? 1 : 0;
  }
  return { measurement: "segment", tags: { line, roll: s.rollId, verdict: s.verdict }, fields, timeMs: s.closedAt };
}
