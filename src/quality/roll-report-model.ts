/**
 * The one-page roll report as data (pure): the roll's segments are read ONCE, streaming, into fixed-size
 * accumulators (the roll map's columns, two histograms, per-id marker ranges, per-rule reason counts), so the
 * report is small and its size does not depend on how many segments the roll has (100 000 for 10 km).
 * Rendered by roll-report-html.ts; the per-segment detail is the CSV (segment-csv.ts).
 */
import type { LabResult, Roll } from "./roll-record.js";
import { SEGMENT_VERDICTS, type SegmentRecord, type SegmentVerdict } from "./segment-record.js";

/** Columns of the roll map (each: the metres of each verdict in its stretch of roll). */
export const MAP_COLUMNS = 600;
/** Bin edges of the histograms: from, to, width (values below / at or above go to under / over). */
export const PEAK_BINS: HistogramSpec = { unit: "K", from: 1240, to: 1440, width: 5 };
export const TIME_IN_BAND_BINS: HistogramSpec = { unit: "s", from: 0, to: 10, width: 0.25 };
/** What one page has room for; the rest is counted as "+K more". */
export const MAX_ALARM_ROWS = 30;
export const MAX_LAB_ROWS = 12;
export const MAX_RECIPE_ROWS = 6;
export const TOP_REASONS = 10;
/** Marker ranges kept per trip / bypass id (more are counted), and distinct reason rules kept. */
export const MAX_RANGES_PER_MARKER = 20;
export const MAX_REASON_RULES = 200;
/** Map column width when the roll has no length yet, m (60 m of map; it widens as metres come). */
const DEFAULT_COLUMN_M = 0.1;
/** Two segments closer than this are contiguous (one marker range), m. */
const CONTIGUOUS_M = 1e-6;

export interface RecipeSignature {
  readonly name: string;
  readonly meaning: string;
  readonly time: number;
}

export interface RecipeBand {
  readonly peakK: number;
  readonly toleranceK: number;
  readonly holdS: number;
}

export interface RollReportRecipeVersion {
  readonly alloy: string;
  readonly version: number | null;
  readonly hash: string | null;
  readonly trial: boolean;
  readonly fromM: number;
  readonly toM: number | null;
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
  readonly submittedBy?: string | null;
  readonly signatures: readonly RecipeSignature[];
  /** The version's HTR targets, marked on the histograms (peak ± tolerance, hold time); omitted: not marked. */
  readonly band?: RecipeBand | null;
}

export interface RollReportAlarm {
  readonly at: number;
  readonly id: string;
  readonly priority: string;
  readonly message: string;
  readonly state: string;
}

/**
 * What the report reads of a segment: metres, verdict, the two histogram figures, reasons, trips, bypasses and
 * recipe — not the passages and signal uses, the bulk of a stored record (RollStorePort.reportSegments).
 */
export type ReportSegment = Pick<SegmentRecord, "fromM" | "toM" | "verdict" | "peakK" | "timeInBandS" | "reasons" | "trips" | "bypasses" | "recipe">;

export interface RollReportInput {
  readonly roll: Roll;
  readonly line: { readonly id: string; readonly name: string };
  readonly recipeVersions: readonly RollReportRecipeVersion[];
  /** Read once, in roll order; never collected. */
  readonly segments: Iterable<ReportSegment>;
  readonly labResults: readonly LabResult[];
  /** The alarms raised during the roll (the caller chooses them). */
  readonly alarms: readonly RollReportAlarm[];
  readonly generatedAt: number;
  readonly generatedBy: string;
  /** IANA time zone the times are shown in (default UTC). */
  readonly timeZone?: string;
}

export type VerdictMetres = Record<SegmentVerdict, number>;

export interface HistogramSpec {
  readonly unit: string;
  readonly from: number;
  readonly to: number;
  readonly width: number;
}

export interface Histogram extends HistogramSpec {
  /** bins + 1 edges; counts[i] is segments in [edges[i], edges[i+1]). */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly under: number;
  readonly over: number;
  /** Segments without a value. */
  readonly missing: number;
}

export interface MapColumn {
  readonly fromM: number;
  readonly toM: number;
  readonly metres: VerdictMetres;
}

export interface RollMap {
  readonly columnM: number;
  /** The axis: the roll's length, or the last segment's end if further. */
  readonly endM: number;
  /** At most MAP_COLUMNS, up to endM. */
  readonly columns: readonly MapColumn[];
}

