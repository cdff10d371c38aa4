/**
 * Roles and the permission table: the one place that says who may do what (pure, deny by default).
 *
 * Every REST route and every socket event names one permission; `roleCan` decides. A permission that is
 * not in a role's row is refused. Stop and Abort have their own permission (`line:stop`) that every role
 * allowed to operate holds, so nothing but a missing login (or a viewer's role) blocks them.
 */
export const ROLES = ["viewer", "operator", "engineer", "qa", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "metrics:read",
  "tags:read",
  "line:read",
  /** reset, start, hold, unhold, suspend, unsuspend, clear. */
  "line:command",
  /** stop and abort: never blocked by anything but a missing login. */
  "line:stop",
  /** Production ↔ Maintenance ↔ Manual, in a wait state (Maintenance runs trials of unapproved recipe versions). */
  "line:mode",
  "interlocks:read",
  "interlocks:reset",
  "interlocks:bypass",
  "recipes:read",
  "recipes:load",
  /** Create and edit recipe drafts, submit them for review (signed "authored"). */
  "recipes:edit",
  /** Approve (never one's own), reject or withdraw recipe versions (signed). */
  "recipes:approve",
  "rolls:read",
  /** Begin a new roll (roll change) with its precursor lot. */
  "rolls:new",
  /** Enter lab results and QA dispositions of a roll's segments; split a roll by metre ranges. */
  "rolls:qa",
  "alarms:read",
  "alarms:ack",
  "alarms:shelve",
  "history:read",
  "audit:read",
  "users:read",
  "users:manage",
  "sim:read",
  "sim:control",
  /** The PLC links' status and the OPC UA trust list (read). */
  "devices:read",
  /** Trust or reject an OPC UA server certificate (signed): whom the SCADA talks to. Admin only. */
  "devices:trust",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEW: readonly Permission[] = ["tags:read", "line:read", "interlocks:read", "recipes:read", "rolls:read", "alarms:read", "history:read", "sim:read", "devices:read"];
const OPERATE: readonly Permission[] = [...VIEW, "line:command", "line:stop", "alarms:ack", "alarms:shelve", "interlocks:reset", "recipes:load", "rolls:new"];

/** The table. Read it as: a role holds exactly these permissions and no other. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set(VIEW),
  operator: new Set(OPERATE),
  /**
   * Process engineer: operates, bypasses interlocks (signed), drives the virtual plant's faults, reads the audit
   * trail, writes recipe versions (never approves them).
   */
  engineer: new Set([...OPERATE, "line:mode", "interlocks:bypass", "sim:control", "audit:read", "metrics:read", "recipes:edit"]),
  /** Quality assurance / management: reads everything, including the audit trail; approves recipes; operates nothing. */
  qa: new Set([...VIEW, "audit:read", "metrics:read", "users:read", "recipes:approve", "rolls:qa"]),
  admin: new Set(PERMISSIONS),
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Deny by default: an unknown role or a permission not in the role's row is refused. */
export function roleCan(role: string, permission: Permission): boolean {
  return isRole(role) && ROLE_PERMISSIONS[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => ROLE_PERMISSIONS[role].has(p));
}
