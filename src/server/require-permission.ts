import type { Request, RequestHandler } from "express";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy, Permission, Requirement } from "./access-policy.js";

/** Route guard: the request goes on only when the policy allows the permission (deny by default). */
export function requirePermission(policy: AccessPolicy, permission: Permission): RequestHandler {
  return guard(policy, permission);
}

/** Route guard for routes any logged-in user may use (logout, me): a live session, and CSRF on changes. */
export function requireSession(policy: AccessPolicy): RequestHandler {
  return guard(policy, "session");
}

function guard(policy: AccessPolicy, requirement: Requirement): RequestHandler {
  return (req, _res, next) => {
    const verdict = policy.check(requirement, req);
    if (verdict.allowed) return next();
    next(new ScadaError(verdict.code, verdict.reason));
  };
}

/** Requests that need no session: the probes, the login, and the HMI's own files (outside /api). */
export function isPublicRequest(req: Request): boolean {
  const path = req.path;
  if (path === "/api/login" && req.method === "POST") return true;
  const underApi = path === "/api" || path.startsWith("/api/");
  const metrics = path === "/metrics" || path.startsWith("/metrics/");
  return !underApi && !metrics;
}

/**
 * The gate in front of everything under /api and /metrics (but the login): no live session → 401, and a
 * state-changing request without the session's CSRF token → 403, before its body is even parsed and for
 * routes that do not exist too. Routes still name their permission with `requirePermission`.
 */
export function sessionGate(policy: AccessPolicy): RequestHandler {
  const check = requireSession(policy);
  return (req, res, next) => (isPublicRequest(req) ? next() : check(req, res, next));
}
