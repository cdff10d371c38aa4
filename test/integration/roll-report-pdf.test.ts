/**
 * The roll report printed by the real Chromium (Debian's /usr/bin/chromium, src/stores/report-pdf-printer.ts)
 * and read back by an independent tool, poppler (pdfinfo, pdftoppm): one A4-landscape page that is not blank.
 * The PDF and page 1 rasterised are kept in test-artifacts/roll-report/ for a person to look at.
 * `node scripts/ensure-deps.mjs --test` installs chromium and poppler-utils.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { LabResult, Roll } from "../../src/quality/roll-record.js";
import { renderRollReportHtml } from "../../src/quality/roll-report-html.js";
import { buildRollReport, type RollReportAlarm } from "../../src/quality/roll-report-model.js";
import type { SegmentReason, SegmentRecord } from "../../src/quality/segment-record.js";
import { pdfAvailable, printPdf } from "../../src/stores/report-pdf-printer.js";

const ARTIFACTS = resolve("test-artifacts", "roll-report");
const PDFTOPPM = "/usr/bin/pdftoppm";
const PDFINFO = "/usr/bin/pdfinfo";
const T0 = Date.UTC(2026, 2, 14, 6, 12, 5);
const ROLL_ID = "L1-20260314-002";

/** A deterministic 1 200 m roll (12 000 segments): noise on the peak, a trip, a bypass, an unverified and a trial stretch. */
function* realisticRoll(): Generator<SegmentRecord> {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const low: SegmentReason = { rule: "HTR-PEAK-LOW", message: "peak 1318.2 K is below 1325 K (1340 − 15 K)", kind: "fail" };
  const band: SegmentReason = { rule: "HTR-TIME-IN-BAND", message: "5.9 s in band, 7.0 s needed", kind: "fail" };
  const rinse: SegmentReason = { rule: "RINSE-CONDUCTIVITY", message: "effluent 212 µS/cm above the 150 µS/cm endpoint", kind: "fail" };
  const bad: SegmentReason = { rule: "SIGNAL-NOT-GOOD", message: "htr.web_temp was Bad: pyrometer comm loss", kind: "unverified" };
  for (let i = 0; i < 12_000; i++) {
    const m = i / 10;
    let peakK: number | null = 1340 + (rnd() - 0.5) * 14 + (rnd() < 0.01 ? -25 : 0);
    let timeInBandS: number | null = 7.05 + (rnd() - 0.5) * 0.3 - (rnd() < 0.004 ? 1.2 : 0);
    const reasons: SegmentReason[] = [];
    const trips = m >= 402 && m < 405.5 ? ["IL-05", "IL-08"] : m >= 980 && m < 981 ? ["IL-02"] : [];
    const bypasses = m >= 610 && m < 640 ? ["IL-05"] : [];
    if (trips.length > 0) (peakK = 1000 + rnd() * 300), (timeInBandS = rnd() * 3);
    if (m >= 700 && m < 716) (peakK = null), (timeInBandS = null), reasons.push(bad);
    if (peakK !== null && peakK < 1325) reasons.push(low);
    if (timeInBandS !== null && timeInBandS < 6.8) reasons.push(band);
    if (m >= 1100 && m < 1104) reasons.push(rinse);
    const trial = m >= 820 && m < 880;
    const verdict = reasons.some((r) => r.kind === "fail") ? "fail" : reasons.length > 0 ? "unverified" : trial ? "trial" : "pass";
    yield {
      rollId: ROLL_ID, index: i, fromM: m, toM: (i + 1) / 10, verdict, reasons, passages: {}, peakK, timeInBandS, maxHeatingKps: 1080, maxCoolingKps: 960,
      o2MaxPpm: 9, arMinLpm: 40, pulses: 0, partialPulses: 0, quenchGasMinLpm: 120, coolantMinLpm: 8, exitTempK: 331, exitConductivityUsCm: 60,
      arealLoadingMgCm2: 2.5, recipe: { alloy: "BiSb", version: trial ? 4 : 3, hash: trial ? "c0ffee1234abcd" : "9f2c1e0a7b3d5e6f", trial },
      bypasses, trips, criticalAlarms: trips.length > 0 ? ["AL-IL-05"] : [], signals: {}, closedAt: T0 + i * 2_300,
    };
  }
}

