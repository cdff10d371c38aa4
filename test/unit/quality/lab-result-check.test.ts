import assert from "node:assert/strict";
import {
  ALLOY_TOLERANCE_PCT,
  DEFAULT_SIZE_TOLERANCE_FRACTION,
  type LabResultCheck,
  type ProductSpec,
  checkAgainstSpec,
  checkLabResult,
} from "../../../src/quality/lab-result-check.js";

/** plc-config/recipes/BiSb.yaml's product block. */
const bisb: ProductSpec = {
  particleSizeNm: 14.9,
  particleSizeToleranceNm: 3.0,
  alloyContentPct: 73.7,
  notes: "Paper (HTR): alloy content 73.7 % by TGA (tube furnace 65.6 %); BET 214.4 m²/g",
};
const roll = { lengthM: 100, segmentsRecordedM: 98.2 };
const SPAN = 0.5;

function ok(r: LabResultCheck) {
  if (!r.ok) assert.fail(`expected ok, got problems: ${r.problems.join(" | ")}`);
  return r;
}
function problems(r: LabResultCheck): string[] {
  if (r.ok) assert.fail("expected problems, got ok");
  return r.problems;
}

describe("checkLabResult", () => {
  it("the paper's HTR figures are in spec: accepted, the stretch is the sample metre ± half the span", () => {
    const r = ok(checkLabResult({ atM: 42.0, particleSizeNm: 14.9, alloyContentPct: 73.7, xrdMatch: true, betM2g: 214.4 }, roll, bisb, SPAN));
    assert.equal(r.atM, 42);
    assert.equal(r.fromM, 41.75);
    assert.equal(r.toM, 42.25);
    assert.equal(r.inSpec, true);
    assert.equal(r.checks, 3);
    assert.equal(r.disposition, "accept");
    assert.equal(r.note, "");
    assert.deepEqual(r.specFindings, [
      "particle size 14.9 nm is within 11.9–17.9 nm (14.9 ± 3.0 nm)",
      "alloy content 73.7 % is at least 68.7 % (73.7 − 5 points)",
      "XRD matches the reference pattern",
      "BET surface area 214.4 m²/g: the recipe gives no BET target (not checked)",
    ]);
    assert.deepEqual(
      { p: r.particleSizeNm, a: r.alloyContentPct, x: r.xrdMatch, b: r.betM2g },
      { p: 14.9, a: 73.7, x: true, b: 214.4 },
    );
  });

  it("the tube furnace's figures are out of spec: rejected by default, with the findings in words", () => {
    const r = ok(checkLabResult({ atM: 10, particleSizeNm: 31, alloyContentPct: 65.6, xrdMatch: false }, roll, bisb, SPAN));
    assert.equal(r.inSpec, false);
    assert.equal(r.disposition, "reject");
    assert.deepEqual(r.specFindings, [
      "particle size 31.0 nm is outside 11.9–17.9 nm (14.9 ± 3.0 nm)",
      "alloy content 65.6 % is below 68.7 % (73.7 − 5 points)",
      "XRD does not match the reference pattern",
    ]);
  });

  it("the spec's edges are in spec (target ± tolerance inclusive, target − 5 points)", () => {
    assert.equal(ok(checkLabResult({ atM: 1, particleSizeNm: 17.9 }, roll, bisb, SPAN)).inSpec, true);
    assert.equal(ok(checkLabResult({ atM: 1, particleSizeNm: 11.9 }, roll, bisb, SPAN)).inSpec, true);
    assert.equal(ok(checkLabResult({ atM: 1, particleSizeNm: 17.95 }, roll, bisb, SPAN)).inSpec, false);
    assert.equal(ok(checkLabResult({ atM: 1, alloyContentPct: 73.7 - ALLOY_TOLERANCE_PCT }, roll, bisb, SPAN)).inSpec, true);
    assert.equal(ok(checkLabResult({ atM: 1, alloyContentPct: 68.6 }, roll, bisb, SPAN)).inSpec, false);
    assert.equal(ok(checkLabResult({ atM: 1, alloyContentPct: 95 }, roll, bisb, SPAN)).inSpec, true, "more alloy than the target is not out of spec");
  });

  it("no size tolerance in the recipe: ± 33 % of the target, said so", () => {
    assert.equal(DEFAULT_SIZE_TOLERANCE_FRACTION, 0.33);
    const product: ProductSpec = { particleSizeNm: 20 };
    const inside = ok(checkLabResult({ atM: 5, particleSizeNm: 26.5 }, roll, product, SPAN));
    assert.deepEqual(inside.specFindings, ["particle size 26.5 nm is within 13.4–26.6 nm (20.0 ± 6.6 nm, default ± 33 %)"]);
    const outside = ok(checkLabResult({ atM: 5, particleSizeNm: 27 }, roll, product, SPAN));
    assert.equal(outside.inSpec, false);
    assert.equal(outside.disposition, "reject");
  });

  it("values without a target are recorded, not checked; with nothing checked the default is hold", () => {
    const r = ok(checkLabResult({ atM: 5, particleSizeNm: 16, alloyContentPct: 70, betM2g: 200 }, roll, { notes: "none" }, SPAN));
    assert.equal(r.checks, 0);
    assert.equal(r.inSpec, true);
    assert.equal(r.disposition, "hold");
    assert.deepEqual(r.specFindings, [
      "particle size 16.0 nm: the recipe gives no particle-size target (not checked)",
      "alloy content 70.0 %: the recipe gives no alloy-content target (not checked)",
      "BET surface area 200.0 m²/g: the recipe gives no BET target (not checked)",
    ]);
  });

  it("no product specification at all: said so; an XRD mismatch is still out of spec", () => {
    const r = ok(checkLabResult({ atM: 5, particleSizeNm: 16, xrdMatch: false }, roll, null, SPAN));
    assert.equal(r.inSpec, false);
    assert.equal(r.checks, 1);
    assert.equal(r.disposition, "reject");
    assert.equal(r.specFindings[0], "no product specification (no recipe for this stretch): only the XRD match is checked");
    assert.equal(ok(checkLabResult({ atM: 5, particleSizeNm: 16 }, roll, null, SPAN)).disposition, "hold");
  });

  it("QA's disposition wins; accepting an out-of-spec result needs a note", () => {
    assert.equal(ok(checkLabResult({ atM: 5, particleSizeNm: 14.9, disposition: "hold" }, roll, bisb, SPAN)).disposition, "hold");
    assert.equal(ok(checkLabResult({ atM: 5, particleSizeNm: 14.9, disposition: "reject" }, roll, bisb, SPAN)).disposition, "reject");
    assert.equal(ok(checkLabResult({ atM: 5, particleSizeNm: 31, disposition: "hold" }, roll, bisb, SPAN)).disposition, "hold");
    assert.deepEqual(problems(checkLabResult({ atM: 5, particleSizeNm: 31, disposition: "accept", note: "  " }, roll, bisb, SPAN)), [
      "accepting an out-of-spec result needs a note saying why (particle size 31.0 nm is outside 11.9–17.9 nm (14.9 ± 3.0 nm))",
    ]);
    const accepted = ok(
      checkLabResult({ atM: 5, particleSizeNm: 31, disposition: "accept", note: "customer accepts coarser particles for this lot" }, roll, bisb, SPAN),
    );
    assert.equal(accepted.disposition, "accept");
    assert.equal(accepted.inSpec, false);
    assert.equal(accepted.note, "customer accepts coarser particles for this lot");
  });

  it("a given stretch is kept when it is inside the roll and contains the sample metre", () => {
    const r = ok(checkLabResult({ atM: 20, fromM: 15, toM: 25, particleSizeNm: 15 }, roll, bisb, SPAN));
    assert.deepEqual([r.fromM, r.toM], [15, 25]);
    const edge = ok(checkLabResult({ atM: 25, fromM: 15, toM: 25, particleSizeNm: 15 }, roll, bisb, SPAN));
    assert.deepEqual([edge.fromM, edge.toM], [15, 25]);
  });

  it("the default stretch is clipped to the roll at both ends", () => {
    const start = ok(checkLabResult({ atM: 0.1, particleSizeNm: 15 }, roll, bisb, SPAN));
    assert.deepEqual([start.fromM, start.toM], [0, 0.35]);
    const end = ok(checkLabResult({ atM: 98, particleSizeNm: 15 }, { lengthM: 98.1, segmentsRecordedM: 98.1 }, bisb, SPAN));
    assert.deepEqual([end.fromM, end.toM], [97.75, 98.1]);
  });

  it("the sample metre: missing, not a number, outside the roll, not yet out of the line", () => {
    assert.deepEqual(problems(checkLabResult({ particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "sample metre (atM) is missing: give the roll metre where the sample was cut",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: "12", particleSizeNm: 15 }, roll, bisb, SPAN)), ['sample metre (atM) must be a number, found "12"']);
    assert.deepEqual(problems(checkLabResult({ atM: Number.NaN, particleSizeNm: 15 }, roll, bisb, SPAN)), ["sample metre (atM) must be a number, found NaN"]);
    assert.deepEqual(problems(checkLabResult({ atM: -1, particleSizeNm: 15 }, roll, bisb, SPAN)), ["sample metre -1 m is outside the roll (0–100 m)"]);
    assert.deepEqual(problems(checkLabResult({ atM: 120, particleSizeNm: 15 }, roll, bisb, SPAN)), ["sample metre 120 m is outside the roll (0–100 m)"]);
    assert.deepEqual(problems(checkLabResult({ atM: 99, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "sample metre 99 m has not left the line yet (segments are recorded up to 98.2 m): a sample cannot have been cut there",
    ]);
  });

  it("the stretch: one end only, not numbers, outside the roll, reversed, not containing the sample", () => {
    assert.deepEqual(problems(checkLabResult({ atM: 20, fromM: 15, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "give both ends of the stretch (fromM and toM) or neither; only fromM was given",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 20, toM: 25, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "give both ends of the stretch (fromM and toM) or neither; only toM was given",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 20, fromM: "a", toM: true, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      'stretch start (fromM) must be a number, found "a"',
      "stretch end (toM) must be a number, found boolean",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 20, fromM: -2, toM: 130, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "stretch start -2 m is outside the roll (0–100 m)",
      "stretch end 130 m is outside the roll (0–100 m)",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 20, fromM: 25, toM: 15, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "stretch start 25 m must be before its end 15 m",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 20, fromM: 21, toM: 25, particleSizeNm: 15 }, roll, bisb, SPAN)), [
      "the stretch 21 m–25 m does not contain the sample metre 20 m",
    ]);
  });

  it("a sample span that is not a positive length, and an empty roll", () => {
    assert.deepEqual(problems(checkLabResult({ atM: 20, particleSizeNm: 15 }, roll, bisb, 0)), [
      "the configured sample span 0 m is not a positive length: give fromM and toM",
    ]);
    assert.equal(ok(checkLabResult({ atM: 20, fromM: 19, toM: 21, particleSizeNm: 15 }, roll, bisb, 0)).fromM, 19, "a given stretch needs no span");
    assert.deepEqual(problems(checkLabResult({ atM: 0, particleSizeNm: 15 }, { lengthM: 0, segmentsRecordedM: 0 }, bisb, SPAN)), [
      "the stretch around 0 m is empty (the roll is 0 m long)",
    ]);
  });

  it("the measured values: types and ranges, each with the value and the range", () => {
    const bad = problems(
      checkLabResult({ atM: 5, particleSizeNm: 0, alloyContentPct: 100.5, betM2g: -1, xrdMatch: "yes" }, roll, bisb, SPAN),
    );
    assert.deepEqual(bad, [
      "particle size 0 nm is outside the allowed range: above 0 and below 10000 nm",
      "alloy content 100.5 % is outside the allowed range 0–100 %",
      "BET surface area -1 m²/g is outside the allowed range: 0 or more and below 5000 m²/g",
      'XRD match must be true or false, found "yes"',
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 5, particleSizeNm: 10_000, alloyContentPct: -0.1, betM2g: 5000 }, roll, bisb, SPAN)), [
      "particle size 10000 nm is outside the allowed range: above 0 and below 10000 nm",
      "alloy content -0.1 % is outside the allowed range 0–100 %",
      "BET surface area 5000 m²/g is outside the allowed range: 0 or more and below 5000 m²/g",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 5, particleSizeNm: "15", alloyContentPct: [1], betM2g: Infinity }, roll, bisb, SPAN)), [
      'particle size (nm) must be a number, found "15"',
      "alloy content (%) must be a number, found a list",
      "BET surface area (m²/g) must be a number, found Infinity",
    ]);
  });

  it("at least one measured value; nulls are not measured", () => {
    const none = "no measured value: give at least one of particle size, alloy content, XRD match, BET surface area";
    assert.deepEqual(problems(checkLabResult({ atM: 5 }, roll, bisb, SPAN)), [none]);
    assert.deepEqual(problems(checkLabResult({ atM: 5, particleSizeNm: null, alloyContentPct: null, xrdMatch: null, betM2g: null }, roll, bisb, SPAN)), [none]);
    const xrdOnly = ok(checkLabResult({ atM: 5, xrdMatch: true, particleSizeNm: null }, roll, bisb, SPAN));
    assert.deepEqual([xrdOnly.particleSizeNm, xrdOnly.alloyContentPct, xrdOnly.betM2g, xrdOnly.xrdMatch], [null, null, null, true]);
  });

  it("the note: text of at most 2000 characters", () => {
    assert.equal(ok(checkLabResult({ atM: 5, xrdMatch: true, note: "x".repeat(2000) }, roll, bisb, SPAN)).note.length, 2000);
    assert.deepEqual(problems(checkLabResult({ atM: 5, xrdMatch: true, note: "x".repeat(2001) }, roll, bisb, SPAN)), [
      "note is 2001 characters long: at most 2000",
    ]);
    assert.deepEqual(problems(checkLabResult({ atM: 5, xrdMatch: true, note: 42 }, roll, bisb, SPAN)), ["note must be text, found 42"]);
  });

  it("the disposition must be accept, hold or reject", () => {
    assert.deepEqual(problems(checkLabResult({ atM: 5, xrdMatch: true, disposition: "scrap" }, roll, bisb, SPAN)), [
      'disposition must be one of accept, hold, reject, found "scrap"',
    ]);
    assert.equal(ok(checkLabResult({ atM: 5, xrdMatch: true, disposition: "" }, roll, bisb, SPAN)).disposition, "accept", "empty: the default");
  });

  it("every problem at once", () => {
    const all = problems(
      checkLabResult(
        { atM: 200, fromM: 5, particleSizeNm: -3, alloyContentPct: 101, note: "x".repeat(2500), disposition: "maybe" },
        roll,
        bisb,
        SPAN,
      ),
    );
    assert.equal(all.length, 6, all.join(" | "));
    assert.ok(all.some((p) => p.startsWith("sample metre 200 m is outside")));
    assert.ok(all.some((p) => p.startsWith("give both ends")));
    assert.ok(all.some((p) => p.startsWith("particle size -3 nm")));
    assert.ok(all.some((p) => p.startsWith("alloy content 101 %")));
    assert.ok(all.some((p) => p.startsWith("note is 2500 characters")));
    assert.ok(all.some((p) => p.startsWith("disposition must be one of")));
  });
});

describe("checkAgainstSpec", () => {
  it("lists the out-of-spec findings apart and counts the checks", () => {
    const s = checkAgainstSpec({ particleSizeNm: 15, alloyContentPct: 60, xrdMatch: true, betM2g: null }, bisb);
    assert.equal(s.checks, 3);
    assert.deepEqual(s.outOfSpec, ["alloy content 60.0 % is below 68.7 % (73.7 − 5 points)"]);
    assert.equal(s.findings.length, 3);
  });
});
