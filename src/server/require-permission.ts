import type { RequestHandler } from "express";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy, Permission } from "./access-policy.js";

/** Route guard: the request goes on only when the policy allows the permission. */
export function requirePermission(policy: AccessPolicy, permission: Permission): RequestHandler {
  return (req, _res, next) => {
    const verdict = policy.check(permission, req);
    if (verdict.allowed) return next();
    next(new ScadaError("SCADA_ERR_AUTH_FORBIDDEN", verdict.reason));
  };
}