function lab(id: number, atM: number, over: Partial<LabResult> = {}): LabResult {
  return {
    id, rollId: ROLL_ID, atM, fromM: atM - 0.5, toM: atM + 0.5, particleSizeNm: 14.9, alloyContentPct: 73.7, xrdMatch: true, betM2g: 214, note: "",
    disposition: "accept", specFindings: [], inSpec: true, by: "qa.ben", at: T0 + 30_000_000, corrects: null, correctedBy: null, ...over,
  };
}

function report(): string {
  const roll: Roll = {
    id: ROLL_ID, line: "L1", state: "ended", lot: "PRE-BiSb-2026-031 <batch 2>", startedAt: T0, endedAt: T0 + 27_700_000, lengthM: 1200, segmentsRecorded: 12_000,
    recipes: [], counts: { pass: 0, fail: 0, unverified: 0, trial: 0 }, parent: null, children: [], startedBy: "op.anna",
  };
  const alarms: RollReportAlarm[] = Array.from({ length: 38 }, (_, i) => ({
    at: T0 + i * 700_000, id: ["AL-HTR-TEMP-DEV", "AL-O2-H", "AL-IL-05", "AL-RINSE-COND-H"][i % 4]!, priority: ["medium", "high", "critical", "low"][i % 4]!,
    message: ["Web temperature deviates from the recipe peak by more than 15 K", "O₂ high in the argon chamber (62 ppm)", "IL-05 quench gas flow low while heating: heater off", "Rinse effluent conductivity high"][i % 4]!,
    state: i < 36 ? "cleared" : "active-unacked",
  }));
  const r = buildRollReport({
    roll, line: { id: "L1", name: "HTR line 1" }, segments: realisticRoll(), generatedAt: T0 + 29_000_000, generatedBy: "qa.ben", timeZone: "Europe/Berlin", alarms,
    recipeVersions: [
      { alloy: "BiSb", version: 3, hash: "9f2c1e0a7b3d5e6f", trial: false, fromM: 0, toM: 820, approvedBy: "qa.ben", approvedAt: T0 - 86_400_000, submittedBy: "eng.carl",
        signatures: [{ name: "eng.carl", meaning: "authored", time: T0 - 90_000_000 }, { name: "qa.ben", meaning: "reviewed and approved", time: T0 - 86_400_000 }], band: { peakK: 1340, toleranceK: 15, holdS: 7 } },
      { alloy: "BiSb", version: 4, hash: "c0ffee1234abcd", trial: true, fromM: 820, toM: 880, approvedBy: null, approvedAt: null, submittedBy: "eng.carl",
        signatures: [{ name: "eng.carl", meaning: "authored", time: T0 - 3_600_000 }], band: { peakK: 1360, toleranceK: 15, holdS: 7 } },
      { alloy: "BiSb", version: 3, hash: "9f2c1e0a7b3d5e6f", trial: false, fromM: 880, toM: null, approvedBy: "qa.ben", approvedAt: T0 - 86_400_000, signatures: [], band: { peakK: 1340, toleranceK: 15, holdS: 7 } },
    ],
    labResults: [
      lab(11, 100), lab(12, 404, { disposition: "reject", inSpec: false, particleSizeNm: 41.3, specFindings: ["particle size 41.3 nm above 25 nm"], note: "coarse: trip IL-05" }),
      lab(13, 600, { note: "<script>alert('note')</script> typed by QA", correctedBy: 14, alloyContentPct: 61.2 }),
      lab(14, 600, { corrects: 13, alloyContentPct: 72.9, note: "TGA re-run: wrong crucible weight in #13" }), lab(15, 850, { disposition: "hold", note: "trial version v4" }),
      lab(16, 1150),
    ],
  });
  return renderRollReportHtml(r);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
  assert.equal(png.subarray(12, 16).toString("latin1"), "IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function rasterise(pdf: Buffer, name: string, dpi: number): Buffer {
  const pdfFile = join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(pdfFile, pdf);
  execFileSync(PDFTOPPM, ["-png", "-r", String(dpi), "-f", "1", "-l", "1", "-singlefile", pdfFile, join(ARTIFACTS, `${name}-p1-r${dpi}`)], { timeout: 30_000 });
  return readFileSync(join(ARTIFACTS, `${name}-p1-r${dpi}.png`));
}

const leftovers = () => readdirSync(tmpdir()).filter((d) => d.startsWith("roll-report-pdf-"));

describe("roll report PDF (headless Chromium → poppler)", function () {
  this.timeout(120_000);

  before(() => {
    assert.ok(pdfAvailable(), "Chromium is missing: node scripts/ensure-deps.mjs --test installs it");
    assert.ok(existsSync(PDFTOPPM) && existsSync(PDFINFO), "poppler-utils is missing: node scripts/ensure-deps.mjs --test installs it");
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  it("prints the report as one A4-landscape page that is far from blank (test-artifacts/roll-report/)", async () => {
    const html = report();
    writeFileSync(join(ARTIFACTS, "roll-report.html"), html);
    const pdf = await printPdf(html);
    assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.equal((pdf.toString("latin1").match(/\/Type\s*\/Page\b(?!s)/g) ?? []).length, 1, "one /Type /Page object");
    writeFileSync(join(ARTIFACTS, "roll-report.pdf"), pdf);
    const info = execFileSync(PDFINFO, [join(ARTIFACTS, "roll-report.pdf")], { encoding: "utf8" });
    assert.match(info, /^Pages:\s+1$/m);
    const [w, h] = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info)!.slice(1).map(Number);
    assert.ok(Math.abs(w! - 841.9) < 2 && Math.abs(h! - 595.3) < 2, `A4 landscape, got ${w} × ${h} pt`);

    const png = rasterise(pdf, "roll-report", 50);
    const size = pngSize(png);
    assert.ok(Math.abs(size.width - 585) <= 2 && Math.abs(size.height - 414) <= 2, `50 dpi A4 landscape, got ${size.width} × ${size.height}`);
    rasterise(pdf, "roll-report", 110); // for a person to read

    const blank = rasterise(await printPdf("<!doctype html><style>@page { size: A4 landscape; margin: 10mm }</style><p></p>"), "blank", 50);
    assert.deepEqual(pngSize(blank), size);
    assert.ok(png.length > 8 * blank.length, `report page ${png.length} B, a blank page ${blank.length} B`);
    assert.deepEqual(leftovers(), [], "temp directories removed");
  });

  it("without Chromium: a plain error that PDF needs it and the HTML report works without it; nothing left behind", async () => {
    const missing = join(tmpdir(), "no-such-chromium");
    assert.equal(pdfAvailable({ chromiumPath: missing }), false);
    await assert.rejects(printPdf("<p>x</p>", { chromiumPath: missing }), (err: Error) => {
      assert.match(err.message, /PDF needs Chromium/);
      assert.match(err.message, /apt-get install chromium/);
      assert.match(err.message, /CHROMIUM_PATH/);
      assert.match(err.message, /HTML report works without it/);
      return true;
    });
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = missing;
    try {
      assert.equal(pdfAvailable(), false);
      await assert.rejects(printPdf("<p>x</p>"), /PDF needs Chromium/);
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
    assert.deepEqual(leftovers(), []);
  });

  it("a Chromium that hangs is killed at the timeout, and the temp directory is still removed", async () => {
    const hang = join(tmpdir(), "hanging-chromium.sh");
    writeFileSync(hang, "#!/bin/sh\nexec sleep 30\n");
    chmodSync(hang, 0o755);
    const started = Date.now();
    await assert.rejects(printPdf("<p>x</p>", { chromiumPath: hang, timeoutMs: 500 }), /did not finish within 500 ms/);
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(leftovers(), []);
  });
});
