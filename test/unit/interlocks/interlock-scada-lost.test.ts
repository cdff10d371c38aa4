import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../../src/config/config-loader.js";
import { formatProblem } from "../../../src/core/problem.js";
import { GOOD, type TagScalar, type TagValue } from "../../../src/core/tag-value.js";
import { evaluate, evaluateDue, evaluateFor } from "../../../src/interlocks/interlock-evaluator.js";
import { tagsReadBy } from "../../../src/interlocks/interlock-readers.js";
import { reset } from "../../../src/interlocks/interlock-reset.js";
import type { InterlockDefs } from "../../../src/interlocks/interlock-schema.js";
import { createInterlockState, nextDeadline } from "../../../src/interlocks/interlock-state.js";
import { status } from "../../../src/interlocks/interlock-status.js";
import type { InterlockAction, InterlockInputs, InterlockState } from "../../../src/interlocks/interlock-types.js";

/**
 * IL-12 / IL-13 of the real interlocks.yaml: the SCADA's side of the PLCs' SCADA watchdogs (docs/plc-watchdog.md).
 * The PLC trips on its own while the SCADA is gone; the SCADA mirrors the latched bit when it is back, refuses
 * the reset until the PLC sees its heartbeat again, and trips itself when the PLC says it does not see it.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const loaded = loadConfig(join(root, "plc-config"));
if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
const defs: InterlockDefs = loaded.config.interlocks;

/** The plant at rest as a SCADA finds it when it comes back: everything healthy, the heater off. */
const AT_REST: Record<string, TagScalar> = {
  "htr.estop_ok": true,
  "htr.web_temp": 300,
  "htr.o2": 10,
  "htr.heater_enable": false,
  "htr.heater_on": false,
  "htr.door_closed": true,
  "htr.supply_current": 0,
  "htr.trip_word": 0,
  "quench.gas_flow": 150,
  "quench.coolant_flow": 10,
  "feed.web_tension": 50,
  "rinse.rewind_tension": 50,
  "rinse.tank_level": 55,
  "feed.drives_run": false,
  "feed.doser_on": false,
  "feed.indexing": false,
  "htr-plc.scada_heartbeat_ok": true,
  "line-plc.scada_heartbeat_ok": true,
  "line-plc.trip_word": 0,
};

class Rig {
  now = 5_000_000;
  readonly tags = new Map<string, TagValue>();
  line: { running: boolean; heating?: boolean } = { running: false, heating: false };
  state: InterlockState = createInterlockState(defs);
  actions: InterlockAction[] = [];

  constructor(values: Record<string, TagScalar> = {}) {
    for (const [name, value] of Object.entries({ ...AT_REST, ...values })) this.put(name, value);
    this.run(evaluate(defs, this.state, this.inputs(), this.now));
  }

  inputs(): InterlockInputs {
    return {
      tags: (n) => this.tags.get(n),
      line: this.line,
      recipe: { verified: true, params: { peakTempK: 1340 } },
      heartbeats: { "htr-plc": { stale: false }, "line-plc": { stale: false } },
    };
  }

  private put(name: string, value: TagScalar): void {
    this.tags.set(name, { value, quality: GOOD, sourceTs: this.now, serverTs: this.now });
  }

  private run(r: { state: InterlockState; actions: readonly InterlockAction[] }): readonly InterlockAction[] {
    this.state = r.state;
    this.actions.push(...r.actions);
    return r.actions;
  }

  set(name: string, value: TagScalar): readonly InterlockAction[] {
    this.put(name, value);
    return this.run(evaluateFor(defs, this.state, tagsReadBy(defs).get(name) ?? [], this.inputs(), this.now));
  }

  context(): readonly InterlockAction[] {
    return this.run(evaluate(defs, this.state, this.inputs(), this.now));
  }

  advance(ms: number): readonly InterlockAction[] {
    const end = this.now + ms;
    const out: InterlockAction[] = [];
    for (let due = nextDeadline(this.state); due !== null && due <= end; due = nextDeadline(this.state)) {
      this.now = Math.max(this.now, due);
      out.push(...this.run(evaluateDue(defs, this.state, this.inputs(), this.now)));
      if (nextDeadline(this.state) === due) break;
    }
    this.now = end;
    out.push(...this.run(evaluateDue(defs, this.state, this.inputs(), this.now)));
    return out;
  }

  reset(): ReturnType<typeof reset> {
    const r = reset(this.state, "op1", this.now, this.inputs());
    this.state = r.state;
    this.actions.push(...r.actions);
    return r;
  }

  tripped(): readonly string[] {
    return status(defs, this.state).tripped;
  }
}

const writes = (actions: readonly InterlockAction[]): string[] =>
  actions.flatMap((a) => (a.kind === "write" ? [`${a.tag}=${String(a.value)}`] : []));
const lineCommands = (actions: readonly InterlockAction[]): string[] =>
  actions.flatMap((a) => (a.kind === "line" ? [`${a.command} (${a.interlock})`] : []));
