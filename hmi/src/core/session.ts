import type { SessionInfo } from "../../../src/server/socket-contract.js";
import { ApiRequestError, api, setCsrfToken } from "./api.js";

/** The logged-in session as the HMI holds it: what `POST /api/login` and `GET /api/me` answer. */
export interface HmiSession extends SessionInfo {
  readonly csrfToken: string;
  /** The server has no authentication (development build): everything is open. */
  readonly open?: boolean;
}

type Listener = (s: HmiSession | null, reason?: string) => void;

let current: HmiSession | null = null;
const listeners = new Set<Listener>();

function set(s: HmiSession | null, reason?: string): void {
  current = s;
  setCsrfToken(s?.csrfToken ?? null);
  for (const l of listeners) l(s, reason);
}

const OPEN: HmiSession = {
  user: "(no login)",
  role: "admin",
  permissions: [],
  expiresAt: Number.MAX_SAFE_INTEGER,
  idleTimeoutMs: Number.MAX_SAFE_INTEGER,
  csrfToken: "",
  open: true,
};

/** Who is logged in, and what the role may do (the HMI hides what it may not; the server still checks). */
export const session = {
  get current(): HmiSession | null {
    return current;
  },
  can(permission: string): boolean {
    if (!current) return false;
    return current.open === true || current.permissions.includes(permission);
  },
  onChange(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  /** The session behind the cookie, if any (`GET /api/me`); a server without /api/me runs open. */
  async restore(): Promise<HmiSession | null> {
    try {
      set(await api.get<HmiSession>("/api/me"));
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 404) set(OPEN);
      else if (err instanceof ApiRequestError && err.status === 401) set(null);
      else throw err;
    }
    return current;
  },
  async login(user: string, password: string): Promise<HmiSession> {
    const s = await api.post<HmiSession>("/api/login", { user, password });
    set(s);
    return s;
  },
  async logout(): Promise<void> {
    try {
      if (current && !current.open) await api.post("/api/logout");
    } finally {
      set(null, "logged out");
    }
  },
  /** The server ended the session (idle, lifetime, disabled, REST 401). */
  expired(reason: string): void {
    if (current && !current.open) set(null, reason);
  },
};
