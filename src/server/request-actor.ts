import type { Request } from "express";

/**
 * Who is acting, for the records the domains keep. Until users and sessions exist (the HMI/auth issue),
 * every request is unauthenticated and is named by its client address.
 */
export function requestActor(req: Request): string {
  return `unauthenticated@${req.ip ?? "unknown"}`;
}