const events = (actions: readonly InterlockAction[], type: string): string[] =>
  actions.flatMap((a) => (a.kind === "event" && a.event.type === type ? [a.event.interlock] : []));

describe("interlocks: SCADA lost (IL-12 HTR PLC, IL-13 line PLC watchdog)", () => {
  it("a SCADA at rest whose PLCs do not see its heartbeat yet trips nothing (the boot)", () => {
    const rig = new Rig({ "htr-plc.scada_heartbeat_ok": false, "line-plc.scada_heartbeat_ok": false });
    rig.advance(5000);
    assert.deepEqual(rig.tripped(), []);
    assert.deepEqual(events(rig.actions, "trip-not-confirmed"), []);
  });

  it("IL-12 mirrors the HTR PLC's latched SCADA-lost bit on return: heater off, abort", () => {
    const rig = new Rig();
    rig.actions = [];
    const a = rig.set("htr.trip_word", 1 << 5);
    assert.deepEqual(events(a, "trip"), ["IL-12"]);
    assert.deepEqual(writes(a), ["htr.heater_enable=false"]);
    assert.deepEqual(lineCommands(a), ["abort (IL-12)"]);
  });

  it("the reset is refused until the PLC sees the heartbeat again, and pulses both PLCs' trip resets", () => {
    const rig = new Rig({ "htr-plc.scada_heartbeat_ok": false });
    rig.set("htr.trip_word", 1 << 5);
    assert.deepEqual(rig.tripped(), ["IL-12"]);
    const refused = rig.reset();
    assert.deepEqual(writes(refused.actions), ["htr.trip_reset=true", "line-plc.trip_reset=true"]);
    assert.deepEqual(refused.remaining.map((r) => r.id), ["IL-12"]);
    assert.match(refused.remaining[0]!.reason, /htr-plc\.scada_heartbeat_ok/);
    rig.set("htr-plc.scada_heartbeat_ok", true);
    const done = rig.reset();
    assert.deepEqual(done.reset, ["IL-12"], "the PLC's bit clears with this reset's trip_reset pulse");
    rig.set("htr.trip_word", 0);
    assert.deepEqual(rig.tripped(), []);
  });

  it("IL-12 trips on its own when the PLC reports it does not see the heartbeat while the heater is enabled", () => {
    const rig = new Rig({ "htr.heater_enable": true });
    rig.actions = [];
    const a = rig.set("htr-plc.scada_heartbeat_ok", false);
    assert.deepEqual(events(a, "trip"), ["IL-12"]);
    assert.deepEqual(writes(a), ["htr.heater_enable=false"]);
    rig.set("htr.trip_word", 1 << 5);
    rig.advance(500);
    assert.deepEqual(events(rig.actions, "trip-not-confirmed"), [], "the PLC's bit came");
  });

  it("IL-12: a PLC that does not see the heartbeat and does not trip is 'not confirmed' (its watchdog is not protecting)", () => {
    const rig = new Rig({ "htr.heater_enable": true });
    rig.actions = [];
    rig.set("htr-plc.scada_heartbeat_ok", false);
    rig.advance(150);
    assert.deepEqual(events(rig.actions, "trip-not-confirmed"), ["IL-12"]);
  });

  it("IL-13 mirrors the line PLC's latched bit on return: drives and doser off, heater off, abort", () => {
    const rig = new Rig();
    rig.actions = [];
    const a = rig.set("line-plc.trip_word", 1);
    assert.deepEqual(events(a, "trip"), ["IL-13"]);
    assert.deepEqual(writes(a), ["feed.drives_run=false", "feed.doser_on=false", "htr.heater_enable=false"]);
    assert.deepEqual(lineCommands(a), ["abort (IL-13)"]);
  });

  it("IL-13 trips on its own while the line runs, not while it stands; confirmation follows the PLC's own 'running'", () => {
    const stopped = new Rig();
    stopped.set("line-plc.scada_heartbeat_ok", false);
    stopped.advance(500);
    assert.deepEqual(stopped.tripped(), [], "not running: no trip");

    const rig = new Rig();
    rig.line = { running: true, heating: false };
    rig.context();
    rig.actions = [];
    rig.set("line-plc.scada_heartbeat_ok", false);
    assert.deepEqual(rig.tripped(), ["IL-13"]);
    rig.advance(500);
    assert.deepEqual(events(rig.actions, "trip-not-confirmed"), [], "drives and doser not commanded: the PLC has nothing to stop");

    const running = new Rig({ "feed.doser_on": true });
    running.line = { running: true, heating: false };
    running.context();
    running.actions = [];
    running.set("line-plc.scada_heartbeat_ok", false);
    running.advance(150);
    assert.deepEqual(events(running.actions, "trip-not-confirmed"), ["IL-13"], "the doser was on and the PLC did not latch");
  });
});
