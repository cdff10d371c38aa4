import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { loadConfig } from "../../../src/config/config-loader.js";
import { formatProblem } from "../../../src/core/problem.js";
import { bad, GOOD, type Quality, type TagScalar, type TagValue, uncertain } from "../../../src/core/tag-value.js";
import type { InterlockAction, InterlockEvent, InterlockInputs, InterlockState } from "../../../src/interlocks/interlock-types.js";
import { bypass, removeBypass } from "../../../src/interlocks/interlock-bypass.js";
import { evaluate, evaluateDue, evaluateFor } from "../../../src/interlocks/interlock-evaluator.js";
import { contextReadBy, tagsReadBy } from "../../../src/interlocks/interlock-readers.js";
import { reset } from "../../../src/interlocks/interlock-reset.js";
import { createInterlockState, nextDeadline } from "../../../src/interlocks/interlock-state.js";
import { permits, status } from "../../../src/interlocks/interlock-status.js";
import type { InterlockDefs } from "../../../src/interlocks/interlock-schema.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function realDefs(): InterlockDefs {
  const result = loadConfig(join(root, "plc-config"));
  if (!result.ok) assert.fail(result.problems.map(formatProblem).join("\n"));
  return result.config.interlocks;
}

const defs = realDefs();

/** A line running and heating, every interlock input healthy. */
const HEALTHY: Record<string, TagScalar> = {
  "htr.estop_ok": true,
  "htr.web_temp": 1340,
  "htr.o2": 10,
  "htr.heater_enable": true,
  "htr.heater_on": true,
  "htr.door_closed": true,
  "htr.supply_current": 300,
  "htr.trip_word": 0,
  "quench.gas_flow": 150,
  "quench.coolant_flow": 10,
  "feed.web_tension": 50,
  "rinse.rewind_tension": 51,
  "rinse.tank_level": 55,
  "htr-plc.scada_heartbeat_ok": true,
  "line-plc.scada_heartbeat_ok": true,
  "line-plc.trip_word": 0,
};

/** Fake time and a fake tag table around the pure evaluator; records every action. */
class Rig {
  now = 1_000_000;
  readonly tags = new Map<string, TagValue>();
  line: { running: boolean; heating?: boolean } = { running: true, heating: true };
  recipe: InterlockInputs["recipe"] = { verified: true, params: { peakTempK: 1340 } };
  heartbeats: Record<string, { stale: boolean }> = { "htr-plc": { stale: false }, "line-plc": { stale: false } };
  state: InterlockState = createInterlockState(defs);
  actions: InterlockAction[] = [];

  constructor(values: Record<string, TagScalar> = HEALTHY) {
    for (const [name, value] of Object.entries(values)) this.put(name, value);
    this.run(evaluate(defs, this.state, this.inputs(), this.now));
    this.actions = [];
  }

  inputs(): InterlockInputs {
    return { tags: (n) => this.tags.get(n), line: this.line, recipe: this.recipe, heartbeats: this.heartbeats };
  }

  private put(name: string, value: TagScalar | null, quality: Quality = GOOD): void {
    this.tags.set(name, { value, quality, sourceTs: this.now, serverTs: this.now });
  }

  private run(r: { state: InterlockState; actions: readonly InterlockAction[] }): readonly InterlockAction[] {
    this.state = r.state;
    this.actions.push(...r.actions);
    return r.actions;
  }

  /** A tag changes: only the interlocks that read it are evaluated (the trip path). */
  set(name: string, value: TagScalar | null, quality: Quality = GOOD): readonly InterlockAction[] {
    this.put(name, value, quality);
    return this.run(evaluateFor(defs, this.state, tagsReadBy(defs).get(name) ?? [], this.inputs(), this.now));
  }

  /** Something other than a tag changed (line, recipe, heartbeats): evaluate everything. */
  context(): readonly InterlockAction[] {
    return this.run(evaluate(defs, this.state, this.inputs(), this.now));
  }

  /** Time passes; the timer fires at every deadline on the way, as the runtime's would. */
  advance(ms: number): readonly InterlockAction[] {
    const end = this.now + ms;
    const out: InterlockAction[] = [];
    for (let due = nextDeadline(this.state); due !== null && due <= end; due = nextDeadline(this.state)) {
      this.now = Math.max(this.now, due);
      out.push(...this.run(evaluateDue(defs, this.state, this.inputs(), this.now)));
      if (nextDeadline(this.state) === due) break; // nothing more to do at this instant
    }
    this.now = end;
    out.push(...this.run(evaluateDue(defs, this.state, this.inputs(), this.now)));
    return out;
  }

  reset(by = "op1"): ReturnType<typeof reset> {
    const r = reset(this.state, by, this.now, this.inputs());
    this.state = r.state;
    this.actions.push(...r.actions);
    return r;
  }

  events(type?: InterlockEvent["type"]): InterlockEvent[] {
    return this.actions.flatMap((a) => (a.kind === "event" && (type === undefined || a.event.type === type) ? [a.event] : []));
  }

