import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { LabResult, Roll } from "../../../src/quality/roll-record.js";
import { escapeHtml, renderRollReportHtml } from "../../../src/quality/roll-report-html.js";
import { MAP_COLUMNS, MAX_ALARM_ROWS, buildRollReport, type RollReportInput } from "../../../src/quality/roll-report-model.js";
import { SEGMENT_CSV_HEADER, segmentCsvLines } from "../../../src/quality/segment-csv.js";
import type { SegmentRecord } from "../../../src/quality/segment-record.js";

const T0 = Date.UTC(2026, 2, 14, 7, 0, 0); // 08:00 in Berlin (CET)
const SEG_M = 0.1;

function seg(i: number, over: Partial<SegmentRecord> = {}): SegmentRecord {
  return {
    rollId: "L1-20260314-001", index: i, fromM: i * SEG_M, toM: (i + 1) * SEG_M, verdict: "pass", reasons: [], passages: {},
    peakK: 1340, timeInBandS: 7, maxHeatingKps: 1100, maxCoolingKps: 950, o2MaxPpm: 12, arMinLpm: 40, pulses: 1, partialPulses: 0,
    quenchGasMinLpm: 120, coolantMinLpm: 8, exitTempK: 330, exitConductivityUsCm: 45, arealLoadingMgCm2: 2.5,
    recipe: { alloy: "BiSb", version: 2, hash: "9f2c1e0a7b3d5e6f", trial: false }, bypasses: [], trips: [], criticalAlarms: [], signals: {},
    closedAt: T0 + i * 1000, ...over,
  };
}

const peakLow = { rule: "HTR-PEAK-LOW", message: "peak 1290.0 K is below 1325 K (1340 − 15 K)", kind: "fail" } as const;
const notGood = { rule: "SIGNAL-NOT-GOOD", message: "htr.web_temp was Bad (comm loss)", kind: "unverified" } as const;
const overTemp = { rule: "IL-02", message: "web over-temperature trip", kind: "fail" } as const;

/** 400 segments (40 m) with known verdicts, trips and a bypass. */
function* syntheticRoll(): Generator<SegmentRecord> {
  for (let i = 0; i < 400; i++) {
    if (i >= 100 && i < 120) yield seg(i, { verdict: "fail", reasons: [peakLow], peakK: 1290, timeInBandS: 2, trips: i < 110 ? ["IL-03", "IL-08"] : [] });
    else if (i >= 120 && i < 160) yield seg(i, { verdict: "unverified", reasons: [notGood], peakK: null, timeInBandS: null });
    else if (i >= 160 && i < 200) yield seg(i, { verdict: "trial", recipe: { alloy: "BiSb", version: 3, hash: "77aa", trial: true } });
    else if (i >= 300 && i < 305) yield seg(i, { verdict: "fail", reasons: [overTemp], peakK: 1445, trips: ["IL-02"] });
    else yield seg(i, i >= 250 && i < 270 ? { bypasses: ["IL-05"] } : {});
  }
}

function roll(over: Partial<Roll> = {}): Roll {
  return {
    id: "L1-20260314-001", line: "L1", state: "ended", lot: "P-2026-031", startedAt: T0, endedAt: T0 + 3_600_000, lengthM: 40, segmentsRecorded: 400,
    recipes: [], counts: { pass: 0, fail: 0, unverified: 0, trial: 0 }, parent: null, children: [], startedBy: "op.anna", ...over,
  };
}

function lab(id: number, atM: number, over: Partial<LabResult> = {}): LabResult {
  return {
    id, rollId: "L1-20260314-001", atM, fromM: atM - 0.5, toM: atM + 0.5, particleSizeNm: 15.2, alloyContentPct: 73.1, xrdMatch: true, betM2g: 210,
    note: "", disposition: "accept", specFindings: [], inSpec: true, by: "qa.ben", at: T0 + 4_000_000, corrects: null, correctedBy: null, ...over,
  };
}

