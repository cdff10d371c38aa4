import { Router, type Request, type Response } from "express";
import { z } from "zod";
import type { LoginResult } from "../auth/login-result.js";
import { SESSION_COOKIE, type SessionView } from "../auth/session-port.js";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { parseBody } from "./parse-body.js";
import { requireSession } from "./require-permission.js";
import { clientAddress, requestSession } from "./session-middleware.js";

/** What the login routes need from the auth service. */
export interface AuthControl {
  login(name: string, password: string, address: string): Promise<LoginResult>;
  logout(sessionId: string, address?: string): boolean;
}

/** The JSON of `POST /api/login` and `GET /api/me`. */
export interface SessionJson {
  readonly user: string;
  readonly role: string;
  readonly permissions: readonly string[];
  readonly csrfToken: string;
  /** Epoch ms: the session ends then whatever happens (absolute lifetime). */
  readonly expiresAt: number;
  readonly idleTimeoutMs: number;
}

export function sessionJson(s: SessionView): SessionJson {
  return {
    user: s.actor.user,
    role: s.actor.role,
    permissions: s.permissions,
    csrfToken: s.csrfToken,
    expiresAt: s.expiresAt,
    idleTimeoutMs: s.idleTimeoutMs,
  };
}

const loginBody = z.strictObject({
  user: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** HttpOnly, SameSite=Strict, Path=/; Secure when the request came over https. */
function cookieOptions(req: Request) {
  return { httpOnly: true, sameSite: "strict", path: "/", secure: req.secure } as const;
}

/**
 * `POST /api/login` {user, password} → the session JSON and the `htr_session` cookie; 401
 * SCADA_ERR_AUTH_LOGIN_FAILED (unknown user or wrong password, the same answer), 423 SCADA_ERR_AUTH_LOCKED
 * (with `lockedUntil` and Retry-After), 403 SCADA_ERR_AUTH_DISABLED. No rate limit: the lockout protects.
 * `POST /api/logout` (session + CSRF) ends the session. `GET /api/me`: the session JSON (does not count as
 * activity).
 */
export function authRoutes(auth: AuthControl, policy: AccessPolicy): Router {
  const r = Router();
  r.post("/api/login", async (req: Request, res: Response) => {
    const body = parseBody(loginBody, req.body, 'Body must be {"user": "…", "password": "…"}');
    const address = clientAddress(req);
    const result = await auth.login(body.user, body.password, address);
    if (!result.ok) {
      if (result.lockedUntil !== undefined) {
        res.set("Retry-After", String(Math.max(1, Math.ceil((result.lockedForMs ?? 0) / 1000))));
        throw new ScadaError(result.code, result.message, { lockedUntil: result.lockedUntil });
      }
      throw new ScadaError(result.code, result.message);
    }
    // A login from a browser that still holds a live session replaces it.
    const previous = requestSession(req);
    if (previous) auth.logout(previous.actor.sessionId, address);
    res.cookie(SESSION_COOKIE, result.cookieValue, cookieOptions(req));
    res.json(sessionJson(result.session));
  });
  r.post("/api/logout", requireSession(policy), (req, res) => {
    const session = requestSession(req)!;
    auth.logout(session.actor.sessionId, clientAddress(req));
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.json({ ok: true });
  });
  r.get("/api/me", requireSession(policy), (req, res) => {
    res.json(sessionJson(requestSession(req)!));
  });
  return r;
}
