import type { Permission } from "../auth/permissions.js";

/** The sockets whose role holds a permission (the pushed state that needs it goes there). */
export const permissionRoom = (p: Permission): string => `perm:${p}`;
/** Every socket of one session (an ended session is told and closed). */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
/** The members of one subscription group (see `TagDeltaBatcher`). */
export const tagRoom = (group: number): string => `tags:${group}`;
