import assert from "node:assert/strict";
import type { LineStateEntry } from "../../../src/quality/roll-record.js";
import { DEFAULT_SHIFTS, checkShifts, computeOee, shiftWindows } from "../../../src/quality/oee.js";

const MIN = 60_000;
const H = 60 * MIN;
/** 2024-03-05 06:00 UTC. */
const T0 = Date.UTC(2024, 2, 5, 6, 0, 0);

function entry(atMin: number, state: string, stopReason: string | null = null, firstOut: string | null = null): LineStateEntry {
  return { at: T0 + atMin * MIN, state, from: null, stopReason, firstOut, rollId: null };
}

/**
 * An 8 h shift: Stopped since before the window at first start (no stop reason) for 80 min, Execute 2 h,
 * an IL-07 trip of 30 min (25 min with IL-07 first out, 5 min of reset and restart after it was cleared),
 * Execute 2 h, a 10 min operator hold, Execute 2 h.
 */
const shift: LineStateEntry[] = [
  entry(-60, "Stopped"),
  entry(80, "Execute", null),
  entry(200, "Aborting", "trip", "IL-07"),
  entry(202, "Aborted", "trip", "IL-07"),
  entry(220, "Clearing", "trip", "IL-07"),
  entry(222, "Stopped", "trip", "IL-07"),
  entry(225, "Resetting", "trip"),
  entry(226, "Idle", "trip"),
  entry(227, "Starting", "trip"),
  entry(230, "Execute", "trip"),
  entry(350, "Holding", "operator-hold"),
  entry(352, "Held", "operator-hold"),
  entry(359, "Unholding", "operator-hold"),
  entry(360, "Execute", "operator-hold"),
];

