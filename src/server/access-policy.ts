import type { RequestHandler } from "express";

/** Every route declares the permission it needs; the policy decides. */
export type Permission =
  | "health:read"
  | "tags:read"
  | "metrics:read"
  | "sim:read"
  | "sim:control"
  | "line:read"
  | "line:command"
  | "interlocks:read"
  | "interlocks:bypass"
  | "interlocks:reset"
  | "recipes:read"
  | "recipes:load"
  | "alarms:read"
  | "alarms:ack"
  | "alarms:shelve"
  | "history:read";

/** Decides whether a request may use a permission; returns a reason when it may not. */
export interface AccessPolicy {
  check(permission: Permission, req: Parameters<RequestHandler>[0]): { allowed: true } | { allowed: false; reason: string };
}

/**
 * The policy until users and roles exist (the HMI/auth issue replaces it with a deny-by-default table):
 * every permission is open, and the server binds to loopback by default.
 */
export const openAccessPolicy: AccessPolicy = { check: () => ({ allowed: true }) };
