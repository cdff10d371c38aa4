import assert from "node:assert/strict";
import { AlarmEvaluator } from "../../../src/alarms/alarm-evaluator.js";
import { type AlarmKpiEvent, computeAlarmKpis, floodPeriods, isAnnunciation } from "../../../src/alarms/alarm-kpis.js";
import { type AlarmDefs, alarmsFileSchema } from "../../../src/alarms/alarm-schema.js";

const S = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);

function defsOf(ids: Record<string, "critical" | "high" | "medium" | "low">, settings: Record<string, unknown> = {}): AlarmDefs {
  return alarmsFileSchema.parse({
    settings,
    alarms: Object.entries(ids).map(([id, priority]) => ({
      id,
      kind: "comm",
      device: "htr-plc",
      station: "htr",
      priority,
      message: id,
    })),
  });
}

const act = (alarmId: string, at: number): AlarmKpiEvent => ({ alarmId, at: T0 + at, transition: "activate", to: "unack-active" });
const ev = (alarmId: string, at: number, transition: AlarmKpiEvent["transition"], to: AlarmKpiEvent["to"]): AlarmKpiEvent => ({
  alarmId,
  at: T0 + at,
  transition,
  to,
});

const DEFS = defsOf({ A: "critical", B: "high", C: "medium", D: "low" });
const HOUR_RANGE = { from: T0, to: T0 + HOUR };

/** n activations of `id`, one per `step` ms from `start`. */
function burst(id: string, start: number, n: number, step = S): AlarmKpiEvent[] {
  return Array.from({ length: n }, (_, i) => act(id, start + i * step));
}

