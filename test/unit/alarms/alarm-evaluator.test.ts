import assert from "node:assert/strict";
import type { QualityStatus, TagScalar } from "../../../src/core/tag-value.js";
import { PACKML_STATES } from "../../../src/control/packml-states.js";
import type { AlarmEvent } from "../../../src/alarms/alarm-event.js";
import { AlarmEvaluator } from "../../../src/alarms/alarm-evaluator.js";
import type { AlarmInput } from "../../../src/alarms/alarm-input.js";
import { ALARM_LINE_STATES, type AlarmDefs, alarmsFileSchema } from "../../../src/alarms/alarm-schema.js";

const T0 = Date.UTC(2025, 0, 1, 8, 0, 0);
const S = 1000;
const MIN = 60_000;

function defsOf(alarms: unknown[], settings: Record<string, unknown> = {}): AlarmDefs {
  return alarmsFileSchema.parse({ settings, alarms });
}

function tag(name: string, value: TagScalar | null, quality: QualityStatus = "Good", sourceTs?: number): (now: number) => AlarmInput {
  return (now) => ({ type: "tag", name, value, quality, sourceTs: sourceTs ?? now });
}

/** "ID transition from→to" per event: the transitions at a glance. */
function brief(events: readonly AlarmEvent[]): string[] {
  return events.map((e) => `${e.alarmId} ${e.transition} ${e.from}→${e.to}`);
}

const HIGH = {
  id: "T-H",
  kind: "analog",
  tag: "htr.web_temp",
  station: "htr",
  level: "H",
  limit: 1400,
  deadband: 10,
  priority: "high",
  message: "Web temperature high",
};

function evaluator(alarms: unknown[], settings: Record<string, unknown> = {}): AlarmEvaluator {
  return new AlarmEvaluator(defsOf(alarms, settings));
}

/** Feeds a value of htr.web_temp at T0 + t. */
function feed(ev: AlarmEvaluator, t: number, value: TagScalar | null, quality: QualityStatus = "Good", name = "htr.web_temp"): AlarmEvent[] {
  return ev.apply(tag(name, value, quality)(T0 + t), T0 + t);
}