function input(over: Partial<RollReportInput> = {}): RollReportInput {
  return {
    roll: roll(), line: { id: "L1", name: "HTR line 1" }, segments: syntheticRoll(), generatedAt: T0 + 7_200_000, generatedBy: "qa.ben", timeZone: "Europe/Berlin",
    recipeVersions: [
      { alloy: "BiSb", version: 2, hash: "9f2c1e0a7b3d5e6f", trial: false, fromM: 0, toM: 16, approvedBy: "qa.ben", approvedAt: T0 - 86_400_000, submittedBy: "eng.carl",
        signatures: [{ name: "eng.carl", meaning: "authored", time: T0 - 90_000_000 }, { name: "qa.ben", meaning: "reviewed and approved", time: T0 - 86_400_000 }],
        band: { peakK: 1340, toleranceK: 15, holdS: 7 } },
      { alloy: "BiSb", version: 3, hash: "77aa", trial: true, fromM: 16, toM: 20, approvedBy: null, approvedAt: null, signatures: [], band: { peakK: 1360, toleranceK: 15, holdS: 7 } },
    ],
    labResults: [lab(1, 5, { note: "first read", correctedBy: 2 }), lab(2, 5, { corrects: 1, particleSizeNm: 16.0, note: "re-measured" }), lab(3, 11, { disposition: "reject", inSpec: false, particleSizeNm: 48 })],
    alarms: [{ at: T0 + 600_000, id: "AL-HTR-O2-H", priority: "critical", message: "O₂ high while heating", state: "active-unacked" }],
    ...over,
  };
}