export interface MarkerRange {
  readonly fromM: number;
  readonly toM: number;
  /** This trip was the first-out: the first trip listed where a trip event began. */
  readonly firstOut: boolean;
}

export interface Marker {
  readonly kind: "trip" | "bypass";
  readonly id: string;
  readonly ranges: readonly MarkerRange[];
  /** Ranges beyond MAX_RANGES_PER_MARKER. */
  readonly moreRanges: number;
  readonly metres: number;
}

export interface ReasonCount {
  readonly rule: string;
  readonly kind: "fail" | "unverified";
  readonly segments: number;
  readonly metres: number;
  /** The first message seen for the rule. */
  readonly example: string;
}

export interface RollReport {
  readonly roll: Roll;
  readonly line: { readonly id: string; readonly name: string };
  readonly timeZone: string;
  /** Set when the time zone asked for is unknown (times are then in UTC). */
  readonly timeZoneNote: string | null;
  readonly generatedAt: number;
  readonly generatedBy: string;
  readonly recipes: { readonly rows: readonly (RollReportRecipeVersion & { readonly metres: number })[]; readonly more: number };
  readonly segments: number;
  /** Recorded segment metres. */
  readonly processedM: number;
  readonly metres: VerdictMetres;
  /** pass metres / processed metres (null: nothing processed). */
  readonly yield: number | null;
  readonly map: RollMap;
  readonly peak: Histogram;
  readonly timeInBand: Histogram;
  readonly bands: readonly RecipeBand[];
  readonly markers: readonly Marker[];
  readonly firstOut: { readonly id: string; readonly atM: number } | null;
  readonly reasons: { readonly top: readonly ReasonCount[]; readonly rules: number; readonly segmentsWithReasons: number };
  readonly lab: { readonly rows: readonly LabResult[]; readonly more: number; readonly samples: readonly LabResult[] };
  readonly alarms: { readonly rows: readonly RollReportAlarm[]; readonly more: number };
}

const zeroMetres = (): Record<SegmentVerdict, number> => ({ pass: 0, fail: 0, unverified: 0, trial: 0 });
const VERDICT_INDEX: Record<SegmentVerdict, number> = { pass: 0, fail: 1, unverified: 2, trial: 3 };
const NV = SEGMENT_VERDICTS.length;

/** Roll map columns that widen (pairs merged) when a segment lies beyond the last one: memory stays MAP_COLUMNS. */
class MapBins {
  private bins = new Float64Array(MAP_COLUMNS * NV);
  constructor(private width: number) {}

  add(fromM: number, toM: number, verdict: SegmentVerdict): void {
    const from = Math.max(0, fromM);
    if (!Number.isFinite(toM) || !(toM > from)) return;
    while (toM > this.width * MAP_COLUMNS + CONTIGUOUS_M) this.widen();
    const v = VERDICT_INDEX[verdict];
    for (let c = Math.floor(from / this.width); c < MAP_COLUMNS && c * this.width < toM; c++) {
      const overlap = Math.min(toM, (c + 1) * this.width) - Math.max(from, c * this.width);
      if (overlap > 0) this.bins[c * NV + v]! += overlap;
    }
  }

  private widen(): void {
    const next = new Float64Array(MAP_COLUMNS * NV);
    for (let i = 0; i < (MAP_COLUMNS / 2) * NV; i++) {
      const c = Math.floor(i / NV);
      const v = i % NV;
      next[i] = this.bins[2 * c * NV + v]! + this.bins[(2 * c + 1) * NV + v]!;
    }
    this.bins = next;
    this.width *= 2;
  }

  result(endM: number): RollMap {
    const n = Math.min(MAP_COLUMNS, Math.max(1, Math.ceil(endM / this.width - 1e-9)));
    const columns: MapColumn[] = [];
    for (let c = 0; c < n; c++) {
      const metres = zeroMetres();
      for (const v of SEGMENT_VERDICTS) metres[v] = this.bins[c * NV + VERDICT_INDEX[v]]!;
      columns.push({ fromM: c * this.width, toM: (c + 1) * this.width, metres });
    }
    return { columnM: this.width, endM, columns };
  }
}

class HistogramBins {
  private readonly counts: number[];
  private under = 0;
  private over = 0;
  private missing = 0;
  constructor(private readonly spec: HistogramSpec) {
    this.counts = new Array<number>(Math.round((spec.to - spec.from) / spec.width)).fill(0);
  }

