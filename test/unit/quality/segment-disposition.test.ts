import assert from "node:assert/strict";
import type { LabDisposition, LabResult } from "../../../src/quality/roll-record.js";
import { dispositionAt, dispositionIndex, resultsInForce } from "../../../src/quality/segment-disposition.js";

function lab(id: number, fromM: number, toM: number, disposition: LabDisposition, corrects: number | null = null, correctedBy: number | null = null): LabResult {
  return {
    id,
    rollId: "L1-20240305-001",
    atM: (fromM + toM) / 2,
    fromM,
    toM,
    particleSizeNm: 15,
    alloyContentPct: null,
    xrdMatch: null,
    betM2g: null,
    note: "",
    disposition,
    specFindings: [],
    inSpec: disposition !== "reject",
    by: "qa",
    at: 1_700_000_000_000 + id * 1000,
    corrects,
    correctedBy,
  };
}

/** Segments of 0.1 m over [fromM, toM), as the tracker's indices make them. */
function segments(fromM: number, toM: number, len = 0.1): [number, number][] {
  const out: [number, number][] = [];
  for (let i = Math.round(fromM / len); (i + 1) * len <= toM + 1e-9; i++) out.push([i * len, (i + 1) * len]);
  return out;
}

describe("dispositionAt", () => {
  it("no lab results, or none overlapping: null", () => {
    assert.equal(dispositionAt([], 0, 0.1), null);
    assert.equal(dispositionAt([lab(1, 10, 10.5, "reject")], 20, 20.1), null);
  });

  it("a result overlapping the stretch gives its disposition; touching is not overlapping", () => {
    const results = [lab(1, 10, 10.5, "reject")];
    assert.deepEqual(dispositionAt(results, 10.4, 10.5), { disposition: "reject", labResultId: 1 });
    assert.deepEqual(dispositionAt(results, 9.95, 10.05), { disposition: "reject", labResultId: 1 }, "partly covered");
    assert.equal(dispositionAt(results, 10.5, 10.6), null, "starts where the result ends");
    assert.equal(dispositionAt(results, 9.9, 10), null, "ends where the result starts");
    // float noise of segment ends: 105 × 0.1 = 10.500000000000002
    assert.equal(dispositionAt(results, 105 * 0.1, 106 * 0.1), null);
  });

  it("of overlapping results in force the newest (highest id) wins", () => {
    const results = [lab(1, 10, 11, "accept"), lab(2, 10.5, 12, "hold"), lab(3, 0, 5, "reject")];
    assert.deepEqual(dispositionAt(results, 10.2, 10.3), { disposition: "accept", labResultId: 1 });
    assert.deepEqual(dispositionAt(results, 10.6, 10.7), { disposition: "hold", labResultId: 2 });
    assert.deepEqual(dispositionAt(results, 9, 13), { disposition: "hold", labResultId: 2 });
    assert.deepEqual(dispositionAt([...results].reverse(), 10.6, 10.7), { disposition: "hold", labResultId: 2 }, "order given does not matter");
  });

  it("a correction replaces the entry it corrects, even where the correction's stretch is narrower", () => {
    const results = [lab(1, 10, 11, "reject", null, 2), lab(2, 10, 10.5, "accept", 1)];
    assert.deepEqual(dispositionAt(results, 10.1, 10.2), { disposition: "accept", labResultId: 2 });
    assert.equal(dispositionAt(results, 10.7, 10.8), null, "the corrected entry is out of force where the correction does not reach");
  });

  it("a chain of corrections leaves only its last entry", () => {
    const results = [lab(1, 10, 11, "reject", null, 2), lab(2, 10, 11, "accept", 1, 3), lab(3, 10, 11, "hold", 2)];
    assert.deepEqual(resultsInForce(results).map((r) => r.id), [3]);
    assert.deepEqual(dispositionAt(results, 10.5, 10.6), { disposition: "hold", labResultId: 3 });
  });

  it("either mark is enough: `corrects` without `correctedBy` filled in, and `correctedBy` alone", () => {
    const unmarked = [lab(1, 10, 11, "reject"), lab(2, 10, 11, "accept", 1)];
    assert.deepEqual(dispositionAt(unmarked, 10.5, 10.6), { disposition: "accept", labResultId: 2 });
    const onlyMarked = [lab(1, 10, 11, "reject", null, 9)];
    assert.equal(dispositionAt(onlyMarked, 10.5, 10.6), null);
  });

  it("a correction older in id than a later result still loses to the later one", () => {
    const results = [lab(1, 10, 11, "reject", null, 2), lab(2, 10, 11, "hold", 1), lab(3, 10.5, 11, "accept")];
    assert.deepEqual(dispositionAt(results, 10.6, 10.7), { disposition: "accept", labResultId: 3 });
    assert.deepEqual(dispositionAt(results, 10.1, 10.2), { disposition: "hold", labResultId: 2 });
  });
});

describe("dispositionIndex", () => {
  const results = [
    lab(1, 10, 11, "reject", null, 4),
    lab(2, 10.5, 12, "hold"),
    lab(3, 30, 30.5, "reject"),
    lab(4, 10, 10.8, "accept", 1),
    lab(5, 11.5, 11.7, "accept"),
    lab(6, 0, 100, "hold", null, 7),
    lab(7, 50, 50.5, "accept", 6),
  ];

  it("answers every 0.1 m segment of a 100 m roll exactly as dispositionAt does", () => {
    const index = dispositionIndex(results);
    let answered = 0;
    for (const [fromM, toM] of segments(0, 100)) {
      assert.deepEqual(index.at(fromM, toM), dispositionAt(results, fromM, toM), `segment ${fromM}–${toM}`);
      answered++;
    }
    assert.equal(answered, 1000);
  });

  it("the dispositions along the roll", () => {
    const index = dispositionIndex(results);
    const at = (fromM: number) => index.at(fromM, fromM + 0.1)?.labResultId ?? null;
    assert.deepEqual([at(5), at(10.1), at(10.6), at(10.9), at(11.55), at(11.8), at(12), at(30.2), at(50.2)], [null, 4, 4, 2, 5, 2, null, 3, 7]);
  });

  it("segments longer than the pieces and a query going back still give the right answer", () => {
    const index = dispositionIndex(results);
    assert.deepEqual(index.at(11, 12), { disposition: "accept", labResultId: 5 });
    assert.deepEqual(index.at(40, 60), { disposition: "accept", labResultId: 7 });
    assert.deepEqual(index.at(10, 10.1), { disposition: "accept", labResultId: 4 }, "back to an earlier metre");
    assert.equal(index.at(12, 30), null);
  });

  it("no lab results: null everywhere", () => {
    const index = dispositionIndex([]);
    assert.equal(index.at(0, 0.1), null);
    assert.equal(index.at(99.9, 100), null);
  });
});
