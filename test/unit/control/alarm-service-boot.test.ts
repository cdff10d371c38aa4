import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { bad, GOOD, type TagValue } from "../../../src/core/tag-value.js";
import { alarmsFileSchema } from "../../../src/alarms/alarm-schema.js";
import { AlarmService } from "../../../src/control/alarm-service.js";
import { FirstDataWatch } from "../../../src/tags/first-data-watch.js";
import type { TagChange } from "../../../src/tags/tag-table.js";

const defs = alarmsFileSchema.parse({
  settings: {},
  alarms: [
    { id: "PYRO-BAD", kind: "quality", tag: "htr.t", onDelayMs: 250, station: "htr", priority: "high", message: "pyrometer" },
    { id: "COMM-PLC", kind: "comm", device: "plc", station: "line", priority: "high", message: "link" },
  ],
});

/** The alarm service at boot, with the first-data watch the runtime gives it; its poll is called by hand. */
function boot() {
  const clock = new ManualClock(1_000_000);
  const noData: TagValue = { value: null, quality: bad("no data yet"), sourceTs: 0, serverTs: 0 };
  let current = noData;
  const devices = [{ deviceId: "plc", state: "DOWN" }];
  const firstData = new FirstDataWatch([{ id: "plc", tags: ["htr.t"] }], clock.now(), 10_000, 0);
  const svc = new AlarmService({
    defs,
    tags: { all: () => [{ config: { name: "htr.t" }, value: current }] },
    interlocks: { onEvent: () => () => undefined, status: () => ({ tripped: [], missingPermissives: [] }) },
    line: { onTransition: () => () => undefined },
    devices: () => devices,
    historian: () => null,
    firstData,
    targets: () => ({}),
    clock,
    logger: silentLogger(),
    tickMs: 3_600_000,
  });
  svc.start();
  const poll = () => (svc as unknown as { poll(): void }).poll();
  const arrive = (v: TagValue) => {
    const previous = current;
    current = v;
    const change = { name: "htr.t", config: {} as TagChange["config"], previous, current: v };
    firstData.observe(change, clock.now()); // the interlock service (the first listener) does this in the runtime
    svc.onTagChange(change);
  };
  return { svc, clock, devices, poll, arrive, state: (id: string) => svc.get(id)!.state };
}

describe("alarm service: the quiet boot", () => {
  it("before a device's first data neither its link nor its tags raise an alarm; its data then is judged as usual", () => {
    const b = boot();
    for (let i = 0; i < 50; i++) {
      b.clock.advance(100);
      b.poll();
    }
    assert.equal(b.state("COMM-PLC"), "normal", "link not judged within the start-up window");
    assert.equal(b.state("PYRO-BAD"), "normal", "'no data yet' is not a bad pyrometer");
    b.devices[0] = { deviceId: "plc", state: "OK" };
    b.arrive({ value: 0, quality: bad("sensor fault"), sourceTs: b.clock.now(), serverTs: b.clock.now() });
    b.clock.advance(300);
    b.poll();
    assert.equal(b.state("PYRO-BAD"), "unack-active", "a Bad first reading is a fault");
  });

  it("a device still silent after the window: its link alarm rises — and only that (its tags have no data to judge)", () => {
    const b = boot();
    b.clock.advance(9_900);
    b.poll();
    assert.equal(b.state("COMM-PLC"), "normal");
    b.clock.advance(100);
    b.poll();
    assert.equal(b.state("COMM-PLC"), "unack-active");
    b.clock.advance(300);
    b.poll();
    assert.equal(b.state("PYRO-BAD"), "normal");
  });

  it("a healthy first reading leaves everything normal", () => {
    const b = boot();
    b.devices[0] = { deviceId: "plc", state: "OK" };
    b.arrive({ value: 300, quality: GOOD, sourceTs: b.clock.now(), serverTs: b.clock.now() });
    b.clock.advance(20_000);
    b.poll();
    assert.equal(b.state("COMM-PLC"), "normal");
    assert.equal(b.state("PYRO-BAD"), "normal");
  });
});
