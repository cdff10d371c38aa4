import type { RequestHandler } from "express";

import type { Permission } from "../auth/permissions.js";

export type { Permission };

/** Decides whether a request may use a permission; returns a reason when it may not. */
export interface AccessPolicy {
  check(permission: Permission, req: Parameters<RequestHandler>[0]): { allowed: true } | { allowed: false; reason: string };
}

/**
 * The policy until users and roles exist (the HMI/auth issue replaces it with a deny-by-default table):
 * every permission is open, and the server binds to loopback by default.
 */
export const openAccessPolicy: AccessPolicy = { check: () => ({ allowed: true }) };