const near = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe("roll report model (buildRollReport)", () => {
  const r = buildRollReport(input());

  it("metres per verdict, processed metres and yield from the recorded segments", () => {
    near(r.metres.pass, 295 * SEG_M, 1e-6);
    near(r.metres.fail, 25 * SEG_M, 1e-6);
    near(r.metres.unverified, 40 * SEG_M, 1e-6);
    near(r.metres.trial, 40 * SEG_M, 1e-6);
    near(r.processedM, 40, 1e-6);
    near(r.yield!, 29.5 / 40, 1e-9);
    assert.equal(r.segments, 400);
  });

  it(`roll map: ${MAP_COLUMNS} columns over the roll, each the metres of each verdict it covers`, () => {
    assert.equal(r.map.columns.length, MAP_COLUMNS);
    near(r.map.columnM, 40 / MAP_COLUMNS);
    for (const v of ["pass", "fail", "unverified", "trial"] as const) near(r.map.columns.reduce((s, c) => s + c.metres[v], 0), r.metres[v], 1e-6);
    const at = (m: number) => r.map.columns[Math.floor(m / r.map.columnM)]!;
    near(at(10.5).metres.fail, r.map.columnM, 1e-9);
    near(at(13).metres.unverified, r.map.columnM, 1e-9);
    near(at(17).metres.trial, r.map.columnM, 1e-9);
    near(at(1).metres.pass, r.map.columnM, 1e-9);
    // Column 149 is [9.9333, 10.0): all pass; column 150 starts at 10.0 (fail).
    assert.equal(r.map.columns[149]!.metres.fail, 0);
    near(r.map.columns[150]!.metres.fail, r.map.columnM, 1e-9);
  });

  it("roll map widens (pairs merged) when segments run past the roll's stated length: same columns", () => {
    const short = buildRollReport(input({ roll: roll({ lengthM: 20 }) }));
    near(short.map.columnM, r.map.columnM, 1e-12);
    assert.equal(short.map.endM, 40);
    short.map.columns.forEach((c, i) => (["pass", "fail", "unverified", "trial"] as const).forEach((v) => near(c.metres[v], r.map.columns[i]!.metres[v], 1e-9)));
  });

  it("histograms: fixed bins of 5 K (1240–1440) and 0.25 s (0–10), with under / over / no value", () => {
    assert.equal(r.peak.counts.length, 40);
    assert.equal(r.peak.edges[0], 1240);
    assert.equal(r.peak.edges.at(-1), 1440);
    assert.equal(r.peak.counts[20], 335); // 1340 K
    assert.equal(r.peak.counts[10], 20); // 1290 K
    assert.equal(r.peak.over, 5);
    assert.equal(r.peak.missing, 40);
    assert.equal(r.timeInBand.counts.length, 40);
    assert.equal(r.timeInBand.counts[28], 340); // 7 s
    assert.equal(r.timeInBand.counts[8], 20); // 2 s
    assert.equal(r.timeInBand.missing, 40);
    assert.deepEqual(r.bands.map((b) => b.peakK), [1340, 1360]);
  });

  it("markers: metre ranges per trip / bypass id; the first trip of each trip event is its first-out", () => {
    const byId = Object.fromEntries(r.markers.map((m) => [`${m.kind}:${m.id}`, m]));
    const range = (key: string) => byId[key]!.ranges.map((x) => [+x.fromM.toFixed(6), +x.toM.toFixed(6), x.firstOut]);
    assert.deepEqual(range("trip:IL-03"), [[10, 11, true]]);
    assert.deepEqual(range("trip:IL-08"), [[10, 11, false]]);
    assert.deepEqual(range("bypass:IL-05"), [[25, 27, false]]);
    assert.deepEqual(range("trip:IL-02"), [[30, 30.5, true]]);
    assert.equal(r.firstOut?.id, "IL-03");
    near(r.firstOut!.atM, 10);
  });

  it("top reasons: counts by rule, most first", () => {
    assert.deepEqual(r.reasons.top.map((t) => [t.rule, t.segments, t.kind]), [["SIGNAL-NOT-GOOD", 40, "unverified"], ["HTR-PEAK-LOW", 20, "fail"], ["IL-02", 5, "fail"]]);
    assert.equal(r.reasons.segmentsWithReasons, 65);
  });

  it("recipe versions carry the metres made with them; alarms keep at most 30 rows, the most important first", () => {
    assert.deepEqual(r.recipes.rows.map((v) => +v.metres.toFixed(6)), [36, 4]);
    const alarms = Array.from({ length: 45 }, (_, i) => ({ at: T0 + i * 1000, id: `AL-${i}`, priority: i % 9 === 0 ? "critical" : "low", message: "m", state: "cleared" }));
    const a = buildRollReport(input({ alarms, segments: [] })).alarms;
    assert.equal(a.rows.length, MAX_ALARM_ROWS);
    assert.equal(a.more, 15);
    assert.equal(a.rows.filter((x) => x.priority === "critical").length, 5);
    assert.deepEqual(a.rows.map((x) => x.at), [...a.rows.map((x) => x.at)].sort((p, q) => p - q));
  });

  it("no segments: no yield, an empty map over the roll's length", () => {
    const empty = buildRollReport(input({ segments: [] }));
    assert.equal(empty.yield, null);
    assert.equal(empty.processedM, 0);
    assert.equal(empty.map.columns.length, MAP_COLUMNS);
  });

  it("reads 100 000 segments once, streaming: one iteration, no segment kept, the report's size independent of the count", async function () {
    this.timeout(30_000);
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const kept: WeakRef<SegmentRecord>[] = [];
    let iterations = 0;
    let yielded = 0;
    const many = (n: number) => ({
      *[Symbol.iterator]() {
        iterations++;
        for (let i = 0; i < n; i++) {
          const s = seg(i, i % 997 === 0 ? { verdict: "fail", reasons: [peakLow], trips: ["IL-03"], peakK: 1290 + (i % 50) } : { peakK: 1300 + (i % 80) });
          if (i % 10_000 === 0) kept.push(new WeakRef(s));
          yielded++;
          yield s;
        }
      },
    });
    const big = buildRollReport(input({ roll: roll({ lengthM: 10_000 }), segments: many(100_000) }));
    assert.equal(iterations, 1);
    assert.equal(yielded, 100_000);
    assert.equal(big.segments, 100_000);
    near(big.processedM, 10_000, 1e-3);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.deepEqual(kept.map((w) => w.deref() === undefined), kept.map(() => true), "the report holds no segment");
    const small = buildRollReport(input({ roll: roll({ lengthM: 100 }), segments: many(1_000) }));
    const ratio = JSON.stringify(big).length / JSON.stringify(small).length;
    assert.ok(ratio > 0.7 && ratio < 1.5, `report size ratio ${ratio.toFixed(2)} for 100× the segments`);
    assert.ok(JSON.stringify(big).length < 200_000);
  });

  it("a segment with impossible metres (NaN, Infinity, reversed) is counted but covers nothing", () => {
    const odd = buildRollReport(input({ segments: [seg(0, { toM: Number.POSITIVE_INFINITY }), seg(1, { fromM: Number.NaN }), seg(2, { toM: 0 }), seg(3)] }));
    assert.equal(odd.segments, 4);
    near(odd.processedM, SEG_M, 1e-12);
    near(odd.map.columns.reduce((sum, c) => sum + c.metres.pass, 0), SEG_M, 1e-12);
  });

  it("an unknown time zone falls back to UTC and says so", () => {
    const u = buildRollReport(input({ timeZone: "Mars/Olympus", segments: [] }));
    assert.equal(u.timeZone, "UTC");
    assert.match(u.timeZoneNote ?? "", /Mars\/Olympus/);
  });
});

