/**
 * Session lifetime and login lockout rules (pure: every function takes `now`, epoch ms).
 *
 * - A session ends after `idleTimeoutMs` without user activity (idle timeout) or `absoluteLifetimeMs` after
 *   login whatever happens (absolute lifetime), whichever comes first. Defaults: 15 min and 12 h.
 * - Lockout: `maxFailures` failed logins of one name within `windowMs` lock the name for `lockMs`
 *   (defaults 5 within 15 min → 15 min). Attempts while locked are refused without checking the password
 *   and do not extend the lock; once it has passed the name has a fresh set of attempts.
 */

export interface LockoutRules {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

export interface SessionRules {
  readonly idleTimeoutMs: number;
  readonly absoluteLifetimeMs: number;
  readonly lockout: LockoutRules;
}

const MINUTE = 60_000;

export const DEFAULT_SESSION_RULES: SessionRules = Object.freeze({
  idleTimeoutMs: 15 * MINUTE,
  absoluteLifetimeMs: 12 * 60 * MINUTE,
  lockout: Object.freeze({ maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE }),
});

export interface SessionRulesOverrides {
  readonly idleTimeoutMs?: number;
  readonly absoluteLifetimeMs?: number;
  readonly lockout?: Partial<LockoutRules>;
}

/** The defaults with `overrides` applied; throws on a value that is not a positive integer. */
export function sessionRules(overrides: SessionRulesOverrides = {}): SessionRules {
  const rules: SessionRules = {
    idleTimeoutMs: overrides.idleTimeoutMs ?? DEFAULT_SESSION_RULES.idleTimeoutMs,
    absoluteLifetimeMs: overrides.absoluteLifetimeMs ?? DEFAULT_SESSION_RULES.absoluteLifetimeMs,
    lockout: { ...DEFAULT_SESSION_RULES.lockout, ...overrides.lockout },
  };
  const check = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`session rules: ${name} must be a positive integer, got ${v}`);
  };
  check("idleTimeoutMs", rules.idleTimeoutMs);
  check("absoluteLifetimeMs", rules.absoluteLifetimeMs);
  check("lockout.maxFailures", rules.lockout.maxFailures);
  check("lockout.windowMs", rules.lockout.windowMs);
  check("lockout.lockMs", rules.lockout.lockMs);
  return rules;
}

/** Why a session is no longer live. */
export const SESSION_END_REASONS = [
  "logout",
  "idle-timeout",
  "expired",
  "user-disabled",
  "password-changed",
  "user-unknown",
  "replaced",
] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** The times of a session that decide whether it is live. */
export interface SessionTimes {
  readonly createdAt: number;
  readonly lastSeen: number;
  /** createdAt + absolute lifetime, fixed at login. */
  readonly expiresAt: number;
  readonly endedAt: number | null;
  readonly endReason: string | null;
}

export type SessionState = { readonly live: true } | { readonly live: false; readonly reason: string };

/** Whether the session is live at `now`: not ended, not past its absolute lifetime, not idle for too long. */
export function sessionState(s: SessionTimes, now: number, rules: SessionRules): SessionState {
  if (s.endedAt !== null) return { live: false, reason: s.endReason ?? "ended" };
  if (now >= s.expiresAt) return { live: false, reason: "expired" };
  if (now - s.lastSeen >= rules.idleTimeoutMs) return { live: false, reason: "idle-timeout" };
  return { live: true };
}

/** When a session started at `now` ends whatever happens. */
export function sessionExpiry(now: number, rules: SessionRules): number {
  return now + rules.absoluteLifetimeMs;
}

/** The oldest failure time that still counts towards a lockout at `now`. */
export function lockoutWindowStart(now: number, rules: LockoutRules): number {
  return now - rules.windowMs;
}

/**
 * After a failed login at `now`: `failures` are the times of the name's failed logins still counted (since
 * its last success or lock, this one included). Returns when the lock ends, or null when not locked.
 */
export function lockAfterFailure(failures: readonly number[], now: number, rules: LockoutRules): number | null {
  const from = lockoutWindowStart(now, rules);
  const inWindow = failures.filter((t) => t > from && t <= now).length;
  return inWindow >= rules.maxFailures ? now + rules.lockMs : null;
}

/** Whether a lock (its end time, or null) still holds at `now`. */
export function isLocked(lockedUntil: number | null, now: number): lockedUntil is number {
  return lockedUntil !== null && now < lockedUntil;
}