  add(value: number | null): void {
    if (value === null || !Number.isFinite(value)) this.missing++;
    else if (value < this.spec.from) this.under++;
    else if (value >= this.spec.to) this.over++;
    else this.counts[Math.min(this.counts.length - 1, Math.floor((value - this.spec.from) / this.spec.width))]!++;
  }

  result(): Histogram {
    const edges = Array.from({ length: this.counts.length + 1 }, (_, i) => this.spec.from + i * this.spec.width);
    return { ...this.spec, edges, counts: [...this.counts], under: this.under, over: this.over, missing: this.missing };
  }
}

interface OpenMarker {
  readonly kind: "trip" | "bypass";
  readonly id: string;
  readonly ranges: { fromM: number; toM: number; firstOut: boolean }[];
  moreRanges: number;
  metres: number;
  /** The range being extended (kept even when not stored, to join contiguous segments). */
  current: { fromM: number; toM: number; firstOut: boolean } | null;
}

/** Per trip / bypass id, the metre ranges of the segments that carry it; the first-out of each trip event. */
class MarkerTracker {
  private readonly open = new Map<string, OpenMarker>();
  private lastTripToM: number | null = null;
  firstOut: { id: string; atM: number } | null = null;

  add(s: ReportSegment): void {
    const eventStart = s.trips.length > 0 && (this.lastTripToM === null || s.fromM > this.lastTripToM + CONTIGUOUS_M);
    this.lastTripToM = s.trips.length > 0 ? s.toM : this.lastTripToM;
    for (const id of new Set(s.trips)) this.mark("trip", id, s, eventStart && id === s.trips[0]);
    for (const id of new Set(s.bypasses)) this.mark("bypass", id, s, false);
    if (eventStart && this.firstOut === null) this.firstOut = { id: s.trips[0]!, atM: s.fromM };
  }

  private mark(kind: "trip" | "bypass", id: string, s: ReportSegment, firstOut: boolean): void {
    const key = `${kind}\u0000${id}`;
    let m = this.open.get(key);
    if (m === undefined) {
      m = { kind, id, ranges: [], moreRanges: 0, metres: 0, current: null };
      this.open.set(key, m);
    }
    if (Number.isFinite(s.toM - s.fromM) && s.toM > s.fromM) m.metres += s.toM - s.fromM;
    if (m.current !== null && s.fromM <= m.current.toM + CONTIGUOUS_M && s.fromM >= m.current.fromM) {
      m.current.toM = Math.max(m.current.toM, s.toM);
      m.current.firstOut ||= firstOut;
      return;
    }
    m.current = { fromM: s.fromM, toM: s.toM, firstOut };
    if (m.ranges.length < MAX_RANGES_PER_MARKER) m.ranges.push(m.current);
    else m.moreRanges++;
  }

  result(): Marker[] {
    return [...this.open.values()]
      .map((m) => ({ kind: m.kind, id: m.id, ranges: m.ranges.map((r) => ({ ...r })), moreRanges: m.moreRanges, metres: m.metres }))
      .sort((a, b) => (a.ranges[0]?.fromM ?? 0) - (b.ranges[0]?.fromM ?? 0) || a.id.localeCompare(b.id));
  }
}

class ReasonTally {
  private readonly rules = new Map<string, { kind: "fail" | "unverified"; segments: number; metres: number; example: string }>();
  segmentsWithReasons = 0;

  add(s: ReportSegment, metres: number): void {
    if (s.reasons.length > 0) this.segmentsWithReasons++;
    const seen = new Set<string>();
    for (const r of s.reasons) {
      const rule = this.rules.has(r.rule) || this.rules.size < MAX_REASON_RULES ? r.rule : "(other rules)";
      if (seen.has(rule)) continue;
      seen.add(rule);
      const t = this.rules.get(rule);
      if (t === undefined) this.rules.set(rule, { kind: r.kind, segments: 1, metres, example: r.message });
      else {
        t.segments++;
        t.metres += metres;
        if (r.kind === "fail") t.kind = "fail";
      }
    }
  }

  result(): RollReport["reasons"] {
    const all = [...this.rules.entries()].map(([rule, t]) => ({ rule, ...t }));
    all.sort((a, b) => b.segments - a.segments || a.rule.localeCompare(b.rule));
    return { top: all.slice(0, TOP_REASONS), rules: all.length, segmentsWithReasons: this.segmentsWithReasons };
  }
}

