/**
 * What an operation is (permission, input, audit target, how it runs) and the pieces the operation catalogues
 * share: the domain ports an operation reaches, the common input shapes, and the typing helpers.
 */
import { z } from "zod";
import type { Actor } from "../auth/actor.js";
import type { Permission } from "../auth/permissions.js";
import type { SessionPort } from "../auth/session-port.js";
import type { AuditAction, AuditEntry } from "../audit/audit-record.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { AlarmControl } from "./alarm-routes.js";
import type { DeviceControl } from "./device-routes.js";
import type { InterlockControl } from "./interlock-routes.js";
import type { LineControl } from "./line-routes.js";
import type { RecipeControl, RecipeVersionControl } from "./recipe-routes.js";
import type { RollControl } from "./roll-routes.js";
import type { SimControl } from "./sim-routes.js";

/** Where operation records go (the audit trail). Throws when it cannot record. */
export interface AuditSink {
  record(entry: AuditEntry): unknown;
  /** False while the journal cannot be written (disk full …): everything but Stop and Abort is refused. */
  writable?(): boolean;
}

export interface OperationDeps {
  readonly line?: LineControl;
  readonly interlocks?: InterlockControl;
  readonly alarms?: AlarmControl;
  readonly recipes?: RecipeControl;
  readonly recipeVersions?: RecipeVersionControl;
  readonly rolls?: RollControl;
  readonly sim?: SimControl;
  readonly devices?: DeviceControl;
  readonly sessions: Pick<SessionPort, "verifyPassword">;
  readonly audit: AuditSink;
  readonly logger: Logger;
  readonly now: () => number;
  /** Every tag's current value (the old values of a recipe download's setpoint writes). */
  readonly tagValues?: () => ReadonlyMap<string, unknown>;
}

/** What one run changed, for the audit record and the caller. */
export interface Outcome {
  readonly result: unknown;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  /** Further records of the same action's effects (each setpoint a recipe download wrote). */
  readonly effects?: readonly { readonly action: AuditAction; readonly target: string; readonly oldValue: unknown; readonly newValue: unknown; readonly result: "ok" | "failed"; readonly resultReason?: string }[];
}

export interface OperationDef<I> {
  readonly action: AuditAction;
  /** Checked before the input is even parsed: a caller without it learns nothing about the input rules. */
  readonly permission: Permission;
  /** A stricter permission for some inputs (line.command: stop and abort need only `line:stop`). */
  readonly permissionFor?: (input: I) => Permission;
  readonly input: z.ZodType<I>;
  readonly target: (input: I) => string;
  readonly reason?: (input: I) => string | undefined;
  /** Critical actions: the input carries `signature: { password, meaning }`. */
  readonly signed?: boolean;
  /** Never refused because the audit trail cannot record (Stop, Abort). */
  readonly neverBlocked?: (input: I) => boolean;
  readonly run: (deps: OperationDeps, input: I, actor: Actor) => Promise<Outcome>;
}

export const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be an id such as HTR-ESTOP");
export const reasonText = z.string().trim().min(3, "a reason is required").max(500);
export const signature = z.strictObject({
  password: z.string().min(1, "re-enter your password to sign").max(256),
  meaning: z.string().trim().min(3, "state what the signature means").max(200),
});
export const empty = z.strictObject({});

export function need<T>(dep: T | undefined, what: string): T {
  if (!dep) throw new ScadaError("SCADA_ERR_OPERATION_UNKNOWN", `${what} is not available in this runtime`);
  return dep;
}

/** An operation that takes no input (`{}`) and acts on one fixed target. */
export function withoutInput(
  action: AuditAction,
  permission: Permission,
  target: string,
  run: (deps: OperationDeps, actor: Actor) => Promise<Outcome>,
): OperationDef<z.infer<typeof empty>> {
  return { action, permission, input: empty, target: () => target, run: (deps, _i, actor) => run(deps, actor) };
}

/** Typing helper: keeps each definition's input type inside its own functions. */
export function op<I>(def: OperationDef<I>): OperationDef<never> {
  return def as unknown as OperationDef<never>;
}
