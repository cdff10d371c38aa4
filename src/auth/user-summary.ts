import type { Role } from "./permissions.js";
import { isLocked } from "./session-rules.js";
import type { UserRecord } from "./user-store-port.js";

/** A user as lists show it: never the hash. `lockedUntil` only while the lock holds. */
export interface UserSummary {
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly failedCount: number;
  readonly lockedUntil: number | null;
  readonly sessions: number;
}

export function userSummary(u: UserRecord, now: number, sessions: number): UserSummary {
  return {
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    failedCount: u.failedCount,
    lockedUntil: isLocked(u.lockedUntil, now) ? u.lockedUntil : null,
    sessions,
  };
}
