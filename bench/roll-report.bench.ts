// The roll report of a 10 km roll (100 000 segments of 0.10 m) from the real SQLite roll store: what
// RollCatalog.reportHtml does (the roll, its recipe versions, the report's columns of its segments streamed
// from the store's read-only connection, its lab results → buildRollReport → renderRollReportHtml), and the
// segment CSV of the whole roll streamed to a null sink. Baselines: a raw better-sqlite3 connection on the
// same file, the report's columns (`SELECT idx, from_m, … recipe FROM segments WHERE roll_id = ? ORDER BY
// from_m`, JSON.parse of its JSON columns) for the report, and `SELECT *` with JSON.parse of all 7 JSON
// columns (what the CSV has to read) for the CSV, in the same process, interleaved. Median of RUNS runs after one
// warm-up of each; a GC before each run (outside the timing), so each starts from the same heap.
//
// The roll (filled untimed, 1 000 segments per appendSegments transaction): BiSb in pulse mode, mostly pass
// with noise on every figure and realistic passages and signal uses; a trial stretch of an unapproved
// version, a bypass stretch, trip events (IL-02 over-temperature, IL-05 quench gas with IL-08's data trip
// beside it), comm-loss and restart gaps (unverified), a rinse conductivity stretch and sporadic low peaks
// and short holds (fail); ten lab samples and one correction; 40 alarms.
//
// Memory: setInterval cannot sample during synchronous work, so the figures are heapUsed before / after
// each report (growth, and what is left after a GC) and process.resourceUsage().maxRSS (the process's
// high-water mark) after the timed runs against the mark after the fill, before any report or raw read.
// Segments are streamed: "bounded" means the report's memory does not follow the roll's length — checked
// in one more, untimed, run with the stream wrapped to sample heapUsed and RSS every 1 000 segments: the
// heap peak over the last tenth of the roll against the first tenth (holding the segments would add
// ≈ 17 MB per tenth: ≈ 150 MB from the first tenth to the last).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import Database from "better-sqlite3";
import type { NewLabResult } from "../src/quality/roll-record.js";
import { renderRollReportHtml } from "../src/quality/roll-report-html.js";
import { type ReportSegment, type RollReportAlarm, type RollReportRecipeVersion, buildRollReport } from "../src/quality/roll-report-model.js";
import { segmentCsvLines } from "../src/quality/segment-csv.js";
import type { SegmentReason, SegmentRecord, SegmentVerdict, SignalUse } from "../src/quality/segment-record.js";
import { SEGMENT_SIGNALS as S } from "../src/quality/segment-signals.js";
import { RecipeStore } from "../src/stores/recipe-store.js";
import { REPORT_SEGMENT_COLUMNS } from "../src/stores/roll-rows.js";
import { SqliteRollStore } from "../src/stores/roll-store.js";
import { SCADA_DB_FILE } from "../src/stores/user-store.js";
import type { BenchFigure } from "./bench-figure.js";
import { prng, round } from "./bench-support.js";

const SEGMENTS = 100_000;
const SEG_M = 0.1;
const LENGTH_M = SEGMENTS * SEG_M;
const FILL_BATCH = 1000;
const RUNS = 3;
const GOAL_MS = 2000;
/** Pulse mode: 0.30 m per 18 s cycle, so 6 s per segment. */
const SEGMENT_EVERY_MS = 6000;
/** From the HTR entry to leaving the rinse, for a segment (passages). */
const HTR_MS = 19_000;
const QUENCH_LAG_MS = 19_050;
const QUENCH_MS = 19_000;
const RINSE_LAG_MS = 71_000;
const RINSE_MS = 56_000;
const T0 = Date.UTC(2026, 2, 14, 6, 12, 5);
const MB = 1024 * 1024;
/** "bounded": the heap peak over the last tenth of the stream at most this much above the first tenth's. */
const BOUND_MB = 16;
const JSON_COLUMNS = ["reasons", "passages", "recipe", "bypasses", "trips", "critical_alarms", "signals"] as const;
const REPORT_JSON_COLUMNS = ["reasons", "recipe", "bypasses", "trips"] as const;

