import assert from "node:assert/strict";
import { MAX_PIECES, type SplitPlan, planSplit } from "../../../src/quality/roll-split-plan.js";

const ended = { state: "ended" as const, lengthM: 100.05, segmentsRecordedM: 99.8, segmentLengthM: 0.1 };

function problems(plan: SplitPlan): string[] {
  if (plan.ok) assert.fail(`expected problems, got pieces ${JSON.stringify(plan.pieces)}`);
  return plan.problems;
}

describe("planSplit", () => {
  it("cuts on segment boundaries of an ended roll give the pieces in order, the last to the roll's end", () => {
    const plan = planSplit([60, 25.3], ended);
    assert.ok(plan.ok);
    assert.deepEqual(plan.pieces, [
      { fromM: 0, toM: 25.3 },
      { fromM: 25.3, toM: 60 },
      { fromM: 60, toM: 100.05 },
    ]);
  });

  it("a cut within 1e-6 m of a boundary is on it and snapped to it (no float noise)", () => {
    const plan = planSplit([0.30000000000000004, 12.3000004], ended);
    assert.ok(plan.ok);
    assert.deepEqual(plan.pieces.map((p) => p.toM), [0.3, 12.3, 100.05]);
  });

  it("a cut inside a segment: which segment and the nearest boundaries", () => {
    assert.deepEqual(problems(planSplit([12.34], ended)), ["cut at 12.34 m falls inside segment 123 (12.3 m–12.4 m): cut at 12.3 m or 12.4 m"]);
    assert.deepEqual(problems(planSplit([0.05], ended)), ["cut at 0.05 m falls inside segment 0 (0 m–0.1 m): cut at 0 m or 0.1 m"]);
  });

  it("a cut not strictly inside the roll", () => {
    assert.deepEqual(problems(planSplit([0], ended)), ["cut at 0 m is not inside the roll: it must be above 0 m and below its end at 100.05 m"]);
    assert.deepEqual(problems(planSplit([-0.5], ended)), ["cut at -0.5 m is not inside the roll: it must be above 0 m and below its end at 100.05 m"]);
    assert.deepEqual(problems(planSplit([100.05], ended))[0], "cut at 100.05 m is not inside the roll: it must be above 0 m and below its end at 100.05 m");
    assert.deepEqual(problems(planSplit([120], ended)), ["cut at 120 m is not inside the roll: it must be above 0 m and below its end at 100.05 m"]);
  });

  it("a cut beyond the recorded segments is across an open segment; at the recorded edge it is fine", () => {
    assert.deepEqual(problems(planSplit([99.9], ended)), [
      "cut at 99.9 m is across an open segment: segments are recorded up to 99.8 m only (the record there is not closed yet)",
    ]);
    const edge = planSplit([99.8], ended);
    assert.ok(edge.ok);
    assert.deepEqual(edge.pieces.map((p) => [p.fromM, p.toM]), [[0, 99.8], [99.8, 100.05]]);
  });

  it("the same cut twice is a problem, said once", () => {
    assert.deepEqual(problems(planSplit([50, 20, 50, 50.0000001], ended)), [
      "cut at 50 m is given twice: each cut once (the same cut twice would make an empty piece)",
    ]);
  });

  it("at least one cut, at most 25 pieces", () => {
    assert.deepEqual(problems(planSplit([], ended)), ["no cut given: give at least one metre to cut the roll at"]);
    const many = Array.from({ length: MAX_PIECES }, (_, i) => (i + 1) * 2);
    assert.deepEqual(problems(planSplit(many, ended)), ["25 cuts make 26 pieces: at most 25 pieces (24 cuts)"]);
    const most = planSplit(many.slice(0, MAX_PIECES - 1), ended);
    assert.ok(most.ok);
    assert.equal(most.pieces.length, MAX_PIECES);
  });

  it("an open roll cannot be split yet; a split one not again", () => {
    assert.deepEqual(problems(planSplit([50], { ...ended, state: "open" })), [
      "roll is still being made; its segments beyond 99.8 m are open — split it after it ends",
    ]);
    assert.deepEqual(problems(planSplit([50], { ...ended, state: "split" })), ["roll is already split: split one of its children instead"]);
  });

  it("a cut that is not a number, and roll figures that leave nothing to split", () => {
    assert.deepEqual(problems(planSplit([Number.NaN], ended)), ["cut NaN is not a metre (a number)"]);
    assert.deepEqual(problems(planSplit([5], { ...ended, segmentLengthM: 0 })), ["segment length 0 m is not a positive length"]);
    assert.deepEqual(problems(planSplit([5], { ...ended, lengthM: 0, segmentsRecordedM: 0 })), [
      "roll length 0 m leaves nothing to split",
      "cut at 5 m is not inside the roll: it must be above 0 m and below its end at 0 m",
    ]);
  });

  it("every problem at once", () => {
    const all = problems(planSplit([12.34, 0, 99.9, 40, 40], { ...ended, state: "open" }));
    assert.deepEqual(all, [
      "roll is still being made; its segments beyond 99.8 m are open — split it after it ends",
      "cut at 12.34 m falls inside segment 123 (12.3 m–12.4 m): cut at 12.3 m or 12.4 m",
      "cut at 0 m is not inside the roll: it must be above 0 m and below its end at 100.05 m",
      "cut at 99.9 m is across an open segment: segments are recorded up to 99.8 m only (the record there is not closed yet)",
      "cut at 40 m is given twice: each cut once (the same cut twice would make an empty piece)",
    ]);
  });
});