const recipeKey = (alloy: string | undefined, version: number | null | undefined): string => `${alloy ?? ""}\u0000${version ?? "file"}`;

const PRIORITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The MAX_ALARM_ROWS most important (priority, then earliest), shown in time order. */
function alarmRows(alarms: readonly RollReportAlarm[]): RollReport["alarms"] {
  const rank = (a: RollReportAlarm) => PRIORITY_RANK[a.priority.toLowerCase()] ?? 4;
  const chosen = [...alarms].sort((a, b) => rank(a) - rank(b) || a.at - b.at).slice(0, MAX_ALARM_ROWS);
  return { rows: chosen.sort((a, b) => a.at - b.at), more: alarms.length - chosen.length };
}

function labSection(results: readonly LabResult[]): RollReport["lab"] {
  const sorted = [...results].sort((a, b) => a.atM - b.atM || a.id - b.id);
  return { rows: sorted.slice(0, MAX_LAB_ROWS), more: Math.max(0, sorted.length - MAX_LAB_ROWS), samples: sorted.filter((r) => r.correctedBy === null) };
}

function checkedTimeZone(tz: string | undefined): { timeZone: string; note: string | null } {
  const want = tz ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: want });
    return { timeZone: want, note: null };
  } catch {
    return { timeZone: "UTC", note: `unknown time zone "${want}": times in UTC` };
  }
}

function distinctBands(versions: readonly RollReportRecipeVersion[]): RecipeBand[] {
  const out: RecipeBand[] = [];
  for (const v of versions) {
    const b = v.band;
    if (b && !out.some((o) => o.peakK === b.peakK && o.toleranceK === b.toleranceK && o.holdS === b.holdS)) out.push({ ...b });
  }
  return out;
}

/** Builds the report, reading `input.segments` once (streaming: no segment is kept). */
export function buildRollReport(input: RollReportInput): RollReport {
  const { roll } = input;
  const map = new MapBins(roll.lengthM > 0 ? roll.lengthM / MAP_COLUMNS : DEFAULT_COLUMN_M);
  const peak = new HistogramBins(PEAK_BINS);
  const timeInBand = new HistogramBins(TIME_IN_BAND_BINS);
  const markers = new MarkerTracker();
  const reasons = new ReasonTally();
  const metres = zeroMetres();
  const recipeMetres = new Map<string, number>();
  let segments = 0;
  let lastToM = 0;
  for (const s of input.segments) {
    segments++;
    const m = Number.isFinite(s.toM - s.fromM) && s.toM > s.fromM ? s.toM - s.fromM : 0;
    metres[s.verdict] += m;
    lastToM = Math.max(lastToM, Number.isFinite(s.toM) ? s.toM : 0);
    map.add(s.fromM, s.toM, s.verdict);
    peak.add(s.peakK);
    timeInBand.add(s.timeInBandS);
    markers.add(s);
    reasons.add(s, m);
    const key = recipeKey(s.recipe?.alloy, s.recipe?.version);
    if (recipeMetres.has(key) || recipeMetres.size < MAX_RECIPE_ROWS * 4) recipeMetres.set(key, (recipeMetres.get(key) ?? 0) + m);
  }
  const processedM = SEGMENT_VERDICTS.reduce((sum, v) => sum + metres[v], 0);
  const tz = checkedTimeZone(input.timeZone);
  const versions = input.recipeVersions.slice(0, MAX_RECIPE_ROWS);
  return {
    roll,
    line: { id: input.line.id, name: input.line.name },
    timeZone: tz.timeZone,
    timeZoneNote: tz.note,
    generatedAt: input.generatedAt,
    generatedBy: input.generatedBy,
    recipes: {
      rows: versions.map((v) => ({ ...v, metres: recipeMetres.get(recipeKey(v.alloy, v.version)) ?? 0 })),
      more: input.recipeVersions.length - versions.length,
    },
    segments,
    processedM,
    metres,
    yield: processedM > 0 ? metres.pass / processedM : null,
    map: map.result(Math.max(roll.lengthM, lastToM)),
    peak: peak.result(),
    timeInBand: timeInBand.result(),
    bands: distinctBands(input.recipeVersions),
    markers: markers.result(),
    firstOut: markers.firstOut,
    reasons: reasons.result(),
    lab: labSection(input.labResults),
    alarms: alarmRows(input.alarms),
  };
}
