/**
 * The session cookie: 32 random bytes (base64url); the database keeps only their sha256, which is also the
 * session id every record names. The cookie value is never stored or logged.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { SESSION_COOKIE } from "./session-port.js";

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** 32 random bytes, base64url: a new cookie value or CSRF token. */
export function newSessionSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** sha256 (hex) of a cookie value: the session id. */
export function sessionIdOf(cookieValue: string): string {
  return createHash("sha256").update(cookieValue).digest("hex");
}

/** The session cookie's value in a Cookie header, or undefined. */
export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return COOKIE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfTokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
