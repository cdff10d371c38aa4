import assert from "node:assert/strict";
import { stateTransitions } from "../../../src/control/state-transition.js";

describe("state transitions", () => {
  it("reports each scope whose state changed, with from, to, detail and time; first sight has from = null", () => {
    const first = stateTransitions({}, { line: { state: "Stopped", detail: "" }, htr: { state: "off", detail: "boot" } }, 5);
    assert.deepEqual(first, [
      { scope: "line", from: null, to: "Stopped", detail: "", at: 5 },
      { scope: "htr", from: null, to: "off", detail: "boot", at: 5 },
    ]);
    const next = stateTransitions({ line: "Stopped", htr: "off" }, { line: { state: "Resetting", detail: "checking" }, htr: { state: "off", detail: "still" } }, 9);
    assert.deepEqual(next, [{ scope: "line", from: "Stopped", to: "Resetting", detail: "checking", at: 9 }]);
    assert.deepEqual(stateTransitions({ line: "Idle" }, { line: { state: "Idle", detail: "x" } }, 10), [], "a detail alone is no transition");
  });
});
