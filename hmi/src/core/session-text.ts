/**
 * Why the session ended, in the operator's words (the server's reason codes from session-rules.ts; the
 * HMI's own "logged out"; anything else — a REST 401 message — as the server said it).
 */
const ENDED: Record<string, string> = {
  "idle-timeout": "logged out after a period without activity (idle timeout)",
  expired: "the maximum session length was reached",
  "user-disabled": "this user was disabled by an administrator",
  "password-changed": "the password was changed",
  "user-unknown": "this user no longer exists",
  replaced: "a new login in this browser replaced it",
  logout: "logged out",
  "logged out": "logged out",
};

export function sessionEndedText(reason: string): string {
  return ENDED[reason] ?? reason;
}

/** The lock's end time from a refused login's error details (`{ lockedUntil }` with a 423), if any. */
export function lockedUntilOf(details: unknown): number | null {
  const v = (details as { lockedUntil?: unknown } | null | undefined)?.lockedUntil;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * A locked name's login refusal: when the lock ends (local time, `formatTime`'s text passed in) and how long
 * that is from `now`. An administrator can lift it early (Users: "Unlock (enable)").
 */
export function lockoutText(lockedUntil: number, now: number, at: string): string {
  const min = Math.max(1, Math.ceil((lockedUntil - now) / 60_000));
  return `Locked after too many failed logins. Try again after ${at} (in ${min} min), or ask an administrator to unlock the user.`;
}
