import assert from "node:assert/strict";
import { lockedUntilOf, lockoutText, sessionEndedText } from "../../../hmi/src/core/session-text.js";

describe("hmi: login page texts (session ended, lockout)", () => {
  it("names why the session ended in words; an unknown reason as the server said it", () => {
    assert.match(sessionEndedText("idle-timeout"), /idle timeout/);
    assert.match(sessionEndedText("user-disabled"), /disabled/);
    assert.equal(sessionEndedText("something new"), "something new");
  });
  it("a lockout: until when and in how many minutes (rounded up, at least 1); the lock end read from the 423's details", () => {
    assert.equal(lockedUntilOf({ lockedUntil: 1234 }), 1234);
    assert.equal(lockedUntilOf({ lockedUntil: "1234" }), null);
    assert.equal(lockedUntilOf(undefined), null);
    assert.equal(lockoutText(15 * 60_000, 0, "12:15:00"), "Locked after too many failed logins. Try again after 12:15:00 (in 15 min), or ask an administrator to unlock the user.");
    assert.match(lockoutText(61_000, 0, "x"), /\(in 2 min\)/);
    assert.match(lockoutText(1000, 5000, "x"), /\(in 1 min\)/);
  });
});