const V3 = { alloy: "BiSb", version: 3, hash: "sha256:9f2c1e0a7b3d5e6f08a1c4b2d3e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b", trial: false } as const;
const V4_TRIAL = { alloy: "BiSb", version: 4, hash: "sha256:c0ffee1234abcd5678ef90123456789abcdef0123456789abcdef0123456789a", trial: true } as const;
/** Where things happen, in segment indices [from, to). */
const TRIAL = [60_000, 62_000] as const;
const BYPASS = [30_500, 30_800] as const;
const TRIP_EVENTS: readonly { at: number; n: number; trips: readonly string[]; alarms: readonly string[] }[] = [
  { at: 12_040, n: 6, trips: ["IL-02"], alarms: ["AL-HTR-TEMP-HH"] },
  { at: 40_210, n: 4, trips: ["IL-05", "IL-08"], alarms: ["AL-QUENCH-GAS-L"] },
  { at: 71_990, n: 3, trips: ["IL-02"], alarms: ["AL-HTR-TEMP-HH"] },
  { at: 88_400, n: 9, trips: ["IL-05"], alarms: ["AL-QUENCH-GAS-L"] },
];
/** Pyrometer comm loss (SIGNAL-NOT-GOOD) and a SCADA restart (RECORD-GAP): unverified. */
const COMM_LOSS = [[23_100, 23_140], [55_000, 55_012], [97_310, 97_360]] as const;
const RESTART_GAP = [[47_700, 47_735]] as const;
const RINSE_HIGH = [81_000, 81_040] as const;
const DATA_TRIPS = new Set(["IL-08"]);

const inRange = (i: number, [from, to]: readonly [number, number]): boolean => i >= from && i < to;

const use = (samples: number, worst: SignalUse["worst"] = "Good", reason = ""): SignalUse => ({ samples, worst, reason });

/** The synthetic roll, segment by segment (deterministic). */
function* syntheticSegments(rollId: string): Generator<SegmentRecord> {
  const rnd = prng(20260314);
  const noise = (half: number) => (rnd() * 2 - 1) * half;
  for (let i = 0; i < SEGMENTS; i++) {
    const enteredHtr = T0 + i * SEGMENT_EVERY_MS;
    const trial = inRange(i, TRIAL);
    const event = TRIP_EVENTS.find((e) => i >= e.at && i < e.at + e.n);
    const commLoss = COMM_LOSS.some((r) => inRange(i, r));
    const gap = RESTART_GAP.some((r) => inRange(i, r));
    let peakK: number | null = round(1340 + noise(4) + (rnd() < 0.004 ? -22 : 0), 1);
    let timeInBandS: number | null = round(7.08 + noise(0.08) - (rnd() < 0.002 ? 0.9 : 0), 2);
    const quenchGas = event?.trips.includes("IL-05") ? round(92 + noise(8), 1) : round(150 + noise(2), 1);
    const conductivity = inRange(i, RINSE_HIGH) ? round(58 + noise(6), 1) : round(26 + noise(4), 1);
    if (event?.trips.includes("IL-02")) peakK = round(1446 + noise(3), 1);
    const signals: Record<string, SignalUse> = {
      [S.webTemp]: commLoss ? use(1700, "Bad", "comm loss") : use(1890 + Math.floor(rnd() * 12)),
      [S.o2]: use(190), [S.argon]: use(190), [S.heaterOn]: use(3), [S.phase]: use(5),
      [S.gasFlow]: use(760), [S.coolantFlow]: use(380), [S.exitTemp]: use(380), [S.conductivity]: use(560),
      [S.loading]: use(30), [S.speed]: use(60),
    };
    if (commLoss && rnd() < 0.5) (peakK = null), (timeInBandS = null);
    const reasons: SegmentReason[] = [];
    if (gap) reasons.push({ rule: "RECORD-GAP", message: "the SCADA restarted while the segment was on the line: what it recorded before the restart is lost", kind: "unverified" });
    if (commLoss) reasons.push({ rule: "SIGNAL-NOT-GOOD", message: `${S.webTemp} was Bad (comm loss) while the segment was measured`, kind: "unverified" });
    for (const trip of event?.trips ?? []) {
      reasons.push(
        DATA_TRIPS.has(trip)
          ? { rule: trip, message: `interlock ${trip} tripped while the segment was in the HTR zone (a data trip: the product cannot be verified)`, kind: "unverified" }
          : { rule: trip, message: `interlock ${trip} tripped while the segment was in the HTR zone`, kind: "fail" },
      );
    }
    if (peakK !== null && peakK < 1325 && !gap && !commLoss) reasons.push({ rule: "HTR-PEAK-LOW", message: `peak ${peakK.toFixed(1)} K is below 1325 K (1340 − 15 K)`, kind: "fail" });
    if (peakK !== null && peakK > 1355) reasons.push({ rule: "HTR-PEAK-HIGH", message: `peak ${peakK.toFixed(1)} K is above 1355 K (1340 + 15 K)`, kind: "fail" });
    if (timeInBandS !== null && timeInBandS < 6.65 && !gap && !commLoss) {
      reasons.push({ rule: "HTR-HOLD-SHORT", message: `${timeInBandS.toFixed(2)} s within 1340 ± 15 K is below 6.65 s (0.95 × 7 s hold)`, kind: "fail" });
    }
    if (quenchGas < 120) reasons.push({ rule: "QUENCH-GAS-LOW", message: `gas-knife flow fell to ${quenchGas.toFixed(1)} L/min with the zone hot, below the 120 L/min minimum`, kind: "fail" });
    if (conductivity > 50) {
      reasons.push({ rule: "RINSE-CONDUCTIVITY-HIGH", message: `rinse effluent was ${conductivity.toFixed(1)} µS/cm when the segment left the rinse, above the 50 µS/cm endpoint`, kind: "fail" });
    }
    const verdict: SegmentVerdict = reasons.some((r) => r.kind === "fail") ? "fail" : reasons.length > 0 ? "unverified" : trial ? "trial" : "pass";
    yield {
      rollId, index: i, fromM: round(i * SEG_M, 6), toM: round((i + 1) * SEG_M, 6), verdict, reasons,
      passages: {
        feed: { enteredAt: enteredHtr - 9_000, leftAt: enteredHtr - 3_000 },
        htr: { enteredAt: enteredHtr, leftAt: enteredHtr + HTR_MS },
        quench: { enteredAt: enteredHtr + QUENCH_LAG_MS, leftAt: enteredHtr + QUENCH_LAG_MS + QUENCH_MS },
        rinse: { enteredAt: enteredHtr + RINSE_LAG_MS, leftAt: enteredHtr + RINSE_LAG_MS + RINSE_MS },
      },
      peakK, timeInBandS,
      maxHeatingKps: gap ? null : round(346.7 + noise(6), 1), maxCoolingKps: gap ? null : round(322 + noise(8), 1),
      o2MaxPpm: round(9 + noise(3), 1), arMinLpm: round(29.6 + noise(0.4), 2), pulses: gap ? 0 : 1, partialPulses: 0,
      quenchGasMinLpm: quenchGas, coolantMinLpm: round(11.9 + noise(0.2), 2), exitTempK: round(312 + noise(2), 1),
      exitConductivityUsCm: conductivity, arealLoadingMgCm2: round(3 + noise(0.08), 3),
      recipe: trial ? V4_TRIAL : V3,
      bypasses: inRange(i, BYPASS) ? ["IL-05"] : [],
      trips: event ? [...event.trips] : [],
      criticalAlarms: event ? [...event.alarms] : [],
      signals,
      closedAt: enteredHtr + RINSE_LAG_MS + RINSE_MS,
    };
  }
}

