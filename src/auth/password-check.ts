/**
 * The password check of a login or an e-signature, with the lockout rules of session-rules.ts. A wrong
 * password and an unknown user get the same answer, after the same hashing work; lockouts apply to any
 * name, so a lockout does not tell which names exist either. A disabled user is told so only after giving
 * the right password. Every refusal is recorded (failed login, lockout).
 */
import type { AuthContext } from "./auth-context.js";
import type { LoginRefusal, LoginRefusalCode } from "./login-result.js";
import { isLocked, lockAfterFailure, lockoutWindowStart } from "./session-rules.js";
import type { UserRecord } from "./user-store-port.js";

const iso = (t: number): string => new Date(t).toISOString();

/** Checks `password` of `name`; counts a failure towards the name's lockout, clears its failures on success. */
export async function checkPassword(
  ctx: AuthContext,
  name: string,
  password: string,
  address: string,
  purpose: "login" | "signature",
): Promise<{ ok: true; user: UserRecord } | LoginRefusal> {
  const { store } = ctx;
  const what = purpose === "login" ? "login" : "signature password";
  const refuse = (code: LoginRefusalCode, message: string, detail: string, lockedUntil?: number): LoginRefusal => {
    ctx.audit.safe({
      user: name,
      role: store.getUser(name)?.role ?? "",
      clientAddress: address,
      action: "login.failed",
      target: name,
      newValue: { purpose, ...(lockedUntil === undefined ? {} : { lockedUntil }) },
      result: "refused",
      resultReason: `${code}: ${detail}`,
    });
    return { ok: false, code, message, ...(lockedUntil === undefined ? {} : { lockedUntil, lockedForMs: Math.max(0, lockedUntil - ctx.clock.now()) }) };
  };
  const locked = store.lockedUntil(name);
  if (isLocked(locked, ctx.clock.now())) {
    return refuse("SCADA_ERR_AUTH_LOCKED", `too many failed logins: locked until ${iso(locked)}`, `attempt while locked until ${iso(locked)}`, locked);
  }
  const user = store.getUser(name);
  const matches = user ? await ctx.hasher.verify(user.passwordHash, password) : await ctx.hasher.verifyAgainstDummy(password);
  if (!matches) {
    const now = ctx.clock.now();
    const lockout = ctx.rules.lockout;
    const failures = store.addLoginFailure(name, now, address, lockoutWindowStart(now, lockout));
    const until = lockAfterFailure(failures, now, lockout);
    if (until !== null) {
      store.transaction(() => {
        store.setLock(name, until, 0);
        store.clearLoginFailures(name);
      });
      ctx.log?.warn({ user: name, knownUser: user !== undefined, address, lockedUntil: iso(until) }, "login locked out after repeated failures");
      return refuse(
        "SCADA_ERR_AUTH_LOCKED",
        `too many failed logins: locked until ${iso(until)}`,
        `${failures.length} failed ${what}s within ${lockout.windowMs / 60_000} min (${user ? "wrong password" : "unknown user"}): locked until ${iso(until)}`,
        until,
      );
    }
    return refuse("SCADA_ERR_AUTH_LOGIN_FAILED", "unknown user or wrong password", user ? `wrong ${what}` : "unknown user");
  }
  // Only a known user's right password gets here.
  const known = user!;
  if (known.disabled) return refuse("SCADA_ERR_AUTH_DISABLED", "this user is disabled", "user disabled");
  if (known.failedCount > 0 || known.lockedUntil !== null) {
    store.transaction(() => {
      store.clearLoginFailures(name);
      store.setLock(name, null, 0);
    });
  }
  return { ok: true, user: known };
}
