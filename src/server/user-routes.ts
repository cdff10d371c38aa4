import { type Request, Router } from "express";
import { z } from "zod";
import type { ChangedBy } from "../auth/changed-by.js";
import type { UserUpdate } from "../auth/user-admin.js";
import type { UserSummary } from "../auth/user-summary.js";
import { ROLES, type Role } from "../auth/permissions.js";
import type { AccessPolicy } from "./access-policy.js";
import { parseBody } from "./parse-body.js";
import { requirePermission } from "./require-permission.js";
import { requestSession } from "./session-middleware.js";

/** What the user routes need from the auth service. */
export interface UserControl {
  list(): UserSummary[];
  add(by: ChangedBy, user: { name: string; role: Role; password: string }): Promise<UserSummary>;
  update(by: ChangedBy, name: string, change: UserUpdate): Promise<UserSummary>;
}

const addBody = z.strictObject({
  name: z.string().min(1).max(64),
  role: z.enum(ROLES),
  password: z.string().min(1).max(1024),
});
const patchBody = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(1).max(1024).optional(),
  })
  .refine((b) => b.role !== undefined || b.disabled !== undefined || b.password !== undefined, "give role, disabled and/or password");

/**
 * `GET /api/users` (users:read), `POST /api/users` {name, role, password} → 201, `PATCH /api/users/:name`
 * {role?, disabled?, password?} (users:manage). The last enabled admin cannot be disabled or demoted;
 * disabling or a new password ends the user's sessions; enabling lifts a lockout. Never returns hashes.
 */
export function userRoutes(users: UserControl, policy: AccessPolicy): Router {
  const r = Router();
  const by = (req: Request): ChangedBy => {
    const actor = requestSession(req)!.actor;
    return { user: actor.user, role: actor.role, address: actor.address };
  };
  r.get("/api/users", requirePermission(policy, "users:read"), (_req, res) => {
    res.json({ users: users.list() });
  });
  r.post("/api/users", requirePermission(policy, "users:manage"), async (req, res) => {
    const body = parseBody(addBody, req.body, `Body must be {"name": "…", "role": "${ROLES.join("|")}", "password": "…"}`);
    res.status(201).json(await users.add(by(req), body));
  });
  r.patch("/api/users/:name", requirePermission(policy, "users:manage"), async (req, res) => {
    const body = parseBody(patchBody, req.body, `Body must be {"role"?: "${ROLES.join("|")}", "disabled"?: true|false, "password"?: "…"}`);
    const change: UserUpdate = {
      ...(body.role === undefined ? {} : { role: body.role }),
      ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
      ...(body.password === undefined ? {} : { password: body.password }),
    };
    res.json(await users.update(by(req), String(req.params.name), change));
  });
  return r;
}
