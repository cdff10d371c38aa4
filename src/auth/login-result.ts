import type { SessionView } from "./session-port.js";

export type LoginRefusalCode = "SCADA_ERR_AUTH_LOGIN_FAILED" | "SCADA_ERR_AUTH_LOCKED" | "SCADA_ERR_AUTH_DISABLED";

export type LoginResult =
  | { readonly ok: true; readonly cookieValue: string; readonly session: SessionView }
  | {
      readonly ok: false;
      readonly code: LoginRefusalCode;
      readonly message: string;
      /** Locked: until when (epoch ms) and for how much longer (ms, for Retry-After). */
      readonly lockedUntil?: number;
      readonly lockedForMs?: number;
    };

export type LoginRefusal = Extract<LoginResult, { ok: false }>;
