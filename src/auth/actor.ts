import type { Role } from "./permissions.js";

/** Who is acting: a logged-in user's session, as every command, record and refusal names it. */
export interface Actor {
  readonly user: string;
  readonly role: Role;
  /** Client address (IP) of the request or socket. */
  readonly address: string;
  /** The session the actor acts through (its id's hash, never the cookie value). */
  readonly sessionId: string;
}

/** How an actor is named in the domains' own records ("by"): `user (role)`. */
export function actorName(actor: Actor): string {
  return `${actor.user} (${actor.role})`;
}