describe("computeOee", () => {
  const base = { from: T0, to: T0 + 8 * H, states: shift, metresMade: 324, passMetres: 307.8, processedMetres: 324, designSpeedMpm: 1.0 };

  it("an 8 h shift with 6 h Execute, a 30 min trip, a 10 min hold and 80 min unplanned first start", () => {
    const r = computeOee(base);
    assert.equal(r.executeMs, 6 * H);
    assert.equal(r.plannedMs, 400 * MIN, "480 min − 80 min Stopped at first start");
    assert.equal(r.downtimeMs, 40 * MIN);
    assert.equal(r.unknownMs, 0);
    assert.equal(r.availability, 0.9); // 360 / 400
    assert.ok(Math.abs(r.performance! - 0.9) < 1e-12); // 324 m / (1.0 m/min × 360 min)
    assert.ok(Math.abs(r.quality! - 0.95) < 1e-12); // 307.8 / 324
    assert.ok(Math.abs(r.oee! - 0.9 * 0.9 * 0.95) < 1e-12);
    assert.ok(Math.abs(r.oee! - 0.7695) < 1e-12);
  });

  it("time in state covers the whole window, only the states seen", () => {
    const r = computeOee(base);
    assert.deepEqual(r.timeInState, {
      Stopped: 83 * MIN, // 80 unplanned + 3 after the trip
      Execute: 360 * MIN,
      Aborting: 2 * MIN,
      Aborted: 18 * MIN,
      Clearing: 2 * MIN,
      Resetting: 1 * MIN,
      Idle: 1 * MIN,
      Starting: 3 * MIN,
      Holding: 2 * MIN,
      Held: 7 * MIN,
      Unholding: 1 * MIN,
    });
    const sum = Object.values(r.timeInState).reduce((a, b) => a + b, 0);
    assert.equal(sum, 8 * H);
  });

  it("the downtime Pareto: first-out interlock, else stop reason, longest first, one occurrence per stoppage", () => {
    const r = computeOee(base);
    assert.deepEqual(
      r.downtime.map((d) => [d.cause, d.ms / MIN, d.count]),
      [
        ["IL-07", 25, 1],
        ["operator-hold", 10, 1],
        ["trip", 5, 1],
      ],
    );
    assert.deepEqual(r.downtime[0]!.states, ["Aborting", "Aborted", "Clearing", "Stopped"]);
    assert.deepEqual(r.downtime[2]!.states, ["Resetting", "Idle", "Starting"]);
    assert.equal(r.downtime[0]!.share, 25 / 40);
    assert.equal(r.downtime[1]!.share, 10 / 40);
    const shares = r.downtime.reduce((a, d) => a + d.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-12);
  });

  it("without a first-out or stop reason the cause is the state; repeated stoppages are counted", () => {
    const states = [
      entry(0, "Starting"),
      entry(5, "Execute"),
      entry(60, "Suspending", "starved"),
      entry(61, "Suspended", "starved"),
      entry(70, "Execute", "starved"),
      entry(100, "Suspended", "starved"),
      entry(105, "Execute", "starved"),
    ];
    const r = computeOee({ ...base, from: T0, to: T0 + 2 * H, states });
    assert.deepEqual(
      r.downtime.map((d) => [d.cause, d.ms / MIN, d.count]),
      [
        ["starved", 15, 2],
        ["Starting", 5, 1],
      ],
    );
    assert.equal(r.plannedMs, 2 * H, "nothing unplanned: Starting with no stop reason is planned");
    assert.equal(r.executeMs, 100 * MIN);
  });

  it("Stopped or Idle after an operator's stop is unplanned; after a trip, an abort, a restart or a roll end it is downtime", () => {
    const states = [
      entry(0, "Execute"),
      entry(60, "Stopping", "operator-stop"),
      entry(70, "Stopped", "operator-stop"),
      entry(100, "Idle", "operator-stop"),
      entry(110, "Idle", "target-reached"),
      entry(130, "Stopped", "restart"),
      entry(150, "Stopped", "operator-abort"),
      entry(170, "Idle", "trip"),
    ];
    const r = computeOee({ ...base, from: T0, to: T0 + 3 * H, states });
    assert.equal(r.executeMs, 60 * MIN);
    // unplanned: Stopped 70–100 and Idle 100–110 (operator-stop) = 40 min; Stopping is planned.
    assert.equal(r.plannedMs, 140 * MIN);
    assert.equal(r.availability, 60 / 140);
    assert.deepEqual(
      r.downtime.map((d) => [d.cause, d.ms / MIN]),
      [
        ["operator-abort", 20],
        ["restart", 20],
        ["target-reached", 20],
        ["operator-stop", 10],
        ["trip", 10],
      ],
    );
  });

  it("a window inside intervals: the entry before `from` opens it, the last one runs to `to`", () => {
    const r = computeOee({ ...base, from: T0 + 100 * MIN, to: T0 + 210 * MIN });
    assert.equal(r.executeMs, 100 * MIN); // 100–200
    assert.deepEqual(r.timeInState, { Execute: 100 * MIN, Aborting: 2 * MIN, Aborted: 8 * MIN });
    assert.equal(r.availability, 100 / 110);
    assert.deepEqual(r.downtime.map((d) => d.cause), ["IL-07"]);
  });

  it("entries out of order are put in order; time before the first entry is unknown and in neither", () => {
    const states = [entry(30, "Held", "operator-hold"), entry(10, "Execute")];
    const r = computeOee({ ...base, from: T0, to: T0 + 60 * MIN, states });
    assert.equal(r.unknownMs, 10 * MIN);
    assert.equal(r.executeMs, 20 * MIN);
    assert.equal(r.plannedMs, 50 * MIN);
    assert.equal(r.availability, 20 / 50);
  });

  it("each ratio is null when its denominator is 0, and then OEE is null", () => {
    const idle = computeOee({ ...base, states: [entry(-10, "Stopped", "operator-stop")], metresMade: 0, passMetres: 0, processedMetres: 0 });
    assert.equal(idle.plannedMs, 0);
    assert.equal(idle.availability, null);
    assert.equal(idle.performance, null, "no Execute time");
    assert.equal(idle.quality, null, "nothing processed");
    assert.equal(idle.oee, null);
    assert.deepEqual(idle.downtime, []);

    const noSpeed = computeOee({ ...base, designSpeedMpm: 0 });
    assert.equal(noSpeed.performance, null);
    assert.equal(noSpeed.oee, null);
    assert.equal(noSpeed.availability, 0.9);

    const empty = computeOee({ ...base, states: [] });
    assert.equal(empty.unknownMs, 8 * H);
    assert.equal(empty.availability, null);
    assert.deepEqual(empty.timeInState, {});
  });

  it("an empty or reversed window has nothing in it", () => {
    const r = computeOee({ ...base, from: T0 + H, to: T0 + H });
    assert.equal(r.plannedMs, 0);
    assert.equal(r.unknownMs, 0);
    assert.equal(r.availability, null);
    const reversed = computeOee({ ...base, from: T0 + 2 * H, to: T0 + H });
    assert.equal(reversed.plannedMs, 0);
    assert.deepEqual(reversed.timeInState, {});
  });

  it("a caller's rule of what is unplanned replaces the default", () => {
    const r = computeOee({ ...base, unplanned: { states: ["Stopped", "Idle", "Held"], stopReasons: [null, "operator-hold"] } });
    assert.equal(r.plannedMs, 393 * MIN, "also the 7 min Held by the operator is out of planned time");
    assert.deepEqual(r.downtime.find((d) => d.cause === "operator-hold")?.ms, 3 * MIN);
  });
});

