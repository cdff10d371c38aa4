import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { AuthAudit } from "./auth-audit.js";
import type { PasswordHasherPort } from "./password-hasher-port.js";
import type { SessionRules } from "./session-rules.js";
import type { UserStorePort } from "./user-store-port.js";

/** What the parts of the auth service share (built once by AuthService). */
export interface AuthContext {
  readonly store: UserStorePort;
  readonly clock: Clock;
  readonly rules: SessionRules;
  readonly hasher: PasswordHasherPort;
  readonly audit: AuthAudit;
  readonly log: Logger | undefined;
}
