import { roleCan } from "../auth/permissions.js";
import type { SessionView } from "../auth/session-port.js";
import type { SessionInfo } from "./socket-contract.js";
import type { GatewaySocket } from "./socket-data.js";
import { permissionRoom } from "./socket-rooms.js";
import { PUSHED_STATES } from "./socket-state-push.js";

/** What the client is told about its session (`session` event). */
export function sessionInfo(v: SessionView): SessionInfo {
  return { user: v.actor.user, role: v.actor.role, permissions: [...v.permissions], expiresAt: v.expiresAt, idleTimeoutMs: v.idleTimeoutMs };
}

/**
 * Applies a session's role to a socket (on connect, and when a check sees the role changed): joins the
 * rooms of the states the role may read and leaves the others, drops the tag subscription when the role
 * may not read tags, and tells the client what it may now do.
 */
export function applySocketRole(socket: GatewaySocket, session: SessionView, tags: { unsubscribe(subscriber: string): void }): void {
  socket.data.actor = { ...session.actor, address: socket.data.address };
  socket.data.view = session;
  const role = socket.data.actor.role;
  for (const { permission } of PUSHED_STATES) {
    if (roleCan(role, permission)) void socket.join(permissionRoom(permission));
    else void socket.leave(permissionRoom(permission));
  }
  if (!roleCan(role, "tags:read")) tags.unsubscribe(socket.id);
  socket.emit("session", sessionInfo(session));
}
