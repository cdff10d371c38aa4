import assert from "node:assert/strict";
import fc from "fast-check";
import { RESET_THRESHOLD_M, WebOdometer } from "../../../src/quality/web-odometer.js";

const T0 = 1_767_225_600_000;

describe("quality: web odometer", () => {
  it("counts forward travel from the first reading; stops add nothing", () => {
    const odo = new WebOdometer();
    assert.deepEqual(odo.update(T0, 12.5), { travelM: 0, reset: false });
    const moved = odo.update(T0 + 50, 12.52);
    assert.equal(moved.reset, false);
    assert.ok(Math.abs(moved.travelM - 0.02) < 1e-12);
    assert.equal(odo.update(T0 + 100, 12.52).travelM, moved.travelM);
    odo.update(T0 + 150, 13.0);
    assert.ok(Math.abs(odo.travel() - 0.5) < 1e-12);
  });

  it("ignores backward jitter below the threshold and does not count it twice when the reading comes back", () => {
    const odo = new WebOdometer();
    odo.update(T0, 1.0);
    odo.update(T0 + 50, 1.1);
    const back = odo.update(T0 + 100, 1.1 - (RESET_THRESHOLD_M - 0.001));
    assert.equal(back.reset, false);
    assert.ok(Math.abs(back.travelM - 0.1) < 1e-12);
    // back to 1.1, then on to 1.102: only the 2 mm beyond the highest reading count
    assert.ok(Math.abs(odo.update(T0 + 150, 1.1).travelM - 0.1) < 1e-12);
    assert.ok(Math.abs(odo.update(T0 + 200, 1.102).travelM - 0.102) < 1e-12);
  });

  it("a larger backward jump is an encoder reset: travel continues from where it was", () => {
    const odo = new WebOdometer();
    odo.update(T0, 100.0);
    odo.update(T0 + 50, 100.3);
    const r = odo.update(T0 + 100, 0.0);
    assert.equal(r.reset, true);
    assert.ok(Math.abs(r.travelM - 0.3) < 1e-9);
    assert.ok(Math.abs(odo.update(T0 + 150, 0.04).travelM - 0.34) < 1e-9);
    // exactly the threshold back is a reset too
    const odo2 = new WebOdometer();
    odo2.update(T0, 1);
    assert.equal(odo2.update(T0 + 50, 1 - RESET_THRESHOLD_M).reset, true);
  });

  it("ignores a non-finite reading", () => {
    const odo = new WebOdometer();
    odo.update(T0, 5);
    assert.deepEqual(odo.update(T0 + 50, Number.NaN), { travelM: 0, reset: false });
    assert.ok(Math.abs(odo.update(T0 + 100, 5.01).travelM - 0.01) < 1e-12);
  });

  it("snapshot → JSON → restore continues exactly where it was", () => {
    const odo = new WebOdometer();
    odo.update(T0, 3);
    odo.update(T0 + 50, 3.25);
    const snap = JSON.parse(JSON.stringify(odo.snapshot()));
    assert.deepEqual(snap, { travelM: 0.25, encoderM: 3.25, at: T0 + 50 });
    const again = new WebOdometer();
    again.restore(snap);
    const r = again.update(T0 + 100, 3.3);
    assert.equal(r.reset, false);
    assert.ok(Math.abs(r.travelM - 0.3) < 1e-12);
  });

  it("property: travel never decreases and equals the sum of the forward steps (jitter and resets add nothing)", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("move" as const), m: fc.double({ min: 0, max: 0.2, noNaN: true }) }),
      fc.record({ kind: fc.constant("jitter" as const), m: fc.double({ min: 0, max: RESET_THRESHOLD_M * 0.9, noNaN: true }) }),
      fc.record({ kind: fc.constant("reset" as const), to: fc.double({ min: 0, max: 10, noNaN: true }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const odo = new WebOdometer();
        let encoder = 5;
        let expected = 0;
        let last = 0;
        let t = T0;
        odo.update(t, encoder);
        for (const s of steps) {
          t += 50;
          let reading = encoder;
          if (s.kind === "move") {
            encoder += s.m;
            expected += s.m;
            reading = encoder;
          } else if (s.kind === "jitter") {
            reading = encoder - s.m;
          } else if (encoder - s.to >= RESET_THRESHOLD_M) {
            encoder = s.to;
            reading = encoder;
          }
          const r = odo.update(t, reading);
          assert.ok(r.travelM >= last);
          last = r.travelM;
        }
        assert.ok(Math.abs(odo.travel() - expected) < 1e-9, `${odo.travel()} ≠ ${expected}`);
      }),
      { numRuns: 200 },
    );
  });
});