describe("alarm KPIs", () => {
  describe("floods", () => {
    it("more than 10 alarms within 10 minutes: one flood from the 11th alarm until the window slides past the 1st", () => {
      const k = computeAlarmKpis(burst("A", 0, 11), DEFS, HOUR_RANGE);
      assert.deepEqual(k.floods, [{ from: T0 + 10 * S, to: T0 + 600 * S, count: 11 }]);
      assert.equal(k.floodTimePercent, (590 / 3600) * 100);
    });

    it("exactly 10 alarms is no flood", () => {
      const k = computeAlarmKpis(burst("A", 0, 10), DEFS, HOUR_RANGE);
      assert.deepEqual(k.floods, []);
      assert.equal(k.floodTimePercent, 0);
    });

    it("11 alarms spread over exactly 10 minutes are no flood (the window is 10 minutes wide)", () => {
      const k = computeAlarmKpis(burst("A", 0, 11, 60 * S), DEFS, HOUR_RANGE);
      assert.deepEqual(k.floods, []);
    });

    it("overlapping windows merge into one maximal period; separate bursts are separate periods", () => {
      const events = [...burst("A", 0, 12), ...burst("B", 1800 * S, 11)];
      const k = computeAlarmKpis(events, DEFS, HOUR_RANGE);
      assert.deepEqual(k.floods, [
        { from: T0 + 10 * S, to: T0 + 601 * S, count: 12 },
        { from: T0 + 1810 * S, to: T0 + 2400 * S, count: 11 },
      ]);
      assert.equal(k.floodTimePercent, ((591 + 590) / 3600) * 100);
    });

    it("a flood near the end is clipped at `to`", () => {
      const k = computeAlarmKpis(burst("A", 3300 * S, 11), DEFS, HOUR_RANGE);
      assert.deepEqual(k.floods, [{ from: T0 + 3310 * S, to: T0 + HOUR, count: 11 }]);
      assert.equal(k.floodTimePercent, (290 / 3600) * 100);
    });

    it("follows settings.floodThresholdPer10Min", () => {
      const k = computeAlarmKpis(burst("A", 0, 4), defsOf({ A: "high" }, { floodThresholdPer10Min: 3 }), HOUR_RANGE);
      assert.deepEqual(k.floods, [{ from: T0 + 3 * S, to: T0 + 600 * S, count: 4 }]);
    });

    it("floodPeriods on bare times", () => {
      assert.deepEqual(floodPeriods([0, 1, 2, 50, 51], 2, 1000, 10), [{ from: 2, to: 10, count: 3 }]);
      assert.deepEqual(floodPeriods([0, 1, 2, 5, 6, 7], 2, 1000, 10), [{ from: 2, to: 15, count: 6 }]);
    });
  });

  describe("alarm rate", () => {
    it("average and maximum per 10 minutes", () => {
      const events = [...burst("A", 0, 11), ...burst("B", 1800 * S, 11), act("C", 3599 * S)];
      const k = computeAlarmKpis(events, DEFS, HOUR_RANGE);
      assert.equal(k.alarms, 23);
      assert.equal(k.per10Min.average, 23 / 6);
      assert.equal(k.per10Min.max, 11);
    });

    it("counts [from, to): events outside the period and non-annunciations do not count", () => {
      const events = [
        act("A", -1),
        act("A", 0),
        ev("A", S, "ack", "ack-active"),
        ev("A", 2 * S, "clear", "normal"),
        ev("B", 3 * S, "unshelve", "unack-active"),
        ev("C", 4 * S, "unsuppress", "normal"),
        ev("D", 5 * S, "shelve-expired", "unack-active"),
        act("A", HOUR),
      ];
      const k = computeAlarmKpis(events, DEFS, HOUR_RANGE);
      assert.equal(k.alarms, 3);
      assert.deepEqual(
        k.badActors.map((b) => b.alarmId),
        ["A", "B", "D"],
      );
    });

    it("an empty period gives zeros, not NaN", () => {
      const k = computeAlarmKpis([], DEFS, { from: T0, to: T0 });
      assert.equal(k.alarms, 0);
      assert.deepEqual(k.per10Min, { average: 0, max: 0 });
      assert.equal(k.floodTimePercent, 0);
      assert.deepEqual(k.priorities.high, { count: 0, percent: 0 });
    });

    it("isAnnunciation", () => {
      assert.equal(isAnnunciation(act("A", 0)), true);
      assert.equal(isAnnunciation(ev("A", 0, "in-service", "unack-active")), true);
      assert.equal(isAnnunciation(ev("A", 0, "in-service", "normal")), false);
      assert.equal(isAnnunciation(ev("A", 0, "ack", "ack-active")), false);
    });
  });

  describe("chattering", () => {
    it("at least 3 activations within one minute", () => {
      const events = [
        ...burst("A", 0, 3, 25 * S), // 0, 25, 50 s: within a minute
        ...burst("B", 0, 3, 30 * S), // 0, 30, 60 s: 60 s apart is not within a minute
        ...burst("C", 0, 5, 10 * S), // 5 within 40 s
        act("D", 0),
      ];
      const k = computeAlarmKpis(events, DEFS, HOUR_RANGE);
      assert.deepEqual(k.chattering, [
        { alarmId: "C", activations: 5, maxPerMinute: 5 },
        { alarmId: "A", activations: 3, maxPerMinute: 3 },
      ]);
    });

    it("follows settings.chatterActivationsPerMin", () => {
      const k = computeAlarmKpis(burst("A", 0, 2, 10 * S), defsOf({ A: "low" }, { chatterActivationsPerMin: 2 }), HOUR_RANGE);
      assert.deepEqual(k.chattering, [{ alarmId: "A", activations: 2, maxPerMinute: 2 }]);
    });
  });

  describe("stale alarms", () => {
    it("active for longer than 24 h at `to`, from events before the period too", () => {
      const to = 48 * HOUR;
      const range = { from: T0 + 47 * HOUR, to: T0 + to };
      const events = [
        act("A", to - 25 * HOUR), // stale: 25 h
        act("B", to - 23 * HOUR), // active 23 h: not stale
        act("C", to - 30 * HOUR),
        ev("C", to - 29 * HOUR, "clear", "rtn-unack"), // cleared: not stale
        act("D", to - 40 * HOUR),
        ev("D", to - 39 * HOUR, "shelve", "shelved"),
        ev("D", to - 38 * HOUR, "unshelve", "unack-active"), // annunciated again 38 h ago
        act("A", to + S), // after `to`: ignored
      ];
      const k = computeAlarmKpis(events, DEFS, range);
      assert.deepEqual(k.stale, [
        { alarmId: "D", activeSince: T0 + to - 38 * HOUR, hours: 38 },
        { alarmId: "A", activeSince: T0 + to - 25 * HOUR, hours: 25 },
      ]);
      assert.equal(k.alarms, 0, "nothing annunciated inside the period itself");
    });

    it("an acknowledged alarm still active stays standing; suppression ends it", () => {
      const to = 30 * HOUR;
      const events = [
        act("A", 0),
        ev("A", HOUR, "ack", "ack-active"),
        act("B", 0),
        ev("B", HOUR, "suppress", "suppressed"),
      ];
      const k = computeAlarmKpis(events, DEFS, { from: T0, to: T0 + to });
      assert.deepEqual(k.stale, [{ alarmId: "A", activeSince: T0, hours: 30 }]);
    });

    it("follows settings.staleAfterHours", () => {
      const k = computeAlarmKpis([act("A", 0)], defsOf({ A: "low" }, { staleAfterHours: 1 }), { from: T0, to: T0 + 2 * HOUR });
      assert.deepEqual(k.stale, [{ alarmId: "A", activeSince: T0, hours: 2 }]);
    });
  });

  describe("priority distribution and bad actors", () => {
    it("counts and shares per priority, from the definitions", () => {
      const events = [
        ...burst("A", 0, 1),
        ...burst("B", 0, 3),
        ...burst("C", 0, 4),
        ...burst("D", 0, 12),
        // Not in the definitions: its own priority is used.
        { ...act("X", 0), priority: "high" as const },
        // In the definitions: the event's priority is ignored.
        { ...act("D", 100 * S), priority: "critical" as const },
      ];
      const k = computeAlarmKpis(events, DEFS, HOUR_RANGE);
      assert.equal(k.alarms, 22);
      assert.deepEqual(k.priorities, {
        critical: { count: 1, percent: (1 / 22) * 100 },
        high: { count: 4, percent: (4 / 22) * 100 },
        medium: { count: 4, percent: (4 / 22) * 100 },
        low: { count: 13, percent: (13 / 22) * 100 },
      });
    });

    it("top 10 by activations with their share; ties by id", () => {
      const events: AlarmKpiEvent[] = [];
      for (let i = 0; i < 12; i++) events.push(...burst(`X${String(i).padStart(2, "0")}`, i * MIN, i === 5 ? 10 : 2, 10 * S));
      const k = computeAlarmKpis(events, DEFS, HOUR_RANGE);
      assert.equal(k.alarms, 32);
      assert.equal(k.badActors.length, 10);
      assert.deepEqual(k.badActors[0], { alarmId: "X05", count: 10, percent: (10 / 32) * 100 });
      assert.deepEqual(
        k.badActors.map((b) => b.alarmId),
        ["X05", "X00", "X01", "X02", "X03", "X04", "X06", "X07", "X08", "X09"],
      );
    });

    it("the input order does not matter", () => {
      const events = [...burst("A", 0, 12), ...burst("B", 100 * S, 3, 5 * S)];
      const shuffled = [...events].reverse();
      assert.deepEqual(computeAlarmKpis(shuffled, DEFS, HOUR_RANGE), computeAlarmKpis(events, DEFS, HOUR_RANGE));
    });
  });

  it("reads the evaluator's events directly", () => {
    const defs = alarmsFileSchema.parse({
      alarms: [{ id: "T-H", kind: "analog", tag: "htr.web_temp", station: "htr", level: "H", limit: 1400, deadband: 10, priority: "high", message: "hot" }],
    });
    const e = new AlarmEvaluator(defs);
    const out = [];
    for (let i = 0; i < 4; i++) {
      const t = T0 + i * 10 * S;
      out.push(...e.apply({ type: "tag", name: "htr.web_temp", value: 1450, quality: "Good", sourceTs: t }, t));
      out.push(...e.apply({ type: "tag", name: "htr.web_temp", value: 1300, quality: "Good", sourceTs: t + S }, t + S));
    }
    const k = computeAlarmKpis(out, defs, HOUR_RANGE);
    assert.equal(k.alarms, 4);
    assert.deepEqual(k.chattering, [{ alarmId: "T-H", activations: 4, maxPerMinute: 4 }]);
    assert.deepEqual(k.priorities.high, { count: 4, percent: 100 });
  });
});
