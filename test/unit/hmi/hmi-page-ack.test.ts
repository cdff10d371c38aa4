import assert from "node:assert/strict";
import type { AlarmJson } from "../../../src/server/socket-contract.js";
import { pageAckSummary, unackedIds } from "../../../hmi/src/core/page-ack.js";

describe("hmi: page acknowledgement (alarm summary)", () => {
  it("sends only the unacknowledged alarms shown, in the order shown", () => {
    const shown: AlarmJson[] = [
      { id: "A", state: "unack-active", priority: "critical" },
      { id: "B", state: "ack-active", priority: "high" },
      { id: "C", state: "rtn-unack", priority: "low" },
      { id: "D", state: "shelved", priority: "medium" },
      { id: "E", state: "normal", priority: "low" },
    ];
    assert.deepEqual(unackedIds(shown), ["A", "C"]);
    assert.deepEqual(unackedIds([]), []);
  });
  it("says how many were acknowledged and names each refusal with the server's reason", () => {
    assert.equal(pageAckSummary([{ id: "A", ok: true }]), "1 of 1 alarm acknowledged");
    assert.equal(pageAckSummary([{ id: "A", ok: true }, { id: "B", ok: true }]), "2 of 2 alarms acknowledged");
    assert.equal(
      pageAckSummary([{ id: "A", ok: true }, { id: "B", ok: false, reason: "already acknowledged" }, { id: "C", ok: false }]),
      "1 of 3 alarms acknowledged; 2 refused: B (already acknowledged); C (refused)",
    );
  });
});
