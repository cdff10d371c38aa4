/**
 * The roll's segments as CSV (pure), one line at a time so a 100 000-segment roll streams to the client:
 * RFC 4180 (CRLF line ends, a cell with a comma, quote, CR or LF quoted, quotes doubled), safe to open in a
 * spreadsheet (a text cell starting with = + - @ or a tab / CR gets a leading ' so it is never a formula),
 * numbers with fixed decimals, empty for null.
 */
import type { SegmentRecord } from "./segment-record.js";

export const CSV_EOL = "\r\n";
/** How multi-valued cells (reasons, trips, bypasses, critical alarms) are joined. */
export const CSV_LIST_SEPARATOR = " | ";

type Cell = { readonly text: string } | { readonly num: number | null; readonly decimals: number } | null;

const text = (t: string): Cell => ({ text: t });
const num = (n: number | null, decimals: number): Cell => ({ num: n, decimals });
const list = (items: readonly string[]): Cell => text(items.join(CSV_LIST_SEPARATOR));

/** The columns: header name and how a segment fills it. */
const COLUMNS: readonly (readonly [string, (s: SegmentRecord) => Cell])[] = [
  ["index", (s) => num(s.index, 0)],
  ["fromM", (s) => num(s.fromM, 3)],
  ["toM", (s) => num(s.toM, 3)],
  ["verdict", (s) => text(s.verdict)],
  ["reasons", (s) => list(s.reasons.map((r) => `${r.rule}: ${r.message}`))],
  ["peakK", (s) => num(s.peakK, 1)],
  ["timeInBandS", (s) => num(s.timeInBandS, 2)],
  ["maxHeatingKps", (s) => num(s.maxHeatingKps, 0)],
  ["maxCoolingKps", (s) => num(s.maxCoolingKps, 0)],
  ["o2MaxPpm", (s) => num(s.o2MaxPpm, 1)],
  ["arMinLpm", (s) => num(s.arMinLpm, 2)],
  ["pulses", (s) => num(s.pulses, 0)],
  ["partialPulses", (s) => num(s.partialPulses, 0)],
  ["quenchGasMinLpm", (s) => num(s.quenchGasMinLpm, 2)],
  ["coolantMinLpm", (s) => num(s.coolantMinLpm, 2)],
  ["exitTempK", (s) => num(s.exitTempK, 1)],
  ["exitConductivityUsCm", (s) => num(s.exitConductivityUsCm, 1)],
  ["arealLoadingMgCm2", (s) => num(s.arealLoadingMgCm2, 3)],
  ["alloy", (s) => (s.recipe === null ? null : text(s.recipe.alloy))],
  ["version", (s) => (s.recipe === null ? null : num(s.recipe.version, 0))],
  ["trial", (s) => (s.recipe === null ? null : text(String(s.recipe.trial)))],
  ["trips", (s) => list(s.trips)],
  ["bypasses", (s) => list(s.bypasses)],
  ["criticalAlarms", (s) => list(s.criticalAlarms)],
  ["closedAt", (s) => (Number.isFinite(s.closedAt) ? text(new Date(s.closedAt).toISOString()) : null)],
];

export const SEGMENT_CSV_HEADER: readonly string[] = COLUMNS.map(([name]) => name);

/** A text cell that a spreadsheet would read as a formula gets a leading apostrophe. */
export function neutraliseFormula(t: string): string {
  return /^[=+\-@\t\r]/.test(t) ? `'${t}` : t;
}

/** RFC 4180: quoted when it holds a comma, a quote, CR or LF; quotes doubled. */
export function csvQuote(t: string): string {
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function cellText(c: Cell): string {
  if (c === null) return "";
  if ("text" in c) return csvQuote(neutraliseFormula(c.text));
  if (c.num === null || !Number.isFinite(c.num)) return "";
  const fixed = c.num.toFixed(c.decimals);
  // -0.0 reads as a number but looks like a sign error.
  return /^-0(\.0*)?$/.test(fixed) ? fixed.slice(1) : fixed;
}

/** The CSV line (with its CRLF) of one segment. */
export function segmentCsvLine(s: SegmentRecord): string {
  return COLUMNS.map(([, get]) => cellText(get(s))).join(",") + CSV_EOL;
}

/** The header line, then one line per segment, each ending in CRLF; the segments are read once, as they come. */
export function* segmentCsvLines(segments: Iterable<SegmentRecord>): Generator<string> {
  yield SEGMENT_CSV_HEADER.join(",") + CSV_EOL;
  for (const s of segments) yield segmentCsvLine(s);
}