describe("alarm evaluator", () => {
  describe("ISA-18.2 state transitions", () => {
    it("normal → unack-active → ack-active → normal, with the event fields", () => {
      const ev = evaluator([HIGH]);
      assert.deepEqual(feed(ev, 0, 1300), []);
      const act = feed(ev, 1 * S, 1405);
      assert.deepEqual(act, [
        {
          alarmId: "T-H",
          at: T0 + S,
          transition: "activate",
          from: "normal",
          to: "unack-active",
          value: 1405,
          priority: "high",
          station: "htr",
          message: "Web temperature high",
          user: "system",
        },
      ]);
      assert.equal(ev.get("T-H")?.activeSince, T0 + S);
      const ack = ev.ack("T-H", "ann", T0 + 2 * S);
      assert.ok(ack.ok);
      assert.deepEqual(brief(ack.events), ["T-H ack unack-active→ack-active"]);
      assert.equal(ack.events[0]?.user, "ann");
      const st = ev.get("T-H")!;
      assert.equal(st.state, "ack-active");
      assert.equal(st.ackedBy, "ann");
      assert.equal(st.ackedAt, T0 + 2 * S);
      assert.deepEqual(brief(feed(ev, 3 * S, 1350)), ["T-H clear ack-active→normal"]);
      assert.equal(ev.get("T-H")?.activeSince, null);
      assert.equal(ev.get("T-H")?.conditionActive, false);
    });

    it("unack-active → rtn-unack → normal by ack", () => {
      const ev = evaluator([HIGH]);
      feed(ev, 0, 1410);
      assert.deepEqual(brief(feed(ev, S, 1380)), ["T-H clear unack-active→rtn-unack"]);
      const ack = ev.ack("T-H", "bob", T0 + 2 * S);
      assert.ok(ack.ok);
      assert.deepEqual(brief(ack.events), ["T-H ack rtn-unack→normal"]);
      assert.equal(ev.get("T-H")?.state, "normal");
    });

    it("rtn-unack → unack-active when the condition returns before the ack", () => {
      const ev = evaluator([HIGH]);
      feed(ev, 0, 1410);
      feed(ev, S, 1380);
      assert.deepEqual(brief(feed(ev, 2 * S, 1420)), ["T-H activate rtn-unack→unack-active"]);
    });

    it("deadband: between limit − deadband and limit the alarm stays active; L mirrors it", () => {
      const ev = evaluator([HIGH, { ...HIGH, id: "T-L", level: "L", limit: 300, deadband: 5 }]);
      feed(ev, 0, 1401);
      assert.deepEqual(feed(ev, S, 1399), []);
      assert.deepEqual(feed(ev, 2 * S, 1390), [], "at limit − deadband exactly: still active");
      assert.equal(ev.get("T-H")?.conditionActive, true);
      assert.deepEqual(brief(feed(ev, 3 * S, 1389.9)), ["T-H clear unack-active→rtn-unack"]);
      assert.deepEqual(feed(ev, 4 * S, 1400), [], "at the limit exactly: not above it");

      assert.deepEqual(brief(feed(ev, 5 * S, 299)), ["T-L activate normal→unack-active"]);
      assert.deepEqual(feed(ev, 6 * S, 305), []);
      assert.deepEqual(brief(feed(ev, 7 * S, 305.1)), ["T-L clear unack-active→rtn-unack"]);
    });

    it("HH and LL levels behave like H and L", () => {
      const ev = evaluator([{ ...HIGH, id: "T-HH", level: "HH", limit: 1450 }, { ...HIGH, id: "T-LL", level: "LL", limit: 260 }]);
      assert.deepEqual(brief(feed(ev, 0, 1451)), ["T-HH activate normal→unack-active"]);
      assert.deepEqual(brief(feed(ev, S, 259)), ["T-HH clear unack-active→rtn-unack", "T-LL activate normal→unack-active"]);
    });

    it("a value that is not Good neither raises nor clears the alarm", () => {
      const ev = evaluator([HIGH]);
      assert.deepEqual(feed(ev, 0, 1500, "Bad"), []);
      assert.deepEqual(feed(ev, S, 1500, "Uncertain"), []);
      assert.deepEqual(feed(ev, 2 * S, null), []);
      feed(ev, 3 * S, 1500);
      assert.deepEqual(feed(ev, 4 * S, 1000, "Bad"), []);
      assert.equal(ev.get("T-H")?.state, "unack-active");
      assert.equal(ev.get("T-H")?.value, 1500, "the list shows the value when the state last changed (at the activation), not each new reading");
      assert.deepEqual(brief(feed(ev, 5 * S, 1000)), ["T-H clear unack-active→rtn-unack"]);
      assert.equal(ev.get("T-H")?.value, 1000, "and the value at the clear once it clears");
    });

    it("accepts a TagValue's Quality object as well as a status", () => {
      const ev = evaluator([HIGH]);
      const bad = ev.apply({ type: "tag", name: "htr.web_temp", value: 1500, quality: { status: "Bad", reason: "x" }, sourceTs: T0 }, T0);
      assert.deepEqual(bad, []);
      const good = ev.apply({ type: "tag", name: "htr.web_temp", value: 1500, quality: { status: "Good", reason: "" }, sourceTs: T0 }, T0);
      assert.deepEqual(brief(good), ["T-H activate normal→unack-active"]);
    });
  });

  describe("delays", () => {
    const DELAYED = { ...HIGH, onDelayMs: 500, offDelayMs: 2000 };

    it("on-delay: a short excursion never alarms", () => {
      const ev = evaluator([DELAYED]);
      assert.deepEqual(feed(ev, 0, 1450), []);
      assert.equal(ev.nextDue(), T0 + 500);
      assert.deepEqual(ev.tick(T0 + 499), []);
      assert.deepEqual(feed(ev, 400, 1300), []);
      assert.equal(ev.nextDue(), Infinity);
      assert.deepEqual(ev.tick(T0 + 10 * S), []);
      assert.equal(ev.get("T-H")?.state, "normal");
    });

    it("on-delay: a long enough excursion activates on tick at the deadline", () => {
      const ev = evaluator([DELAYED]);
      feed(ev, 0, 1450);
      feed(ev, 200, 1460);
      assert.equal(ev.nextDue(), T0 + 500, "a new value does not restart the delay");
      const events = ev.tick(T0 + 500);
      assert.deepEqual(brief(events), ["T-H activate normal→unack-active"]);
      assert.equal(events[0]?.at, T0 + 500);
      assert.equal(events[0]?.value, 1460);
    });

    it("on-delay: an input after the deadline first fires the delay (apply ticks first)", () => {
      const ev = evaluator([DELAYED]);
      feed(ev, 0, 1450);
      assert.deepEqual(brief(feed(ev, 700, 1300)), ["T-H activate normal→unack-active"], "cleared only after the off-delay");
      assert.equal(ev.nextDue(), T0 + 700 + 2000);
    });

    it("off-delay: a short dip does not clear; a sustained one clears after the delay", () => {
      const ev = evaluator([DELAYED]);
      feed(ev, 0, 1450);
      ev.tick(T0 + 500);
      assert.deepEqual(feed(ev, 1 * S, 1300), []);
      assert.deepEqual(feed(ev, 2 * S, 1450), [], "back before the off-delay: stays active");
      assert.deepEqual(ev.tick(T0 + 10 * S), []);
      assert.deepEqual(feed(ev, 11 * S, 1300), []);
      assert.deepEqual(ev.tick(T0 + 12_999), []);
      assert.deepEqual(brief(ev.tick(T0 + 13 * S)), ["T-H clear unack-active→rtn-unack"]);
    });

    it("tick before anything is due does nothing", () => {
      const ev = evaluator([DELAYED]);
      assert.deepEqual(ev.tick(T0), []);
      assert.equal(ev.nextDue(), Infinity);
    });
  });

  describe("kinds", () => {
    it("quality: active while the tag is not Good, after its on-delay", () => {
      const ev = evaluator([{ id: "Q", kind: "quality", tag: "htr.web_temp", station: "htr", onDelayMs: 250, priority: "high", message: "bad" }]);
      assert.deepEqual(feed(ev, 0, 1300, "Uncertain"), []);
      assert.deepEqual(feed(ev, 100, 1300, "Good"), [], "Good again before the on-delay");
      feed(ev, 200, null, "Bad");
      assert.deepEqual(brief(ev.tick(T0 + 450)), ["Q activate normal→unack-active"]);
      assert.deepEqual(brief(feed(ev, 500, 1301)), ["Q clear unack-active→rtn-unack"]);
    });

    it("comm: active while the device is down", () => {
      const ev = evaluator([{ id: "C", kind: "comm", device: "htr-plc", station: "htr", priority: "high", message: "down" }]);
      assert.deepEqual(ev.apply({ type: "device", id: "line-plc", up: false }, T0), []);
      assert.deepEqual(brief(ev.apply({ type: "device", id: "htr-plc", up: false }, T0)), ["C activate normal→unack-active"]);
      assert.deepEqual(ev.apply({ type: "device", id: "htr-plc", up: false }, T0 + S), [], "repeated: no new event");
      assert.deepEqual(brief(ev.apply({ type: "device", id: "htr-plc", up: true }, T0 + 2 * S)), ["C clear unack-active→rtn-unack"]);
    });

    it("interlock: active while the interlock is tripped", () => {
      const ev = evaluator([{ id: "I", kind: "interlock", interlock: "IL-02", station: "htr", priority: "critical", message: "trip" }]);
      assert.deepEqual(ev.apply({ type: "interlock", id: "IL-03", tripped: true }, T0), []);
      const on = ev.apply({ type: "interlock", id: "IL-02", tripped: true }, T0);
      assert.deepEqual(brief(on), ["I activate normal→unack-active"]);
      assert.equal(on[0]?.value, null);
      assert.deepEqual(brief(ev.apply({ type: "interlock", id: "IL-02", tripped: false }, T0 + S)), ["I clear unack-active→rtn-unack"]);
    });

    it("plc-trip: set and cleared by the caller, keyed by id", () => {
      const ev = evaluator([
        { id: "P", kind: "plc-trip", plcTripUnconfirmed: "htr-plc", station: "htr", priority: "critical", message: "unconfirmed" },
      ]);
      assert.deepEqual(ev.apply({ type: "plc-trip", key: "IL-02", unconfirmed: true }, T0), []);
      assert.deepEqual(brief(ev.apply({ type: "plc-trip", key: "htr-plc", unconfirmed: true }, T0)), ["P activate normal→unack-active"]);
      assert.deepEqual(brief(ev.apply({ type: "plc-trip", key: "htr-plc", unconfirmed: false }, T0 + S)), ["P clear unack-active→rtn-unack"]);
    });

    it("historian: offline, and spool-filling from the configured fraction (with the fraction as value)", () => {
      const ev = evaluator([
        { id: "H-OFF", kind: "historian", condition: "offline", station: "line", priority: "medium", message: "offline" },
        { id: "H-SPOOL", kind: "historian", condition: "spool-filling", station: "line", priority: "high", message: "spool" },
      ]);
      assert.deepEqual(brief(ev.apply({ type: "historian", online: false, spoolFraction: 0.79 }, T0)), ["H-OFF activate normal→unack-active"]);
      const filling = ev.apply({ type: "historian", online: false, spoolFraction: 0.8 }, T0 + S);
      assert.deepEqual(brief(filling), ["H-SPOOL activate normal→unack-active"]);
      assert.equal(filling[0]?.value, 0.8);
      assert.deepEqual(brief(ev.apply({ type: "historian", online: true, spoolFraction: 0.5 }, T0 + 2 * S)), [
        "H-OFF clear unack-active→rtn-unack",
        "H-SPOOL clear unack-active→rtn-unack",
      ]);
    });

    it("discrete: boolean and numeric alarm values", () => {
      const ev = evaluator([
        { id: "DOOR", kind: "discrete", tag: "htr.door_closed", alarmValue: false, station: "htr", priority: "high", message: "door" },
        { id: "FO", kind: "discrete", tag: "htr.first_out", alarmValue: 2, station: "htr", priority: "high", message: "fo" },
      ]);
      assert.deepEqual(feed(ev, 0, true, "Good", "htr.door_closed"), []);
      assert.deepEqual(brief(feed(ev, S, false, "Good", "htr.door_closed")), ["DOOR activate normal→unack-active"]);
      assert.deepEqual(feed(ev, S, 1, "Good", "htr.first_out"), []);
      assert.deepEqual(brief(feed(ev, 2 * S, 2, "Good", "htr.first_out")), ["FO activate normal→unack-active"]);
      assert.deepEqual(brief(feed(ev, 3 * S, 0, "Good", "htr.first_out")), ["FO clear unack-active→rtn-unack"]);
    });

    describe("rate", () => {
      const RATE = {
        id: "R",
        kind: "rate",
        tag: "htr.web_temp",
        station: "htr",
        maxRatePerS: 100,
        zeroAfterMs: 500,
        priority: "medium",
        message: "fast",
      };
      const at = (ev: AlarmEvaluator, now: number, value: number, sourceTs: number, q: QualityStatus = "Good") =>
        ev.apply(tag("htr.web_temp", value, q, T0 + sourceTs)(T0 + now), T0 + now);

      it("is computed from consecutive values' source time stamps", () => {
        const ev = evaluator([RATE]);
        assert.deepEqual(at(ev, 0, 300, 0), [], "first value: no rate yet");
        assert.deepEqual(at(ev, 100, 309, 100), [], "90 K/s");
        // Received late, but 20 K in 100 ms of source time: 200 K/s.
        assert.deepEqual(brief(at(ev, 400, 329, 200)), ["R activate normal→unack-active"]);
        assert.deepEqual(brief(at(ev, 450, 330, 300)), ["R clear unack-active→rtn-unack"], "10 K/s");
      });

      it("ignores out-of-order or repeated source time stamps", () => {
        const ev = evaluator([RATE]);
        at(ev, 0, 300, 100);
        assert.deepEqual(at(ev, 10, 400, 100), []);
        assert.deepEqual(at(ev, 20, 500, 50), []);
        assert.deepEqual(at(ev, 200, 305, 200), [], "5 K in 100 ms from the last accepted sample");
      });

      it("counts as 0 when no new value arrives for zeroAfterMs (drivers report changes only)", () => {
        const ev = evaluator([RATE]);
        at(ev, 0, 300, 0);
        at(ev, 100, 400, 100);
        assert.equal(ev.get("R")?.state, "unack-active");
        assert.equal(ev.nextDue(), T0 + 600);
        assert.deepEqual(ev.tick(T0 + 599), []);
        assert.deepEqual(brief(ev.tick(T0 + 600)), ["R clear unack-active→rtn-unack"]);
        assert.equal(ev.nextDue(), Infinity);
        assert.deepEqual(at(ev, 700, 301, 700), [], "the next value starts a new rate");
      });
    });

    describe("deviation", () => {
      const DEV = { id: "D", kind: "deviation", tag: "htr.web_temp", station: "htr", band: 30, deadband: 5, priority: "high", message: "off profile" };

      it("is inactive without a target; active beyond ± band; clears within band − deadband", () => {
        const ev = evaluator([DEV]);
        assert.deepEqual(feed(ev, 0, 900), [], "no target");
        assert.deepEqual(brief(ev.apply({ type: "targets", targets: { "htr.web_temp": 1340 } }, T0 + S)), ["D activate normal→unack-active"]);
        assert.deepEqual(feed(ev, 2 * S, 1315), [], "25 K off: inside band − deadband is 25, not below it");
        assert.deepEqual(brief(feed(ev, 3 * S, 1316)), ["D clear unack-active→rtn-unack"]);
        assert.deepEqual(feed(ev, 4 * S, 1370), [], "exactly the band: not beyond");
        assert.deepEqual(brief(feed(ev, 5 * S, 1371)), ["D activate rtn-unack→unack-active"]);
      });

      it("follows the targets: a moving target, and no target → clears", () => {
        const ev = evaluator([DEV]);
        ev.apply({ type: "targets", targets: { "htr.web_temp": 1340 } }, T0);
        feed(ev, 0, 1340);
        assert.deepEqual(brief(ev.apply({ type: "targets", targets: { "htr.web_temp": 1000 } }, T0 + S)), ["D activate normal→unack-active"]);
        assert.deepEqual(brief(ev.apply({ type: "targets", targets: {} }, T0 + 2 * S)), ["D clear unack-active→rtn-unack"]);
      });
    });
  });

  describe("shelving", () => {
    it("hides the alarm, keeps tracking its condition, and expires back into the right state", () => {
      const ev = evaluator([HIGH]);
      const sh = ev.shelve("T-H", 30, "sensor being replaced", "ann", T0);
      assert.ok(sh.ok);
      assert.deepEqual(brief(sh.events), ["T-H shelve normal→shelved"]);
      assert.equal(sh.events[0]?.reason, "sensor being replaced");
      assert.equal(sh.events[0]?.shelvedUntil, T0 + 30 * MIN);
      assert.equal(sh.events[0]?.user, "ann");
      assert.equal(ev.nextDue(), T0 + 30 * MIN);
      assert.deepEqual(feed(ev, S, 1450), [], "activation while shelved: not annunciated");
      const st = ev.get("T-H")!;
      assert.equal(st.state, "shelved");
      assert.equal(st.conditionActive, true);
      assert.equal(st.shelvedBy, "ann");
      assert.equal(st.shelveReason, "sensor being replaced");
      assert.deepEqual(ev.tick(T0 + 30 * MIN - 1), []);
      const exp = ev.tick(T0 + 30 * MIN);
      assert.deepEqual(brief(exp), ["T-H shelve-expired shelved→unack-active"]);
      assert.equal(exp[0]?.user, "system");
      assert.equal(ev.get("T-H")?.shelvedUntil, null);
      assert.equal(ev.nextDue(), Infinity);
    });

    it("expires to normal when the condition came and went while shelved", () => {
      const ev = evaluator([HIGH]);
      ev.shelve("T-H", 10, "known issue", "ann", T0);
      assert.deepEqual(feed(ev, S, 1450), []);
      assert.deepEqual(feed(ev, 2 * S, 1300), []);
      assert.deepEqual(brief(ev.apply(tag("htr.web_temp", 1300)(T0 + 11 * MIN), T0 + 11 * MIN)), ["T-H shelve-expired shelved→normal"]);
    });

    it("unshelve: an acknowledged alarm still active comes back unacknowledged (ISA-18.2 re-annunciation)", () => {
      const ev = evaluator([HIGH]);
      feed(ev, 0, 1450);
      ev.ack("T-H", "ann", T0);
      assert.deepEqual(brief((ev.shelve("T-H", 60, "chattering", "ann", T0 + S) as { events: AlarmEvent[] }).events), ["T-H shelve ack-active→shelved"]);
      const un = ev.unshelve("T-H", "bob", T0 + 2 * S);
      assert.ok(un.ok);
      assert.deepEqual(brief(un.events), ["T-H unshelve shelved→unack-active"]);
      assert.equal(un.events[0]?.user, "bob");
      assert.equal(ev.get("T-H")?.ackedBy, null);
      assert.equal(ev.nextDue(), Infinity, "the expiry timer is gone");
    });

    it("refusals change nothing", () => {
      const ev = evaluator([HIGH], { maxShelveMinutes: 60 });
      feed(ev, 0, 1450);
      const before = JSON.stringify(ev.list());
      const cases: [string, ReturnType<AlarmEvaluator["shelve"]>][] = [
        ["unknown", ev.shelve("NOPE", 10, "r", "ann", T0)],
        ["no reason", ev.shelve("T-H", 10, "", "ann", T0)],
        ["blank reason", ev.shelve("T-H", 10, "   ", "ann", T0)],
        ["zero minutes", ev.shelve("T-H", 0, "r", "ann", T0)],
        ["negative", ev.shelve("T-H", -5, "r", "ann", T0)],
        ["too long", ev.shelve("T-H", 61, "r", "ann", T0)],
        ["NaN", ev.shelve("T-H", Number.NaN, "r", "ann", T0)],
        ["no user", ev.shelve("T-H", 10, "r", "", T0)],
        ["unshelve not shelved", ev.unshelve("T-H", "ann", T0)],
      ];
      for (const [name, result] of cases) assert.equal(result.ok, false, name);
      assert.deepEqual(
        cases.map(([, r]) => (r.ok ? "" : r.reason)),
        [
          "unknown alarm 'NOPE'",
          "a reason is required to shelve an alarm",
          "a reason is required to shelve an alarm",
          "shelve time must be more than 0 and at most 60 minutes (got 0)",
          "shelve time must be more than 0 and at most 60 minutes (got -5)",
          "shelve time must be more than 0 and at most 60 minutes (got 61)",
          "shelve time must be more than 0 and at most 60 minutes (got NaN)",
          "a user is required",
          "alarm 'T-H' is not shelved",
        ],
      );
      assert.equal(JSON.stringify(ev.list()), before);
      assert.ok(ev.shelve("T-H", 60, "ok", "ann", T0).ok, "the maximum itself is allowed");
      const again = ev.shelve("T-H", 10, "again", "ann", T0);
      assert.deepEqual(again, { ok: false, reason: "alarm 'T-H' is already shelved until 2025-01-01T09:00:00.000Z" });
    });
  });

  describe("suppression by design (line state)", () => {
    const SUPP = { ...HIGH, id: "T-S", suppressWhen: ["Stopped", "Idle"] };

    it("suppresses in the listed states, tracks the condition, and comes back in the right state", () => {
      const ev = evaluator([SUPP, HIGH]);
      assert.deepEqual(brief(ev.apply({ type: "line-state", state: "Stopped" }, T0)), ["T-S suppress normal→suppressed"]);
      assert.equal(ev.currentLineState(), "Stopped");
      assert.deepEqual(ev.apply({ type: "line-state", state: "Idle" }, T0 + S), [], "still suppressed");
      assert.deepEqual(brief(feed(ev, 2 * S, 1450)), ["T-H activate normal→unack-active"], "only the unsuppressed one annunciates");
      assert.equal(ev.get("T-S")?.state, "suppressed");
      assert.equal(ev.get("T-S")?.conditionActive, true);
      assert.deepEqual(brief(ev.apply({ type: "line-state", state: "Execute" }, T0 + 3 * S)), ["T-S unsuppress suppressed→unack-active"]);
      assert.deepEqual(brief(ev.apply({ type: "line-state", state: "Stopped" }, T0 + 4 * S)), ["T-S suppress unack-active→suppressed"]);
      feed(ev, 5 * S, 1300);
      assert.deepEqual(brief(ev.apply({ type: "line-state", state: "Execute" }, T0 + 6 * S)), ["T-S unsuppress suppressed→normal"]);
    });

    it("says nothing when a shelf hides the change, and the shelf expiry lands in suppressed", () => {
      const ev = evaluator([SUPP]);
      ev.shelve("T-S", 5, "r", "ann", T0);
      assert.deepEqual(ev.apply({ type: "line-state", state: "Stopped" }, T0 + S), []);
      assert.deepEqual(brief(ev.tick(T0 + 5 * MIN)), ["T-S shelve-expired shelved→suppressed"]);
      assert.equal(ev.get("T-S")?.suppressed, true);
    });

    it("ack is refused while suppressed", () => {
      const ev = evaluator([SUPP]);
      feed(ev, 0, 1450);
      ev.apply({ type: "line-state", state: "Idle" }, T0 + S);
      assert.deepEqual(ev.ack("T-S", "ann", T0 + 2 * S), { ok: false, reason: "alarm 'T-S' is suppressed: nothing to acknowledge" });
    });
  });

  describe("out of service", () => {
    it("removes and returns an alarm; the shelf is dropped; refusals change nothing", () => {
      const ev = evaluator([HIGH]);
      ev.shelve("T-H", 10, "r", "ann", T0);
      const oos = ev.removeFromService("T-H", "transmitter removed", "eng", T0 + S);
      assert.ok(oos.ok);
      assert.deepEqual(brief(oos.events), ["T-H out-of-service shelved→out-of-service"]);
      assert.equal(oos.events[0]?.reason, "transmitter removed");
      assert.equal(ev.nextDue(), Infinity);
      assert.deepEqual(feed(ev, 2 * S, 1450), []);
      const before = JSON.stringify(ev.list());
      assert.deepEqual(ev.shelve("T-H", 10, "r", "ann", T0), { ok: false, reason: "alarm 'T-H' is out of service" });
      assert.deepEqual(ev.removeFromService("T-H", "again", "eng", T0), { ok: false, reason: "alarm 'T-H' is already out of service" });
      assert.deepEqual(ev.removeFromService("T-H", "", "eng", T0).ok, false);
      assert.equal(JSON.stringify(ev.list()), before);
      const back = ev.returnToService("T-H", "eng", T0 + 3 * S);
      assert.ok(back.ok);
      assert.deepEqual(brief(back.events), ["T-H in-service out-of-service→unack-active"]);
      assert.deepEqual(ev.returnToService("T-H", "eng", T0), { ok: false, reason: "alarm 'T-H' is not out of service" });
    });
  });

  describe("latching", () => {
    const LATCH = { ...HIGH, id: "T-LATCH", latching: true };

    it("acknowledged while active: stays ack-active after the condition clears, until reset", () => {
      const ev = evaluator([LATCH]);
      feed(ev, 0, 1450);
      ev.ack("T-LATCH", "ann", T0 + S);
      assert.deepEqual(brief(feed(ev, 2 * S, 1300)), ["T-LATCH clear ack-active→ack-active"]);
      const st = ev.get("T-LATCH")!;
      assert.equal(st.state, "ack-active");
      assert.equal(st.awaitingReset, true);
      const reset = ev.reset("T-LATCH", "ann", T0 + 3 * S);
      assert.ok(reset.ok);
      assert.deepEqual(brief(reset.events), ["T-LATCH reset ack-active→normal"]);
    });

    it("reset is refused while the condition is active, or for a non-latching alarm; nothing changes", () => {
      const ev = evaluator([LATCH, HIGH]);
      feed(ev, 0, 1450);
      ev.ack("T-LATCH", "ann", T0);
      ev.ack("T-H", "ann", T0);
      const before = JSON.stringify(ev.list());
      assert.deepEqual(ev.reset("T-LATCH", "ann", T0), { ok: false, reason: "alarm 'T-LATCH': its condition is still active" });
      assert.deepEqual(ev.reset("T-H", "ann", T0), { ok: false, reason: "alarm 'T-H' is not latching: it needs no reset" });
      assert.deepEqual(ev.reset("NOPE", "ann", T0), { ok: false, reason: "unknown alarm 'NOPE'" });
      assert.equal(JSON.stringify(ev.list()), before);
    });

    it("cleared while unacknowledged: rtn-unack, and the ack returns it to normal", () => {
      const ev = evaluator([LATCH]);
      feed(ev, 0, 1450);
      assert.deepEqual(brief(feed(ev, S, 1300)), ["T-LATCH clear unack-active→rtn-unack"]);
      assert.deepEqual(ev.reset("T-LATCH", "ann", T0 + S), {
        ok: false,
        reason: "alarm 'T-LATCH' is rtn-unack: only an acknowledged latched alarm can be reset",
      });
      assert.deepEqual(brief((ev.ack("T-LATCH", "ann", T0 + 2 * S) as { events: AlarmEvent[] }).events), ["T-LATCH ack rtn-unack→normal"]);
    });

    it("a new activation before the reset is annunciated again", () => {
      const ev = evaluator([LATCH]);
      feed(ev, 0, 1450);
      ev.ack("T-LATCH", "ann", T0);
      feed(ev, S, 1300);
      assert.deepEqual(brief(feed(ev, 2 * S, 1450)), ["T-LATCH activate ack-active→unack-active"]);
    });
  });

  describe("operator refusals and views", () => {
    it("ack refusals change nothing", () => {
      const ev = evaluator([HIGH]);
      const before = JSON.stringify(ev.list());
      assert.deepEqual(ev.ack("T-H", "ann", T0), { ok: false, reason: "alarm 'T-H' is normal: nothing to acknowledge" });
      assert.deepEqual(ev.ack("NOPE", "ann", T0), { ok: false, reason: "unknown alarm 'NOPE'" });
      feed(ev, 0, 1450);
      const active = JSON.stringify(ev.list());
      assert.deepEqual(ev.ack("T-H", " ", T0), { ok: false, reason: "a user is required" });
      assert.equal(JSON.stringify(ev.list()), active);
      ev.ack("T-H", "ann", T0);
      assert.deepEqual(ev.ack("T-H", "ann", T0), { ok: false, reason: "alarm 'T-H' is ack-active: nothing to acknowledge" });
      assert.notEqual(before, active);
    });

    it("counts by state and by priority (alarms in the list only)", () => {
      const ev = evaluator([
        HIGH,
        { ...HIGH, id: "T-HH", level: "HH", limit: 1500, priority: "critical" },
        { ...HIGH, id: "T-L", level: "L", limit: 300, priority: "low" },
        { id: "C", kind: "comm", device: "htr-plc", station: "htr", priority: "high", message: "down" },
      ]);
      feed(ev, 0, 1600);
      ev.ack("T-HH", "ann", T0);
      ev.shelve("C", 10, "r", "ann", T0);
      const c = ev.counts();
      assert.deepEqual(c.byState, {
        normal: 1,
        "unack-active": 1,
        "ack-active": 1,
        "rtn-unack": 0,
        shelved: 1,
        suppressed: 0,
        "out-of-service": 0,
      });
      assert.deepEqual(c.byPriority, { critical: 1, high: 1, medium: 0, low: 0 });
      assert.equal(c.unacknowledged, 1);
      assert.deepEqual(
        ev.list().map((a) => a.id),
        ["T-H", "T-HH", "T-L", "C"],
      );
    });

    it("the events of one call come in the order of the definitions; runs are deterministic", () => {
      const run = (): AlarmEvent[] => {
        const ev = evaluator([{ ...HIGH, id: "B" }, { ...HIGH, id: "A", limit: 1300 }]);
        return [...feed(ev, 0, 1450), ...feed(ev, S, 1200)];
      };
      assert.deepEqual(brief(run()), [
        "B activate normal→unack-active",
        "A activate normal→unack-active",
        "B clear unack-active→rtn-unack",
        "A clear unack-active→rtn-unack",
      ]);
      assert.deepEqual(run(), run());
    });

    it("refuses definitions with a duplicate id", () => {
      assert.throws(() => evaluator([HIGH, HIGH]), /duplicate alarm id 'T-H'/);
    });

    it("its line states are PackML's (src/control may not be imported by a pure domain)", () => {
      assert.deepEqual([...ALARM_LINE_STATES].sort(), [...PACKML_STATES].sort());
    });
  });
});