describe("roll report HTML (renderRollReportHtml)", () => {
  const html = renderRollReportHtml(buildRollReport(input()));

  it("escapeHtml escapes & < > \" '", () => {
    assert.equal(escapeHtml(`<script>alert("x&'y")</script>`), "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;");
  });

  it("a self-contained A4-landscape page: inline CSS, no script, no external asset", () => {
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /@page \{ size: A4 landscape; margin: 10mm \}/);
    assert.doesNotMatch(html, /<script|<link|<img|\bsrc=|https?:\/\//i);
  });

  it("every user string is escaped: a <script> in a lab note, markup in the lot and roll id", () => {
    const evil = buildRollReport(input({
      roll: roll({ id: `R&<b>1</b>`, lot: `"><img src=x onerror=alert(1)>` }),
      labResults: [lab(7, 3, { note: `<script>alert("pwned")</script>` })],
      alarms: [{ at: T0, id: "<i>A</i>", priority: "high", message: "<svg onload=alert(1)>", state: "active" }],
      segments: [seg(0, { verdict: "fail", reasons: [{ rule: "<R>", message: "<b>x</b>", kind: "fail" }], trips: ["<T>"] })],
    }));
    const out = renderRollReportHtml(evil);
    assert.doesNotMatch(out, /<script|<img|<svg onload|<b>1<\/b>|<i>A<\/i>|<R>|<T>/);
    assert.ok(out.includes("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"));
    assert.ok(out.includes("R&amp;&lt;b&gt;1&lt;/b&gt;"));
    assert.ok(out.includes("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
  });

  it("hooks: #roll-map with one data-verdict per column; the summary's metres and yield", () => {
    assert.match(html, /id="roll-map"/);
    const verdicts = [...html.matchAll(/<rect data-verdict="(\w+)" data-from-m="([\d.]+)"/g)];
    assert.equal(verdicts.length, MAP_COLUMNS);
    assert.equal(verdicts[155]![1], "fail");
    assert.equal(verdicts[200]![1], "unverified");
    assert.equal(verdicts[250]![1], "trial");
    assert.equal(verdicts[0]![1], "pass");
    const summary = /<section id="summary"[^>]*>/.exec(html)![0];
    assert.match(summary, /data-metres-pass="29\.500"/);
    assert.match(summary, /data-metres-fail="2\.500"/);
    assert.match(summary, /data-metres-unverified="4\.000"/);
    assert.match(summary, /data-metres-trial="4\.000"/);
    assert.match(summary, /data-yield="0\.737500"/);
  });

  it("header times in the report's time zone with the UTC offset", () => {
    assert.ok(html.includes("2026-03-14 08:00:00 UTC+01:00"), "start in Berlin (CET)");
    assert.ok(html.includes("2026-03-14 09:00:00 UTC+01:00"), "end");
    const summer = renderRollReportHtml(buildRollReport(input({ roll: roll({ startedAt: Date.UTC(2026, 6, 1, 6), endedAt: null }), segments: [] })));
    assert.ok(summer.includes("2026-07-01 08:00:00 UTC+02:00"));
    const utc = renderRollReportHtml(buildRollReport(input({ timeZone: undefined, segments: [] })));
    assert.ok(utc.includes("2026-03-14 07:00:00 UTC+00:00"));
  });

  it("markers, first-out, lab samples (▼ with disposition) and corrections as such", () => {
    assert.ok(html.includes("FIRST-OUT IL-03"));
    assert.ok(html.includes("TRIP IL-08"));
    assert.ok(html.includes("BYPASS IL-05"));
    assert.ok(html.includes("FIRST-OUT IL-02"));
    assert.ok(html.includes("▼ #2 accept"));
    assert.ok(html.includes("▼ #3 reject (out of spec)"));
    assert.ok(!html.includes("▼ #1 "), "a corrected result is not a sample on the map");
    assert.ok(html.includes("corrects #1"));
    assert.ok(html.includes("corrected by #2"));
    assert.match(html, /<tr class="superseded" data-lab-id="1">/);
  });

  it("recipe band on the peak histogram, hold time on the time-in-band one; signatures with meaning", () => {
    assert.ok(html.includes("band 1325–1355 K"));
    assert.ok(html.includes("hold 7.0 s"));
    assert.ok(html.includes("qa.ben — reviewed and approved — "));
    assert.ok(html.includes("TRIAL"));
  });

  it("at most 30 alarm rows and '+K more'", () => {
    const alarms = Array.from({ length: 42 }, (_, i) => ({ at: T0 + i, id: `AL-${i}`, priority: "low", message: "m", state: "cleared" }));
    const out = renderRollReportHtml(buildRollReport(input({ alarms, segments: [] })));
    const section = /<section id="alarms">[\s\S]*?<\/section>/.exec(out)![0];
    assert.equal((section.match(/<tr class="prio-/g) ?? []).length, 30);
    assert.ok(section.includes("+12 more"));
  });
});

/** RFC 4180 reader for the tests. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += ch;
  }
  return rows;
}

describe("segment CSV (segmentCsvLines)", () => {
  it("a header, then one CRLF line per segment with fixed decimals and empty cells for null", () => {
    const lines = [...segmentCsvLines([seg(0, { peakK: 1340.04, exitTempK: null, o2MaxPpm: -0.0001 }), seg(1)])];
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.endsWith("\r\n")));
    const rows = parseCsv(lines.join(""));
    assert.deepEqual(rows[0], [...SEGMENT_CSV_HEADER]);
    assert.equal(SEGMENT_CSV_HEADER.length, 25);
    const row = Object.fromEntries(SEGMENT_CSV_HEADER.map((h, i) => [h, rows[1]![i]]));
    assert.deepEqual(
      [row.index, row.fromM, row.toM, row.verdict, row.peakK, row.timeInBandS, row.exitTempK, row.o2MaxPpm, row.alloy, row.version, row.trial, row.closedAt],
      ["0", "0.000", "0.100", "pass", "1340.0", "7.00", "", "0.0", "BiSb", "2", "false", "2026-03-14T07:00:00.000Z"],
    );
    assert.equal(parseCsv([...segmentCsvLines([seg(0, { recipe: null })])].join(""))[1]![SEGMENT_CSV_HEADER.indexOf("alloy")], "");
  });

  it("RFC 4180 quoting: commas, quotes and line breaks; reasons as 'RULE: message' joined by ' | '", () => {
    const s = seg(3, { reasons: [{ rule: "HTR-PEAK-LOW", message: 'peak "1290, low"\r\nsee log', kind: "fail" }, notGood], trips: ["IL-03", "IL-08"] });
    const line = [...segmentCsvLines([s])][1]!;
    assert.ok(line.includes(`"HTR-PEAK-LOW: peak ""1290, low""\r\nsee log | SIGNAL-NOT-GOOD: htr.web_temp was Bad (comm loss)"`));
    const rows = parseCsv(line);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.length, 25);
    assert.equal(rows[0]![SEGMENT_CSV_HEADER.indexOf("trips")], "IL-03 | IL-08");
  });

  it("formula injection: text cells starting with = + - @ (or tab / CR) get a leading '", () => {
    const s = seg(0, {
      recipe: { alloy: "=HYPERLINK(\"http://x\",\"y\")", version: 1, hash: null, trial: false },
      reasons: [{ rule: "+SUM(A1)", message: "x", kind: "fail" }], trips: ["@cmd"], bypasses: ["-2+3"], criticalAlarms: ["\tA"],
    });
    const row = parseCsv([...segmentCsvLines([s])][1]!)[0]!;
    const cell = (h: string) => row[SEGMENT_CSV_HEADER.indexOf(h)];
    assert.equal(cell("alloy"), `'=HYPERLINK("http://x","y")`);
    assert.equal(cell("reasons"), "'+SUM(A1): x");
    assert.equal(cell("trips"), "'@cmd");
    assert.equal(cell("bypasses"), "'-2+3");
    assert.equal(cell("criticalAlarms"), "'\tA");
  });

  it("lazy: the header comes before any segment is read; each segment is read once as its line is taken", () => {
    let read = 0;
    function* counted() {
      for (let i = 0; i < 100_000; i++) {
        read++;
        yield seg(i);
      }
    }
    const it = segmentCsvLines(counted());
    it.next();
    assert.equal(read, 0);
    it.next();
    it.next();
    assert.equal(read, 2);
  });
});