describe("shiftWindows", () => {
  it("the default shifts A 06:00, B 14:00, C 22:00 UTC over a day and a half, clipped to the window", () => {
    const from = Date.UTC(2024, 2, 5, 3, 0);
    const to = Date.UTC(2024, 2, 6, 15, 0);
    const w = shiftWindows(from, to);
    assert.deepEqual(
      w.map((s) => [s.name, s.date, new Date(s.from).toISOString(), new Date(s.to).toISOString()]),
      [
        ["C", "2024-03-04", "2024-03-05T03:00:00.000Z", "2024-03-05T06:00:00.000Z"],
        ["A", "2024-03-05", "2024-03-05T06:00:00.000Z", "2024-03-05T14:00:00.000Z"],
        ["B", "2024-03-05", "2024-03-05T14:00:00.000Z", "2024-03-05T22:00:00.000Z"],
        ["C", "2024-03-05", "2024-03-05T22:00:00.000Z", "2024-03-06T06:00:00.000Z"],
        ["A", "2024-03-06", "2024-03-06T06:00:00.000Z", "2024-03-06T14:00:00.000Z"],
        ["B", "2024-03-06", "2024-03-06T14:00:00.000Z", "2024-03-06T15:00:00.000Z"],
      ],
    );
    assert.equal(new Date(w[0]!.shiftStart).toISOString(), "2024-03-04T22:00:00.000Z", "the whole shift is given too");
    assert.equal(new Date(w[5]!.shiftEnd).toISOString(), "2024-03-06T22:00:00.000Z");
  });

  it("a time-zone offset moves the shifts: A starts 06:00 local = 05:00 UTC at +60 min", () => {
    const w = shiftWindows(Date.UTC(2024, 2, 5, 5, 0), Date.UTC(2024, 2, 5, 13, 0), DEFAULT_SHIFTS, 60);
    assert.deepEqual(w.map((s) => [s.name, s.date, new Date(s.from).toISOString(), new Date(s.to).toISOString()]), [
      ["A", "2024-03-05", "2024-03-05T05:00:00.000Z", "2024-03-05T13:00:00.000Z"],
    ]);
    // 23:30 UTC on the 5th is 00:30 local on the 6th: shift C that started at 22:00 local on the 5th.
    const late = shiftWindows(Date.UTC(2024, 2, 5, 23, 30), Date.UTC(2024, 2, 5, 23, 45), DEFAULT_SHIFTS, 60);
    assert.deepEqual(late.map((s) => [s.name, s.date, new Date(s.shiftStart).toISOString()]), [["C", "2024-03-05", "2024-03-05T21:00:00.000Z"]]);
  });

  it("OEE per shift over the 8 h example: the window is exactly shift A", () => {
    const [a, ...rest] = shiftWindows(T0, T0 + 8 * H);
    assert.equal(rest.length, 0);
    assert.equal(a!.name, "A");
    const r = computeOee({ from: a!.from, to: a!.to, states: shift, metresMade: 324, passMetres: 307.8, processedMetres: 324, designSpeedMpm: 1 });
    assert.equal(r.availability, 0.9);
  });

  it("two shifts of 12 h given in any order, with a half-hour start", () => {
    const w = shiftWindows(Date.UTC(2024, 0, 1, 0, 0), Date.UTC(2024, 0, 2, 0, 0), [{ name: "N", startHour: 18.5 }, { name: "D", startHour: 6.5 }]);
    assert.deepEqual(w.map((s) => [s.name, (s.to - s.from) / H]), [["N", 6.5], ["D", 12], ["N", 5.5]]);
  });

  it("an empty or reversed window has no shifts", () => {
    assert.deepEqual(shiftWindows(T0, T0), []);
    assert.deepEqual(shiftWindows(T0 + H, T0), []);
  });

  it("a bad shift list is refused naming every problem", () => {
    assert.deepEqual(checkShifts(DEFAULT_SHIFTS), []);
    assert.deepEqual(checkShifts([]), ["no shifts are defined: give at least one"]);
    assert.deepEqual(
      checkShifts([{ name: "A", startHour: 6 }, { name: "A", startHour: 24 }, { name: "B", startHour: 6 }, { name: " ", startHour: -1 }]),
      [
        "shift name \"A\" is used twice",
        "shift A starts at 24 h: the start hour must be 0 or more and below 24",
        "shifts A and B both start at 6 h",
        "a shift starting at -1 h has no name",
        "shift   starts at -1 h: the start hour must be 0 or more and below 24",
      ],
    );
    assert.throws(() => shiftWindows(T0, T0 + H, []), (e: unknown) => e instanceof RangeError && /no shifts are defined/.test(e.message));
  });
});