  stateOf(id: string): string | undefined {
    return status(defs, this.state).interlocks.find((e) => e.id === id)?.state;
  }
}

const writes = (actions: readonly InterlockAction[]): string[] =>
  actions.flatMap((a) => (a.kind === "write" ? [`${a.tag}=${String(a.value)} (${a.interlock ?? "reset"})`] : []));
const lineCommands = (actions: readonly InterlockAction[]): string[] =>
  actions.flatMap((a) => (a.kind === "line" ? [`${a.command} (${a.interlock})`] : []));
const tripIds = (actions: readonly InterlockAction[]): string[] =>
  actions.flatMap((a) => (a.kind === "event" && a.event.type === "trip" ? [a.event.interlock] : []));

describe("interlock evaluator", () => {
  describe("the real interlocks.yaml", () => {
    it("is quiet on a healthy running line: nothing tripped, every permissive present", () => {
      const rig = new Rig();
      const s = status(defs, rig.state);
      assert.deepEqual(s.tripped, []);
      assert.equal(s.permissivesOk, true);
      assert.equal(s.firstOut, null);
      assert.deepEqual(s.interlocks.map((e) => e.state), Array(13).fill("healthy"));
      assert.deepEqual(permits(rig.state, "line"), { ok: true, blockedBy: [] });
      assert.deepEqual(permits(rig.state, "heater"), { ok: true, blockedBy: [] });
    });

    it("indexes every tag to the interlocks that read it", () => {
      const idx = tagsReadBy(defs);
      assert.deepEqual(idx.get("htr.o2"), ["IL-03", "IL-04", "IL-08"]);
      assert.deepEqual(idx.get("htr.heater_enable"), ["IL-03", "IL-05", "IL-08", "IL-12"]);
      assert.deepEqual(idx.get("htr.trip_word"), ["IL-01", "IL-02", "IL-03", "IL-07", "IL-09", "IL-12"]);
      assert.deepEqual(idx.get("line-plc.trip_word"), ["IL-13"]);
      assert.deepEqual(idx.get("htr.heater_on"), ["IL-03"]);
      assert.equal(idx.get("feed.web_speed"), undefined);
      assert.deepEqual(contextReadBy(defs), { recipe: ["IL-02", "IL-11"], line: ["IL-06", "IL-13"], heartbeats: ["IL-08"] });
    });
  });

  describe("each interlock on its cause", () => {
    it("IL-01 e-stop: heater off, drives and doser stop, abort", () => {
      const rig = new Rig();
      const a = rig.set("htr.estop_ok", false);
      assert.deepEqual(writes(a), [
        "htr.heater_enable=false (IL-01)",
        "feed.drives_run=false (IL-01)",
        "feed.doser_on=false (IL-01)",
      ]);
      assert.deepEqual(lineCommands(a), ["abort (IL-01)"]);
      assert.deepEqual(tripIds(a), ["IL-01"]);
      assert.equal(rig.stateOf("IL-01"), "tripped");
    });

    it("IL-02 over-temperature: limit is recipe peak + 80 K", () => {
      const rig = new Rig();
      assert.deepEqual(tripIds(rig.set("htr.web_temp", 1420)), []);
      const a = rig.set("htr.web_temp", 1420.5);
      assert.deepEqual(tripIds(a), ["IL-02"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-02)"]);
      assert.deepEqual(lineCommands(a), ["abort (IL-02)"]);
      const trip = rig.events("trip")[0];
      assert.ok(trip?.type === "trip");
      assert.match(trip.cause.text, /htr\.web_temp = 1420\.5 > 1420 \(recipe peakTempK\)/);
      assert.deepEqual(trip.cause.readings, [{ tag: "htr.web_temp", value: 1420.5, quality: "Good", limit: 1420 }]);
    });

    it("IL-02 follows the recipe peak and caps the limit at 1500 K (also without a recipe)", () => {
      const hot = new Rig();
      hot.recipe = { verified: true, params: { peakTempK: 1450 } };
      hot.context();
      assert.deepEqual(tripIds(hot.set("htr.web_temp", 1500)), [], "min(1450 + 80, 1500) = 1500");
      assert.deepEqual(tripIds(hot.set("htr.web_temp", 1500.1)), ["IL-02"]);

      const cool = new Rig();
      cool.set("htr.web_temp", 1200);
      cool.recipe = { verified: true, params: { peakTempK: 1200 } };
      cool.context();
      assert.deepEqual(tripIds(cool.set("htr.web_temp", 1280)), []);
      assert.deepEqual(tripIds(cool.set("htr.web_temp", 1281)), ["IL-02"]);

      const none = new Rig();
      none.recipe = null;
      none.context();
      assert.deepEqual(tripIds(none.set("htr.web_temp", 1499)), []);
      assert.deepEqual(tripIds(none.set("htr.web_temp", 1501)), ["IL-02"]);
    });

    it("IL-03 O₂ above 1000 ppm trips only while the heater is enabled: heater off, hold", () => {
      const rig = new Rig();
      rig.set("htr.heater_enable", false);
      rig.set("htr.heater_on", false);
      assert.deepEqual(tripIds(rig.set("htr.o2", 1500)), []);
      const a = rig.set("htr.heater_enable", true);
      assert.deepEqual(tripIds(a), ["IL-03"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-03)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-03)"]);
    });

    it("IL-04 O₂ ≥ 50 ppm: the heater may not start (no trip, no writes)", () => {
      const rig = new Rig();
      const a = rig.set("htr.o2", 50);
      assert.deepEqual(writes(a), []);
      assert.deepEqual(rig.events().map((e) => `${e.type} ${e.interlock}`), ["permissive-lost IL-04"]);
      assert.equal(rig.stateOf("IL-04"), "permissive-missing");
      assert.deepEqual(permits(rig.state, "heater"), { ok: false, blockedBy: ["IL-04"] });
      assert.deepEqual(permits(rig.state, "line"), { ok: true, blockedBy: [] });
      assert.deepEqual(status(defs, rig.state).missingPermissives, ["IL-04"]);
      rig.set("htr.o2", 49.9);
      assert.deepEqual(rig.events().map((e) => `${e.type} ${e.interlock}`), ["permissive-lost IL-04", "permissive-restored IL-04"]);
      assert.equal(permits(rig.state, "heater").ok, true);
    });

    it("IL-05 quench flow low while heater enabled trips after 500 ms: heater off, hold", () => {
      const rig = new Rig();
      rig.set("quench.coolant_flow", 3);
      assert.deepEqual(tripIds(rig.advance(499)), []);
      const a = rig.advance(1);
      assert.deepEqual(tripIds(a), ["IL-05"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-05)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-05)"]);

      const gas = new Rig();
      gas.set("htr.heater_enable", false);
      gas.set("quench.gas_flow", 10);
      assert.deepEqual(tripIds(gas.advance(5000)), [], "not while the heater is off");
    });

    it("IL-05 on-delay restarts when the cause drops out", () => {
      const rig = new Rig();
      rig.set("quench.gas_flow", 10);
      rig.advance(400);
      rig.set("quench.gas_flow", 150);
      rig.advance(10);
      rig.set("quench.gas_flow", 10);
      assert.deepEqual(tripIds(rig.advance(499)), []);
      assert.deepEqual(tripIds(rig.advance(1)), ["IL-05"]);
    });

    it("IL-06 web break (tension low while running): drives stop, heater off, abort — not while stopped", () => {
      const rig = new Rig();
      rig.set("rinse.rewind_tension", 0);
      assert.deepEqual(tripIds(rig.advance(199)), []);
      const a = rig.advance(1);
      assert.deepEqual(tripIds(a), ["IL-06"]);
      assert.deepEqual(writes(a), ["feed.drives_run=false (IL-06)", "feed.doser_on=false (IL-06)", "htr.heater_enable=false (IL-06)"]);
      assert.deepEqual(lineCommands(a), ["abort (IL-06)"]);

      const stopped = new Rig();
      stopped.line = { running: false };
      stopped.context();
      stopped.set("feed.web_tension", 0);
      assert.deepEqual(tripIds(stopped.advance(1000)), []);
      stopped.line = { running: true };
      stopped.context();
      assert.deepEqual(tripIds(stopped.advance(200)), ["IL-06"]);
    });

    it("IL-07 door open: heater off, heater may not start; hold", () => {
      const rig = new Rig();
      const a = rig.set("htr.door_closed", false);
      assert.deepEqual(tripIds(a), ["IL-07"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-07)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-07)"]);
      assert.deepEqual(permits(rig.state, "heater").blockedBy, ["IL-07"]);
    });

    it("IL-08 a value not Good for 250 ms: heater off, hold", () => {
      const rig = new Rig();
      rig.set("rinse.tank_level", null, bad("communication lost"));
      assert.deepEqual(tripIds(rig.advance(249)), []);
      const a = rig.advance(1);
      assert.deepEqual(tripIds(a), ["IL-08"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-08)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-08)"]);
      const trip = rig.events("trip")[0];
      assert.ok(trip?.type === "trip");
      assert.equal(trip.cause.text, "rinse.tank_level not Good for 250 ms (Bad: communication lost)");
      assert.equal(trip.viaNotGood, false);
    });

    it("IL-08 a value that recovers within 250 ms does not trip; the clock restarts", () => {
      const rig = new Rig();
      rig.set("htr.o2", 10, uncertain("stale"));
      rig.advance(200);
      rig.set("htr.o2", 10);
      rig.advance(100);
      rig.set("htr.o2", 10, uncertain("stale"));
      assert.deepEqual(tripIds(rig.advance(249)), []);
      // IL-03 reads O₂ too (while the heater is enabled): its cause is unknown, so it trips with IL-08, after it.
      assert.deepEqual(tripIds(rig.advance(1)), ["IL-08", "IL-03"]);
    });

    it("IL-08 a stale PLC heartbeat trips at once", () => {
      const rig = new Rig();
      rig.heartbeats = { "htr-plc": { stale: false }, "line-plc": { stale: true } };
      const a = rig.context();
      assert.deepEqual(tripIds(a), ["IL-08"]);
      assert.match(rig.events("trip")[0]?.type === "trip" ? (rig.events("trip")[0] as { cause: { text: string } }).cause.text : "", /heartbeat of line-plc stale/);

      const missing = new Rig();
      missing.heartbeats = { "htr-plc": { stale: false } };
      assert.deepEqual(tripIds(missing.context()), ["IL-08"], "a device without heartbeat news counts as stale");
    });

    it("IL-09 supply over-current: heater off, hold", () => {
      const rig = new Rig();
      const a = rig.set("htr.supply_current", 560);
      assert.deepEqual(tripIds(a), ["IL-09"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-09)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-09)"]);
    });

    it("IL-10 rinse tank high-high for 1 s: rinse pump off, hold", () => {
      const rig = new Rig();
      rig.set("rinse.tank_level", 92);
      assert.deepEqual(tripIds(rig.advance(999)), []);
      const a = rig.advance(1);
      assert.deepEqual(tripIds(a), ["IL-10"]);
      assert.deepEqual(writes(a), ["rinse.pump_on=false (IL-10)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-10)"]);
    });

    it("IL-11 no verified recipe: the line may not start", () => {
      const rig = new Rig();
      rig.recipe = null;
      rig.context();
      assert.deepEqual(permits(rig.state, "line"), { ok: false, blockedBy: ["IL-11"] });
      assert.deepEqual(permits(rig.state, "heater"), { ok: true, blockedBy: [] });
      const lost = rig.events("permissive-lost")[0];
      assert.ok(lost?.type === "permissive-lost");
      assert.equal(lost.cause.text, "no recipe loaded");
      rig.recipe = { verified: false, params: { peakTempK: 1340 } };
      rig.context();
      assert.equal(permits(rig.state, "line").ok, false);
      rig.recipe = { verified: true, params: { peakTempK: 1340 } };
      rig.context();
      assert.equal(permits(rig.state, "line").ok, true);
      assert.deepEqual(rig.events().map((e) => e.type), ["permissive-lost", "permissive-restored"]);
    });
  });

  describe("values that are not Good", () => {
    it("a trip whose cause reads a Bad value trips after 250 ms; the fail-safe IL-08 is first-out", () => {
      const rig = new Rig();
      assert.deepEqual(tripIds(rig.set("htr.web_temp", null, bad("pyrometer fault"))), []);
      assert.deepEqual(tripIds(rig.advance(249)), []);
      const a = rig.advance(1);
      assert.deepEqual(tripIds(a), ["IL-08", "IL-02"], "a seen cause ranks before one inferred from bad data");
      const s = status(defs, rig.state);
      assert.equal(s.firstOut?.interlock, "IL-08");
      assert.equal(s.trips[1]?.viaNotGood, true);
      assert.match(s.trips[1]?.cause.text ?? "", /htr\.web_temp is Bad \(pyrometer fault\)/);
    });

    it("an unknown value does not trip where the rest of the cause is false (three-valued logic)", () => {
      const rig = new Rig();
      rig.set("htr.heater_enable", false);
      rig.set("htr.o2", null, bad("analyser fault"));
      rig.advance(1000);
      const s = status(defs, rig.state);
      assert.equal(s.interlocks.find((e) => e.id === "IL-03")?.cause, "absent", "O₂ unknown, heater not enabled: IL-03 cause is false");
      assert.deepEqual(s.tripped, ["IL-08"]);
    });

    it("a permissive reading a value that is not Good is missing at once", () => {
      const rig = new Rig();
      rig.set("htr.o2", 10, uncertain("out of range"));
      assert.equal(rig.stateOf("IL-04"), "permissive-missing");
      assert.deepEqual(permits(rig.state, "heater").blockedBy, ["IL-04"]);
      assert.deepEqual(tripIds(rig.actions), []);
    });

    it("a reset is refused while a cause is unknown", () => {
      const rig = new Rig();
      rig.set("htr.door_closed", false);
      rig.set("htr.door_closed", null, bad("no data"));
      const r = rig.reset();
      assert.deepEqual(r.reset, []);
      assert.match(r.remaining[0]?.reason ?? "", /^cause not known to be clear \(an input is not Good\)/);
    });
  });

  describe("latching, reset and first-out", () => {
    it("a trip stays latched after its cause clears, until reset; reset is refused while the cause is present", () => {
      const rig = new Rig();
      rig.set("htr.door_closed", false);
      assert.equal(rig.stateOf("IL-07"), "tripped");

      const refused = rig.reset("anna");
      assert.deepEqual(refused.reset, []);
      assert.deepEqual(refused.remaining, [{ id: "IL-07", reason: "cause still present: htr.door_closed = false == false" }]);
      assert.equal(rig.stateOf("IL-07"), "tripped");
      const ev = rig.events("reset-refused")[0];
      assert.ok(ev?.type === "reset-refused");
      assert.equal(ev.by, "anna");
      assert.deepEqual(writes(refused.actions), ["htr.trip_reset=true (reset)", "line-plc.trip_reset=true (reset)"], "the PLCs' trip resets are written on every reset");

      const cleared = rig.set("htr.door_closed", true);
      assert.deepEqual(cleared.map((a) => (a.kind === "event" ? a.event.type : a.kind)), ["clear"]);
      assert.equal(rig.stateOf("IL-07"), "latched");
      assert.deepEqual(permits(rig.state, "heater").blockedBy, ["IL-07"], "latched still blocks");
      assert.deepEqual(tripIds(rig.set("htr.door_closed", true)), [], "no new trip while latched");

      const done = rig.reset("anna");
      assert.deepEqual(done.reset, ["IL-07"]);
      assert.deepEqual(done.remaining, []);
      assert.equal(rig.stateOf("IL-07"), "healthy");
      assert.equal(permits(rig.state, "heater").ok, true);
    });

    it("regression: IL-06 web break cannot be reset while the web is still broken, though the stopped line ends its `while`", () => {
      const rig = new Rig();
      rig.set("feed.web_tension", 0);
      rig.set("rinse.rewind_tension", 0);
      rig.advance(300);
      assert.deepEqual(status(defs, rig.state).tripped, ["IL-06"]);
      // The abort stops the line: the cause (tension low *while running*) reads absent, the web is still torn.
      rig.line = { running: false, heating: false };
      rig.context();
      const refused = rig.reset();
      assert.deepEqual(refused.reset, []);
      assert.equal(refused.remaining[0]?.id, "IL-06");
      assert.match(refused.remaining[0]!.reason, /the fault is still there: feed\.web_tension = 0 < 10/);
      assert.deepEqual(permits(rig.state, "line").blockedBy, ["IL-06"], "start stays refused");
      rig.set("feed.web_tension", 50);
      rig.set("rinse.rewind_tension", 51);
      assert.deepEqual(rig.reset().reset, ["IL-06"], "reset once the web is whole again");
    });

    it("regression: IL-05 coolant loss cannot be reset while the coolant is commanded on and not flowing", () => {
      const rig = new Rig({ ...HEALTHY, "quench.gas_on": true, "quench.coolant_on": true });
      rig.set("quench.coolant_flow", 0);
      rig.advance(600);
      assert.deepEqual(status(defs, rig.state).tripped, ["IL-05"]);
      rig.set("htr.heater_enable", false); // the trip's own write: the `while` ends
      assert.deepEqual(rig.reset().remaining.map((r) => r.id), ["IL-05"]);
      // A stopped quench (valves closed) is no fault: the reset goes through (no deadlock after a stop).
      rig.set("quench.coolant_on", false);
      rig.set("quench.gas_on", false);
      rig.set("quench.gas_flow", 0);
      assert.deepEqual(rig.reset().reset, ["IL-05"]);
    });

    it("regression: a resetBlockedWhile that cannot be decided (no inputs) keeps the trip latched", () => {
      const rig = new Rig({ ...HEALTHY, "quench.gas_on": true, "quench.coolant_on": true });
      rig.set("quench.coolant_flow", 0);
      rig.advance(600);
      rig.set("quench.coolant_flow", 10);
      assert.deepEqual(reset(rig.state, "op1", rig.now).remaining.map((r) => r.id), ["IL-05"]);
      assert.deepEqual(rig.reset().reset, ["IL-05"]);
    });

    it("regression: IL-07 door and IL-09 over-current hold the line (a PLC heater trip in Execute would leave it standing in Execute)", () => {
      assert.deepEqual(lineCommands(new Rig().set("htr.door_closed", false)), ["hold (IL-07)"]);
      assert.deepEqual(lineCommands(new Rig().set("htr.supply_current", 600)), ["hold (IL-09)"]);
    });

    it("a trip fires its writes once, on the edge", () => {
      const rig = new Rig();
      rig.set("htr.supply_current", 600);
      rig.set("htr.supply_current", 610);
      rig.advance(5000);
      assert.deepEqual(writes(rig.actions), ["htr.heater_enable=false (IL-09)"]);
    });

    it("the first-out is kept across later trips and cleared only by a full reset", () => {
      const rig = new Rig();
      rig.set("htr.door_closed", false);
      rig.now += 5;
      rig.set("htr.estop_ok", false);
      rig.now += 5;
      rig.set("htr.supply_current", 600);
      let s = status(defs, rig.state);
      assert.equal(s.firstOut?.interlock, "IL-07");
      assert.equal(s.firstOut?.at, 1_000_000);
      assert.deepEqual(s.firstOut?.cause.readings, [{ tag: "htr.door_closed", value: false, quality: "Good", limit: false }]);
      assert.deepEqual(s.trips.map((t) => t.interlock), ["IL-07", "IL-01", "IL-09"]);
      assert.deepEqual(s.interlocks.filter((e) => e.firstOut).map((e) => e.id), ["IL-07"]);
      const firstOuts = rig.events("trip").map((e) => (e.type === "trip" ? e.firstOut : null));
      assert.deepEqual(firstOuts, [true, false, false]);

      // Door and current clear, e-stop still pressed: a partial reset keeps the first-out.
      rig.set("htr.door_closed", true);
      rig.set("htr.supply_current", 300);
      const partial = rig.reset();
      assert.deepEqual(partial.reset, ["IL-07", "IL-09"]);
      assert.deepEqual(partial.remaining.map((r) => r.id), ["IL-01"]);
      s = status(defs, rig.state);
      assert.equal(s.firstOut?.interlock, "IL-07");
      assert.deepEqual(s.tripped, ["IL-01"]);

      rig.set("htr.estop_ok", true);
      const full = rig.reset();
      assert.deepEqual(full.reset, ["IL-01"]);
      s = status(defs, rig.state);
      assert.equal(s.firstOut, null);
      assert.deepEqual(s.trips, []);

      rig.set("htr.supply_current", 600);
      assert.equal(status(defs, rig.state).firstOut?.interlock, "IL-09", "a new first-out after the full reset");
    });
  });

  describe("bypass", () => {
    it("a bypassed interlock neither trips nor blocks, is reported, and trips when the bypass expires", () => {
      const rig = new Rig();
      const r = bypass(rig.state, "IL-06", { minutes: 30, reason: "threading a new web", by: "anna" }, rig.now);
      assert.ok(r.ok);
      rig.state = r.state;
      assert.deepEqual(r.bypass, { by: "anna", reason: "threading a new web", since: 1_000_000, until: 1_000_000 + 30 * 60_000, minutes: 30 });
      assert.deepEqual(r.actions.map((a) => a.kind === "event" && a.event.type), ["bypass-set"]);

      rig.set("feed.web_tension", 0);
      assert.deepEqual(tripIds(rig.advance(29 * 60_000)), []);
      assert.equal(rig.stateOf("IL-06"), "bypassed");
      const s = status(defs, rig.state);
      assert.deepEqual(s.bypassed, ["IL-06"]);
      assert.equal(s.interlocks.find((e) => e.id === "IL-06")?.cause, "present");

      const before = rig.advance(60_000 - 1);
      assert.deepEqual(tripIds(before), []);
      const at = rig.advance(1);
      assert.deepEqual(at.map((a) => (a.kind === "event" ? a.event.type : a.kind)), ["write", "write", "write", "line", "bypass-expired", "trip"]);
      assert.equal(rig.stateOf("IL-06"), "tripped");
    });

    it("a bypassed permissive does not block; removing the bypass restores it", () => {
      const rig = new Rig();
      rig.set("rinse.tank_level", 95);
      rig.advance(1000);
      assert.equal(rig.stateOf("IL-10"), "tripped");
      const r = bypass(rig.state, "IL-10", { minutes: 60, reason: "level probe coated, checked by sight", by: "ben" }, rig.now);
      assert.ok(r.ok);
      rig.state = r.state;
      assert.equal(permits(rig.state, "line").ok, true);
      const reset = rig.reset("ben");
      assert.deepEqual(reset.reset, ["IL-10"], "a bypassed trip may be reset while its cause is present");

      const removed = removeBypass(rig.state, "IL-10", "ben", rig.now);
      assert.ok(removed.ok);
      rig.state = removed.state;
      assert.equal(nextDeadline(rig.state), rig.now, "due at once");
      assert.deepEqual(tripIds(rig.advance(0)), ["IL-10"], "cause still present: trips again (no on-delay restart for a cause that never left)");
    });

    it("is refused without a reason or a name, over the limit, for an interlock that may not be bypassed, for an unknown id", () => {
      const rig = new Rig();
      const req = { minutes: 10, reason: "sensor swap", by: "anna" };
      const refusal = (id: string, r: Partial<typeof req>): string => {
        const out = bypass(rig.state, id, { ...req, ...r }, rig.now);
        return out.ok ? "ok" : out.reason;
      };
      assert.equal(refusal("IL-06", { reason: "   " }), "a reason is required");
      assert.equal(refusal("IL-06", { by: "" }), "who bypasses must be named");
      assert.equal(refusal("IL-06", { minutes: 0 }), "minutes must be more than 0");
      assert.equal(refusal("IL-06", { minutes: 31 }), "IL-06 may be bypassed for at most 30 minutes");
      assert.equal(refusal("IL-10", { minutes: 121 }), "IL-10 may be bypassed for at most 120 minutes");
      for (const id of ["IL-01", "IL-02", "IL-03", "IL-04", "IL-07", "IL-08", "IL-09", "IL-11"]) {
        assert.equal(refusal(id, {}), `${id} may not be bypassed (interlocks.yaml: bypass.allowed is false)`);
      }
      const unknown = bypass(rig.state, "IL-99", req, rig.now);
      assert.deepEqual(unknown, { ok: false, reason: "unknown interlock 'IL-99'", unknownInterlock: true });
      assert.equal(refusal("IL-05", { minutes: 60 }), "ok");
    });
  });

  describe("PLC trip confirmation", () => {
    it("raises trip-not-confirmed when the PLC's trip bit has not come within confirmMs", () => {
      const rig = new Rig();
      rig.set("htr.estop_ok", false);
      assert.deepEqual(rig.advance(99).filter((a) => a.kind === "event"), []);
      const a = rig.advance(1);
      const ev = a.flatMap((x) => (x.kind === "event" ? [x.event] : []));
      assert.equal(ev.length, 1);
      assert.deepEqual({ ...ev[0], cause: undefined }, {
        type: "trip-not-confirmed",
        interlock: "IL-01",
        at: 1_000_100,
        causeSince: 1_000_000,
        tag: "htr.trip_word",
        bit: 2,
        tripWord: 0,
        cause: undefined,
      });
      assert.deepEqual(rig.advance(10_000).filter((x) => x.kind === "event"), [], "reported once");
    });

    it("regression: mirrors the PLC's trip word — a trip bit the SCADA never saw the cause of trips the interlock (over-current spike between samples)", () => {
      const rig = new Rig();
      // The PLC cut the power within its scan: the SCADA's samples of the current never exceeded 550 A.
      const a = rig.set("htr.trip_word", 0b1_0000);
      assert.deepEqual(tripIds(a), ["IL-09"]);
      assert.deepEqual(writes(a), ["htr.heater_enable=false (IL-09)"]);
      assert.deepEqual(lineCommands(a), ["hold (IL-09)"]);
      const s = status(defs, rig.state);
      assert.equal(s.firstOut?.interlock, "IL-09");
      assert.match(s.firstOut!.cause.text, /^PLC trip: htr\.trip_word = 16, bit 4 set \(SCADA reading: htr\.supply_current = 300, not > 550\)/);
      assert.equal(s.firstOut!.viaNotGood, false);
      // The cause (current) is gone: the reset goes through; the bit, still set until the PLC takes the reset, trips nothing again.
      assert.deepEqual(rig.reset().reset, ["IL-09"]);
      assert.deepEqual(tripIds(rig.set("htr.trip_word", 0b1_0000)), [], "no re-trip on a bit already seen");
      assert.deepEqual(tripIds(rig.set("htr.trip_word", 0)), []);
      assert.deepEqual(tripIds(rig.set("htr.trip_word", 0b1_0000)), ["IL-09"], "a new PLC trip trips again");
    });

    it("says nothing when the bit comes in time, or was set already", () => {
      const rig = new Rig();
      rig.set("htr.door_closed", false);
      rig.advance(60);
      rig.set("htr.trip_word", 0b10);
      rig.advance(1000);
      assert.deepEqual(rig.events("trip-not-confirmed"), []);
      assert.equal(status(defs, rig.state).interlocks.find((e) => e.id === "IL-07")?.awaitingPlcTripSince, null);

      const already = new Rig({ ...HEALTHY, "htr.trip_word": 1 << 4 });
      already.set("htr.supply_current", 600);
      already.advance(1000);
      assert.deepEqual(already.events("trip-not-confirmed"), []);
    });

    it("expects the PLC only for its own cause: IL-02 above the recipe limit but below 1500 K needs no PLC trip", () => {
      const rig = new Rig();
      rig.set("htr.web_temp", 1450);
      rig.advance(1000);
      assert.deepEqual(tripIds(rig.actions), ["IL-02"]);
      assert.deepEqual(rig.events("trip-not-confirmed"), []);
      rig.set("htr.web_temp", 1510);
      rig.advance(1000);
      assert.deepEqual(rig.events("trip-not-confirmed").map((e) => e.interlock), ["IL-02"]);
    });

    it("IL-03 expects the PLC's O₂ trip only while the heater is actually on", () => {
      const rig = new Rig();
      rig.set("htr.heater_on", false);
      rig.set("htr.o2", 1500);
      rig.advance(1000);
      assert.deepEqual(tripIds(rig.actions), ["IL-03"]);
      assert.deepEqual(rig.events("trip-not-confirmed"), []);
    });

    it("counts a trip word that is not Good as no confirmation", () => {
      const rig = new Rig();
      rig.set("htr.trip_word", 4, bad("comm"));
      rig.set("htr.estop_ok", false);
      rig.advance(100);
      const ev = rig.events("trip-not-confirmed")[0];
      assert.ok(ev?.type === "trip-not-confirmed");
      assert.equal(ev.tripWord, null);
    });
  });

  describe("incremental evaluation", () => {
    it("returns the same state object when nothing changed", () => {
      const rig = new Rig();
      const before = rig.state;
      const r = evaluateFor(defs, before, tagsReadBy(defs).get("htr.o2") ?? [], rig.inputs(), rig.now);
      assert.equal(r.state, before);
      assert.deepEqual(r.actions, []);
    });

    it("evaluateFor on the changed tags' readers gives what evaluating everything gives (random tag sequences)", () => {
      const domains: Record<string, readonly TagScalar[]> = {
        "htr.estop_ok": [true, false],
        "htr.web_temp": [1300, 1410, 1430, 1510],
        "htr.o2": [10, 60, 1500],
        "htr.heater_enable": [true, false],
        "htr.heater_on": [true, false],
        "htr.door_closed": [true, false],
        "htr.supply_current": [300, 600],
        "htr.trip_word": [0, 1, 2, 4, 8, 16, 31],
        "quench.gas_flow": [150, 10],
        "quench.coolant_flow": [10, 2],
        "feed.web_tension": [50, 2],
        "rinse.rewind_tension": [50, 2],
        "rinse.tank_level": [55, 95],
      };
      const tagNames = Object.keys(domains);
      const change = fc.record({
        tag: fc.constantFrom(...tagNames),
        pick: fc.nat(),
        quality: fc.constantFrom<Quality>(GOOD, GOOD, GOOD, GOOD, bad("comm"), uncertain("stale")),
      });
      const stepArb = fc.record({
        dt: fc.constantFrom(0, 1, 40, 99, 100, 200, 249, 250, 260, 500, 1000, 1500),
        changes: fc.array(change, { maxLength: 3 }),
        context: fc.constantFrom("none", "none", "none", "line", "heartbeat", "recipe"),
        reset: fc.boolean(),
        bypass: fc.constantFrom("none", "none", "none", "IL-05", "IL-06", "IL-10"),
      });

      fc.assert(
        fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), (steps) => {
          const tags = new Map<string, TagValue>();
          let now = 0;
          for (const [name, values] of Object.entries(domains)) tags.set(name, { value: values[0]!, quality: GOOD, sourceTs: 0, serverTs: 0 });
          let line = { running: true, heating: true };
          let heartbeats: Record<string, { stale: boolean }> = { "htr-plc": { stale: false }, "line-plc": { stale: false } };
          let recipe: InterlockInputs["recipe"] = { verified: true, params: { peakTempK: 1340 } };
          const inputs = (): InterlockInputs => ({ tags: (n) => tags.get(n), line, recipe, heartbeats });

          let full = evaluate(defs, createInterlockState(defs), inputs(), now).state;
          let incr = full;
          const readers = tagsReadBy(defs);
          const ctxReaders = contextReadBy(defs);

          for (const s of steps) {
            now += s.dt;
            const ids: string[] = [];
            for (const c of s.changes) {
              const values = domains[c.tag]!;
              tags.set(c.tag, { value: values[c.pick % values.length]!, quality: c.quality, sourceTs: now, serverTs: now });
              ids.push(...(readers.get(c.tag) ?? []));
            }
            if (s.context === "line") {
              line = { running: !line.running, heating: line.heating };
              ids.push(...ctxReaders.line);
            } else if (s.context === "heartbeat") {
              heartbeats = { ...heartbeats, "line-plc": { stale: !heartbeats["line-plc"]?.stale } };
              ids.push(...ctxReaders.heartbeats);
            } else if (s.context === "recipe") {
              recipe = recipe === null ? { verified: true, params: { peakTempK: 1340 } } : recipe.verified ? { verified: false, params: { peakTempK: 1400 } } : null;
              ids.push(...ctxReaders.recipe);
            }
            const a = evaluate(defs, full, inputs(), now);
            const b = evaluateFor(defs, incr, ids, inputs(), now);
            assert.deepEqual(b.actions, a.actions);
            assert.deepEqual(status(defs, b.state), status(defs, a.state));
            assert.deepEqual([...b.state.records.values()], [...a.state.records.values()]);
            full = a.state;
            incr = b.state;
            if (s.bypass !== "none") {
              const fa = bypass(full, s.bypass, { minutes: 1, reason: "test", by: "prop" }, now);
              const fb = bypass(incr, s.bypass, { minutes: 1, reason: "test", by: "prop" }, now);
              if (fa.ok && fb.ok) {
                full = fa.state;
                incr = fb.state;
              }
            }
            if (s.reset) {
              const ra = reset(full, "prop", now);
              const rb = reset(incr, "prop", now);
              assert.deepEqual(rb.actions, ra.actions);
              full = ra.state;
              incr = rb.state;
            }
          }
        }),
        { numRuns: 300 },
      );
    });

    it("keeps the trip path short: a change re-evaluates a few interlocks in microseconds", () => {
      const rig = new Rig();
      const readers = tagsReadBy(defs).get("htr.web_temp") ?? [];
      let state = rig.state;
      let value = 1340;
      const inputs: InterlockInputs = { ...rig.inputs(), tags: (n) => (n === "htr.web_temp" ? { value, quality: GOOD, sourceTs: 0, serverTs: 0 } : rig.tags.get(n)) };
      const n = 20_000;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        value = 1340 + (i % 10);
        state = evaluateFor(defs, state, readers, inputs, rig.now + i).state;
      }
      const perChangeUs = Number(process.hrtime.bigint() - t0) / 1000 / n;
      assert.ok(perChangeUs < 50, `${perChangeUs.toFixed(2)} µs per change`);
      if (process.env.INTERLOCK_PERF === "1") console.log(`interlock evaluateFor: ${perChangeUs.toFixed(2)} µs per change`);
      assert.deepEqual(status(defs, state).tripped, []);
    });
  });
});
