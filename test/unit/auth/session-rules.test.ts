import assert from "node:assert/strict";
import {
  DEFAULT_SESSION_RULES,
  isLocked,
  lockAfterFailure,
  lockoutWindowStart,
  sessionExpiry,
  sessionRules,
  sessionState,
} from "../../../src/auth/session-rules.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);

describe("session rules", () => {
  const rules = DEFAULT_SESSION_RULES;
  const fresh = { createdAt: T0, lastSeen: T0, expiresAt: sessionExpiry(T0, rules), endedAt: null, endReason: null };

  it("defaults: idle 15 min, absolute 12 h, lockout 5 failures in 15 min → 15 min", () => {
    assert.equal(rules.idleTimeoutMs, 15 * MIN);
    assert.equal(rules.absoluteLifetimeMs, 12 * 60 * MIN);
    assert.deepEqual(rules.lockout, { maxFailures: 5, windowMs: 15 * MIN, lockMs: 15 * MIN });
    assert.equal(fresh.expiresAt, T0 + 12 * 60 * MIN);
  });

  it("overrides apply; a non-positive or fractional value is refused", () => {
    const r = sessionRules({ idleTimeoutMs: 1000, lockout: { maxFailures: 3 } });
    assert.equal(r.idleTimeoutMs, 1000);
    assert.equal(r.absoluteLifetimeMs, rules.absoluteLifetimeMs);
    assert.deepEqual(r.lockout, { maxFailures: 3, windowMs: 15 * MIN, lockMs: 15 * MIN });
    assert.throws(() => sessionRules({ idleTimeoutMs: 0 }), /idleTimeoutMs must be a positive integer/);
    assert.throws(() => sessionRules({ lockout: { lockMs: 1.5 } }), /lockout.lockMs/);
  });

  it("idle: live until 15 min without activity, then ended (idle-timeout)", () => {
    assert.deepEqual(sessionState(fresh, T0 + 15 * MIN - 1, rules), { live: true });
    assert.deepEqual(sessionState(fresh, T0 + 15 * MIN, rules), { live: false, reason: "idle-timeout" });
  });

  it("activity extends the idle timeout, but never past the absolute lifetime", () => {
    const active = { ...fresh, lastSeen: T0 + 12 * 60 * MIN - 1000 };
    assert.deepEqual(sessionState(active, T0 + 12 * 60 * MIN - 1, rules), { live: true });
    assert.deepEqual(sessionState(active, T0 + 12 * 60 * MIN, rules), { live: false, reason: "expired" });
  });

  it("an ended session stays ended with its reason, whatever the time", () => {
    assert.deepEqual(sessionState({ ...fresh, endedAt: T0 + 1, endReason: "logout" }, T0 + 2, rules), { live: false, reason: "logout" });
    assert.deepEqual(sessionState({ ...fresh, endedAt: T0 + 1, endReason: null }, T0 + 2, rules), { live: false, reason: "ended" });
  });

  describe("lockout", () => {
    const lo = rules.lockout;
    it("4 failures do not lock; the 5th within 15 min locks for 15 min from it", () => {
      const f = [T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN];
      assert.equal(lockAfterFailure(f, T0 + 3 * MIN, lo), null);
      const now = T0 + 14 * MIN;
      assert.equal(lockAfterFailure([...f, now], now, lo), now + 15 * MIN);
    });

    it("failures older than the window do not count (5 failures spread over more than 15 min)", () => {
      const f = [T0, T0 + 4 * MIN, T0 + 8 * MIN, T0 + 12 * MIN, T0 + 16 * MIN];
      assert.equal(lockoutWindowStart(T0 + 16 * MIN, lo), T0 + MIN);
      assert.equal(lockAfterFailure(f, T0 + 16 * MIN, lo), null);
      // One more inside the window of the last four: locked.
      assert.equal(lockAfterFailure([...f, T0 + 17 * MIN], T0 + 17 * MIN, lo), T0 + 32 * MIN);
    });

    it("a lock holds until its end, then the name is unlocked", () => {
      const until = T0 + 15 * MIN;
      assert.equal(isLocked(until, T0), true);
      assert.equal(isLocked(until, until - 1), true);
      assert.equal(isLocked(until, until), false);
      assert.equal(isLocked(null, T0), false);
    });
  });
});
