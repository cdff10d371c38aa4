import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { alarmsFileSchema } from "../../../src/alarms/alarm-schema.js";
import { AlarmEvaluator } from "../../../src/alarms/alarm-evaluator.js";
import { AlarmService } from "../../../src/control/alarm-service.js";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";

const defs = alarmsFileSchema.parse({
  settings: {},
  alarms: [{ id: "AUTH-LOCKOUT", kind: "security", condition: "lockout", station: "line", priority: "medium", message: "locked out" }],
});

describe("security alarm (login lockout)", () => {
  it("the schema takes kind security / condition lockout and refuses other conditions", () => {
    assert.equal(defs.alarms[0]!.kind, "security");
    assert.throws(() => alarmsFileSchema.parse({ alarms: [{ ...defs.alarms[0], condition: "intrusion" }] }));
  });

  it("the evaluator: active while any name is locked, value = how many; clears when none is", () => {
    const ev = new AlarmEvaluator(defs);
    assert.deepEqual(ev.apply({ type: "security", lockedUsers: 0 }, 1000), []);
    const on = ev.apply({ type: "security", lockedUsers: 2 }, 2000);
    assert.deepEqual(on.map((e) => [e.alarmId, e.transition, e.to, e.value]), [["AUTH-LOCKOUT", "activate", "unack-active", 2]]);
    const off = ev.apply({ type: "security", lockedUsers: 0 }, 3000);
    assert.deepEqual(off.map((e) => [e.transition, e.to]), [["clear", "rtn-unack"]]);
  });

  it("the service polls the auth source and feeds changes only", () => {
    const clock = new ManualClock(1000);
    let locked = 0;
    let calls = 0;
    const svc = new AlarmService({
      defs,
      tags: { all: () => [] },
      interlocks: { onEvent: () => () => undefined, status: () => ({ tripped: [], missingPermissives: [] }) },
      line: { onTransition: () => () => undefined },
      devices: () => [],
      historian: () => null,
      auth: () => {
        calls += 1;
        return { lockedUsers: locked };
      },
      targets: () => ({}),
      clock,
      logger: silentLogger(),
      tickMs: 3_600_000,
    });
    const poll = () => (svc as unknown as { poll(): void }).poll();
    svc.start();
    try {
      assert.equal(svc.get("AUTH-LOCKOUT")!.state, "normal");
      locked = 1;
      poll();
      assert.equal(svc.get("AUTH-LOCKOUT")!.state, "unack-active");
      assert.equal(svc.get("AUTH-LOCKOUT")!.value, 1);
      locked = 0;
      poll();
      assert.equal(svc.get("AUTH-LOCKOUT")!.state, "rtn-unack");
      assert.ok(calls >= 3);
    } finally {
      svc.stop();
    }
  });

  it("plc-config/alarms.yaml has AUTH-LOCKOUT", () => {
    const config = loadConfigOrThrow("plc-config");
    const def = config.alarms?.alarms.find((a) => a.id === "AUTH-LOCKOUT");
    assert.equal(def?.kind, "security");
  });
});

describe("security alarm (audit trail fault)", () => {
  const both = alarmsFileSchema.parse({
    settings: {},
    alarms: [
      { id: "AUTH-LOCKOUT", kind: "security", condition: "lockout", station: "line", priority: "medium", message: "locked out" },
      { id: "AUDIT-TRAIL-FAULT", kind: "security", condition: "audit-trail", station: "line", priority: "high", message: "audit trail at fault" },
    ],
  });

  it("active while the audit trail has a fault, value = how many; independent of the lockout; not touched when not watched", () => {
    const ev = new AlarmEvaluator(both);
    assert.deepEqual(ev.apply({ type: "security", lockedUsers: 0, auditFaults: 0 }, 1000), []);
    const on = ev.apply({ type: "security", lockedUsers: 0, auditFaults: 2 }, 2000);
    assert.deepEqual(on.map((e) => [e.alarmId, e.transition, e.value]), [["AUDIT-TRAIL-FAULT", "activate", 2]]);
    // A lockout input without the audit figure leaves the audit alarm as it is.
    const lock = ev.apply({ type: "security", lockedUsers: 1 }, 3000);
    assert.deepEqual(lock.map((e) => [e.alarmId, e.transition]), [["AUTH-LOCKOUT", "activate"]]);
    assert.equal(ev.get("AUDIT-TRAIL-FAULT")?.conditionActive, true);
    const off = ev.apply({ type: "security", lockedUsers: 1, auditFaults: 0 }, 4000);
    assert.deepEqual(off.map((e) => [e.alarmId, e.transition]), [["AUDIT-TRAIL-FAULT", "clear"]]);
  });
});
