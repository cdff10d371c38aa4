import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { GOOD, type TagValue } from "../../../src/core/tag-value.js";
import { alarmsFileSchema } from "../../../src/alarms/alarm-schema.js";
import type { AlarmEvent } from "../../../src/alarms/alarm-event.js";
import { AlarmService } from "../../../src/control/alarm-service.js";
import type { InterlockEvent } from "../../../src/interlocks/interlock-types.js";
import type { StateTransition } from "../../../src/control/state-transition.js";
import type { TagChange } from "../../../src/tags/tag-table.js";

const defs = alarmsFileSchema.parse({
  settings: {},
  alarms: [
    { id: "IL-07-TRIP", kind: "interlock", interlock: "IL-07", station: "htr", priority: "critical", message: "door" },
    { id: "IL-07-PLC", kind: "plc-trip", plcTripUnconfirmed: "IL-07", station: "htr", priority: "critical", latching: true, message: "unconfirmed" },
    { id: "COMM-PLC", kind: "comm", device: "plc", station: "line", priority: "high", message: "link" },
    { id: "HIST-OFF", kind: "historian", condition: "offline", station: "line", priority: "medium", message: "historian" },
    { id: "T-HH", kind: "analog", tag: "htr.t", level: "HH", limit: 100, deadband: 5, station: "htr", priority: "high", suppressWhen: ["Stopped"], message: "hot" },
  ],
});

/** The service over hand-driven sources; its poll is called by hand (tickMs huge, timers unref'd by stop()). */
function harness() {
  const clock = new ManualClock(1000);
  const il = { tripped: [] as string[], missingPermissives: [] as string[] };
  let ilListener: (e: InterlockEvent) => void = () => undefined;
  let tagListener: (c: TagChange) => void = () => undefined;
  let lineListener: (t: StateTransition) => void = () => undefined;
  const devices = [{ deviceId: "plc", state: "OK" }];
  const historian = { online: true, spoolFraction: 0 };
  const events: AlarmEvent[] = [];
  const svc = new AlarmService({
    defs,
    tags: { all: () => [] },
    interlocks: { onEvent: (l) => ((ilListener = l), () => undefined), status: () => il },
    line: { onTransition: (l) => ((lineListener = l), () => undefined) },
    devices: () => devices,
    historian: () => historian,
    targets: () => ({}),
    clock,
    logger: silentLogger(),
    tickMs: 3_600_000,
  });
  svc.onEvent((e) => events.push(e));
  // The runtime subscribes the service to the tag table; here the test feeds its listener by hand.
  tagListener = (c) => svc.onTagChange(c);
  svc.start();
  const state = (id: string) => svc.get(id)!.state;
  const poll = () => (svc as unknown as { poll(): void }).poll();
  const tag = (value: number): void => {
    const v: TagValue = { value, quality: GOOD, sourceTs: clock.now(), serverTs: clock.now() };
    tagListener({ name: "htr.t", config: {} as TagChange["config"], previous: v, current: v });
  };
  return { svc, clock, il, devices, historian, events, state, poll, tag, ilEvent: (e: InterlockEvent) => ilListener(e), line: (to: string) => lineListener({ scope: "line", from: null, to, detail: "", at: clock.now() }) };
}

describe("alarm service (wiring of the evaluator)", () => {
  it("an interlock alarm follows the interlock's state: tripped (latched) or permissive missing; normal after reset + ack", () => {
    const h = harness();
    h.il.missingPermissives.push("IL-07");
    h.poll();
    assert.equal(h.state("IL-07-TRIP"), "unack-active", "a missing permissive");
    h.il.missingPermissives.length = 0;
    h.il.tripped.push("IL-07");
    h.ilEvent({ type: "trip", interlock: "IL-07", title: "door", severity: "critical", at: 1000, cause: { text: "", readings: [] }, firstOut: true, viaNotGood: false });
    assert.equal(h.state("IL-07-TRIP"), "unack-active", "still active: now the latched trip");
    h.il.tripped.length = 0;
    h.ilEvent({ type: "reset", interlock: "IL-07", at: 1000, by: "op" });
    assert.equal(h.state("IL-07-TRIP"), "rtn-unack");
    assert.equal(h.svc.ack("IL-07-TRIP", "op").ok, true);
    assert.equal(h.state("IL-07-TRIP"), "normal");
    h.svc.stop();
  });

  it("an unconfirmed PLC trip raises its latched alarm; it clears only after the trip is gone, and needs ack", () => {
    const h = harness();
    h.il.tripped.push("IL-07");
    h.ilEvent({ type: "trip-not-confirmed", interlock: "IL-07", at: 1000, causeSince: 900, tag: "htr.trip_word", bit: 1, tripWord: 0, cause: { text: "", readings: [] } });
    assert.equal(h.state("IL-07-PLC"), "unack-active");
    h.poll();
    assert.equal(h.state("IL-07-PLC"), "unack-active", "the trip stands");
    h.il.tripped.length = 0;
    h.poll();
    assert.equal(h.state("IL-07-PLC"), "rtn-unack");
    h.svc.stop();
  });

  it("device links, the historian and the line state (suppression by design) come in on the poll", () => {
    const h = harness();
    h.devices[0]!.state = "DOWN";
    h.historian.online = false;
    h.poll();
    assert.equal(h.state("COMM-PLC"), "unack-active");
    assert.equal(h.state("HIST-OFF"), "unack-active");
    h.line("Stopped");
    h.tag(120);
    assert.equal(h.state("T-HH"), "suppressed", "HH suppressed while Stopped");
    h.line("Execute");
    assert.equal(h.state("T-HH"), "unack-active", "back, unacknowledged, the condition still there");
    assert.ok(h.events.some((e) => e.alarmId === "T-HH" && e.transition === "unsuppress"));
    h.svc.stop();
  });

  it("operator refusals change nothing and emit nothing", () => {
    const h = harness();
    const n = h.events.length;
    assert.equal(h.svc.ack("T-HH", "op").ok, false);
    assert.equal(h.svc.shelve("T-HH", 10, "", "op").ok, false);
    assert.equal(h.svc.ack("NOPE", "op").ok, false);
    assert.equal(h.events.length, n);
    h.svc.stop();
  });
});