function labResults(rollId: string): NewLabResult[] {
  const at = T0 + SEGMENTS * SEGMENT_EVERY_MS + 3_600_000;
  return Array.from({ length: 10 }, (_, k) => {
    const atM = 500 + k * 1000;
    const off = k === 4; // taken in the rinse-conductivity stretch's neighbourhood: large particles
    return {
      rollId, atM, fromM: atM - 0.5, toM: atM + 0.5, particleSizeNm: off ? 19.1 : round(14.9 + (k % 3) * 0.4 - 0.4, 1), alloyContentPct: round(73.7 - (k % 4) * 0.3, 1),
      xrdMatch: true, betM2g: round(214 - k * 1.5, 1), note: off ? "particle size above spec; re-measure" : "", disposition: off ? "hold" : "accept",
      specFindings: off ? ["particle size 19.1 nm is outside 14.9 ± 3 nm"] : [], inSpec: !off, by: "qa.ben", at: at + k * 600_000, corrects: null,
    };
  });
}

function alarms(): RollReportAlarm[] {
  const kinds = [
    ["AL-HTR-TEMP-DEV", "medium", "Web temperature deviates from the recipe peak by more than 15 K"],
    ["AL-HTR-O2-H", "high", "O₂ high in the argon chamber (62 ppm)"],
    ["AL-QUENCH-GAS-L", "critical", "IL-05 quench gas flow low while heating: heater off"],
    ["AL-RINSE-COND-H", "low", "Rinse effluent conductivity high"],
  ] as const;
  return Array.from({ length: 40 }, (_, i) => {
    const [id, priority, message] = kinds[i % 4]!;
    return { at: T0 + i * 15_000_000, id, priority, message, state: i < 38 ? "cleared" : "active-unacked" };
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<BenchFigure[]> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const configDir = join(dirname(fileURLToPath(import.meta.url)), "..", "plc-config");
  const bisb = new RecipeStore(configDir).get("BiSb")?.recipe;
  if (!bisb) throw new Error("plc-config has no BiSb recipe");
  const dataDir = mkdtempSync(join(tmpdir(), "bench-roll-report-"));
  const store = SqliteRollStore.open(dataDir);
  let raw: Database.Database | undefined;
  try {
    // ── the roll (untimed) ──
    const created = store.createRoll({ line: "L1", lot: "11000031", startedAt: T0 - 120_000, startedBy: "op.anna" });
    const id = created.id;
    const approval = { approvedBy: "qa.ben", approvedAt: T0 - 86_400_000 };
    store.addRecipeRange(id, { ...V3, fromM: 0, ...approval });
    let batch: SegmentRecord[] = [];
    for (const s of syntheticSegments(id)) {
      if (s.index === TRIAL[0]) store.addRecipeRange(id, { ...V4_TRIAL, fromM: s.fromM, approvedBy: null, approvedAt: null });
      if (s.index === TRIAL[1]) store.addRecipeRange(id, { ...V3, fromM: s.fromM, ...approval });
      batch.push(s);
      if (batch.length === FILL_BATCH) {
        store.appendSegments(batch);
        batch = [];
      }
    }
    store.appendSegments(batch);
    store.endRoll(id, T0 + SEGMENTS * SEGMENT_EVERY_MS + 200_000, LENGTH_M);
    const labs = labResults(id).map((l) => store.addLabResult(l));
    store.addLabResult({ ...labResults(id)[4]!, particleSizeNm: 15.6, note: "re-measured: in spec", disposition: "accept", specFindings: [], inSpec: true, corrects: labs[4]!.id });
    const roll0 = store.getRoll(id)!;
    if (roll0.segmentsRecorded !== SEGMENTS) throw new Error(`${roll0.segmentsRecorded} segments recorded, ${SEGMENTS} expected`);
    const dbFile = join(dataDir, SCADA_DB_FILE);
    const dbMB = statSync(dbFile).size / MB;
    const alarmList = alarms();
    gc();
    const maxRssAfterFillKB = process.resourceUsage().maxRSS;
    const rssAfterFillMB = process.memoryUsage().rss / MB;
    const signatures = [
      { name: "eng.carl", meaning: "authored", time: T0 - 90_000_000 },
      { name: "qa.ben", meaning: "reviewed and approved", time: T0 - 86_400_000 },
    ];

    // ── ours: what RollCatalog.reportHtml does ──
    let htmlBytes = 0;
    let reportSegments = 0;
    let reportYield: number | null = null;
    const report = (segments: (id: string) => Iterable<ReportSegment> = (x) => store.reportSegments(x)): string => {
      const roll = store.getRoll(id)!;
      const recipeVersions: RollReportRecipeVersion[] = roll.recipes.map((r) => ({
        ...r,
        signatures: r.trial ? signatures.slice(0, 1) : signatures,
        submittedBy: "eng.carl",
        band: { peakK: bisb.htr.peakTempK, toleranceK: bisb.htr.peakToleranceK, holdS: bisb.htr.holdTimeS },
      }));
      const r = buildRollReport({
        roll, line: { id: "L1", name: "HTR line 1" }, recipeVersions, segments: segments(id), labResults: store.labResults(id), alarms: alarmList,
        generatedAt: Date.now(), generatedBy: "qa.ben", timeZone: "Europe/Berlin",
      });
      reportSegments = r.segments;
      reportYield = r.yield;
      const html = renderRollReportHtml(r);
      htmlBytes = Buffer.byteLength(html);
      return html;
    };
    let csvBytes = 0;
    let csvLines = 0;
    const csv = (): number => {
      let n = 0;
      let bytes = 0;
      for (const line of segmentCsvLines(store.segments(id))) {
        n++;
        bytes += line.length;
      }
      csvLines = n;
      csvBytes = bytes;
      return n;
    };

    // ── baseline: raw better-sqlite3 on the same file ──
    raw = new Database(dbFile, { readonly: true });
    /** Iterates `SELECT <columns>` of the roll with JSON.parse of its JSON columns: the least a reader of them does. */
    const rawReader = (columns: string, jsonColumns: readonly string[]) => {
      const select = raw!.prepare<[string], Record<string, unknown>>(`SELECT ${columns} FROM segments WHERE roll_id = ? ORDER BY from_m`);
      return (onRow?: (n: number) => void): number => {
        let n = 0;
        let sink = 0;
        for (const row of select.iterate(id)) {
          for (const c of jsonColumns) {
            const v = row[c];
            if (typeof v === "string") row[c] = JSON.parse(v);
          }
          sink += row.from_m as number;
          n++;
          onRow?.(n);
        }
        if (!Number.isFinite(sink)) throw new Error("no rows");
        return n;
      };
    };
    const rawRead = rawReader("*", JSON_COLUMNS);
    // The report's own baseline: the same columns it reads (REPORT_SEGMENT_COLUMNS), their JSON parsed.
    const rawReportRead = rawReader(REPORT_SEGMENT_COLUMNS, REPORT_JSON_COLUMNS);

    // ── timed: warm-up, then RUNS of each, interleaved (order alternating), a GC before each ──
    const t = { report: [] as number[], csv: [] as number[], raw: [] as number[], rawReport: [] as number[] };
    const heap = { report: [] as number[], reportRetained: [] as number[], raw: [] as number[], rawRetained: [] as number[] };
    report();
    csv();
    if (rawRead() !== SEGMENTS || rawReportRead() !== SEGMENTS) throw new Error("raw read missed segments");
    if (reportSegments !== SEGMENTS || csvLines !== SEGMENTS + 1) throw new Error(`report read ${reportSegments}, CSV wrote ${csvLines} lines`);
    const maxRssAfterWarmUpKB = process.resourceUsage().maxRSS;
    const timed = (fn: () => unknown, times: number[], growth?: number[], retained?: number[]): void => {
      gc();
      const h0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      fn();
      const t1 = performance.now();
      const h1 = process.memoryUsage().heapUsed;
      times.push(t1 - t0);
      growth?.push((h1 - h0) / MB);
      if (retained) {
        gc();
        retained.push((process.memoryUsage().heapUsed - h0) / MB);
      }
    };
    for (let i = 0; i < RUNS; i++) {
      const ours = () => timed(report, t.report, heap.report, heap.reportRetained);
      const base = () => (timed(rawRead, t.raw, heap.raw, heap.rawRetained), timed(rawReportRead, t.rawReport));
      if (i % 2 === 0) (ours(), base());
      else (base(), ours());
      timed(csv, t.csv);
    }
    const maxRssAfterKB = process.resourceUsage().maxRSS;

    // ── untimed: heap and RSS sampled along the stream (every 1 000 segments), ours and the baseline ──
    const sampleAlong = (read: (tap: (n: number) => void) => unknown) => {
      const heapMB: number[] = [];
      const rssMB: number[] = [];
      gc();
      const h0 = process.memoryUsage().heapUsed;
      read((n) => {
        if (n % 1000 !== 0) return;
        const m = process.memoryUsage();
        heapMB.push((m.heapUsed - h0) / MB);
        rssMB.push(m.rss / MB);
      });
      const tenth = Math.max(1, Math.floor(heapMB.length / 10));
      const peak = (xs: number[]) => round(Math.max(...xs), 1);
      return {
        samples: heapMB.length,
        heapPeakAboveStartMB: peak(heapMB),
        heapPeakFirstTenthMB: peak(heapMB.slice(0, tenth)),
        heapPeakLastTenthMB: peak(heapMB.slice(-tenth)),
        rssPeakMB: peak(rssMB),
        rssFirstTenthPeakMB: peak(rssMB.slice(0, tenth)),
        rssLastTenthPeakMB: peak(rssMB.slice(-tenth)),
      };
    };
    const tapped = (tap: (n: number) => void) => (x: string) =>
      (function* (): Generator<ReportSegment> {
        let n = 0;
        for (const s of store.reportSegments(x)) {
          yield s;
          tap(++n);
        }
      })();
    const oursAlong = sampleAlong((tap) => report(tapped(tap)));
    const rawAlong = sampleAlong((tap) => rawRead(tap));
    const bounded = oursAlong.heapPeakLastTenthMB - oursAlong.heapPeakFirstTenthMB <= BOUND_MB;

    const ms = median(t.report);
    const rawMs = median(t.raw);
    const rawReportMs = median(t.rawReport);
    const csvMs = median(t.csv);
    const roll = store.getRoll(id)!;
    const common = {
      segments: SEGMENTS,
      lengthM: LENGTH_M,
      counts: roll.counts,
      dbFileMB: round(dbMB, 1),
      runs: RUNS,
      warmUp: "one of each, untimed",
      baselineIs: "raw better-sqlite3 (read-only connection, same file): SELECT * FROM segments WHERE roll_id = ? ORDER BY from_m, .iterate(), JSON.parse of the 7 JSON columns",
    };
    return [
      {
        name: "roll report 10 km (query + render)",
        unit: "ms",
        value: round(ms, 1),
        baseline: round(rawReportMs, 1),
        ratio: round(rawReportMs / ms, 3),
        goal: `≤ ${GOAL_MS} ms`,
        pass: ms <= GOAL_MS,
        detail: {
          ...common,
          baselineIs: `raw better-sqlite3 (read-only connection, same file): SELECT ${REPORT_SEGMENT_COLUMNS} (the columns the report reads) FROM segments WHERE roll_id = ? ORDER BY from_m, .iterate(), JSON.parse of its ${REPORT_JSON_COLUMNS.length} JSON columns`,
          oursIs: "RollCatalog.reportHtml's work: getRoll, recipe versions, store.reportSegments(id) (the report's columns) streamed into buildRollReport, labResults, renderRollReportHtml",
          oursOverRaw: round(ms / rawReportMs, 3),
          runsMs: t.report.map((x) => round(x, 1)),
          rawRunsMs: t.rawReport.map((x) => round(x, 1)),
          rawWholeRowMs: round(rawMs, 1),
          rawWholeRowIs: common.baselineIs,
          htmlKB: round(htmlBytes / 1024, 1),
          reportSegments,
          yield: reportYield === null ? null : round(reportYield, 4),
        },
      },
      {
        name: "segment CSV 10 km streamed to a null sink (segmentCsvLines over store.segments)",
        unit: "ms",
        value: round(csvMs, 1),
        baseline: round(rawMs, 1),
        ratio: round(rawMs / csvMs, 3),
        goal: "informational (streamed line by line)",
        pass: null,
        detail: { ...common, baselineIs: `${common.baselineIs} (the report's baseline, same runs)`, oursOverRaw: round(csvMs / rawMs, 3), runsMs: t.csv.map((x) => round(x, 1)), lines: csvLines, csvMB: round(csvBytes / MB, 1) },
      },
      {
        name: "roll report 10 km peak RSS (process maxRSS after the timed runs)",
        unit: "MB",
        value: round(maxRssAfterKB / 1024, 1),
        baseline: round(maxRssAfterFillKB / 1024, 1),
        ratio: round(maxRssAfterFillKB / maxRssAfterKB, 3),
        goal: "bounded",
        pass: bounded,
        detail: {
          note: "segments are streamed (store.segments iterates a read-only connection); maxRSS is the process's high-water mark: baseline = the mark after the fill, before any report or raw read; the rise is a one-off (the sampled RSS is flat along the stream)",
          riseMB: round((maxRssAfterKB - maxRssAfterFillKB) / 1024, 1),
          maxRssAfterWarmUpMB: round(maxRssAfterWarmUpKB / 1024, 1),
          rssAfterFillMB: round(rssAfterFillMB, 1),
          boundedIs: `sampled run: heap peak over the last tenth of the stream ≤ first tenth's + ${BOUND_MB} MB`,
          sampledAlongTheStream: { ours: oursAlong, raw: rawAlong },
        },
      },
      {
        name: "roll report 10 km heap growth (heapUsed after − before one report)",
        unit: "MB",
        value: round(median(heap.report), 1),
        baseline: round(median(heap.raw), 1),
        ratio: median(heap.report) > 0 ? round(median(heap.raw) / median(heap.report), 3) : null,
        goal: "bounded",
        pass: bounded,
        detail: {
          note: "segments are streamed; a GC before each run; growth = heapUsed right after − before (garbage not yet collected included), retained = after a further GC",
          runsMB: heap.report.map((x) => round(x, 1)),
          retainedMB: heap.reportRetained.map((x) => round(x, 2)),
          rawRunsMB: heap.raw.map((x) => round(x, 1)),
          rawRetainedMB: heap.rawRetained.map((x) => round(x, 2)),
          sampledAlongTheStream: { ours: oursAlong, raw: rawAlong },
        },
      },
    ];
  } finally {
    raw?.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
