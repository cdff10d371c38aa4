import { z } from "zod";
import type { Actor } from "../auth/actor.js";
import { actorName } from "../auth/actor.js";
import { type Permission, roleCan } from "../auth/permissions.js";
import type { AuditEntry } from "../audit/audit-record.js";
import { type ErrorCode, ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { PACKML_COMMANDS, UNIT_MODES } from "../control/packml-states.js";
import type { AlarmControl } from "./alarm-routes.js";
import type { InterlockControl } from "./interlock-routes.js";
import type { LineControl } from "./line-routes.js";
import type { OperationChannel, OperationRunner } from "./operation-port.js";
import { type OperationDef, type OperationDeps, type Outcome, empty, id, need, op, reasonText, signature, withoutInput } from "./operation-def.js";
import { DEVICE_OPERATIONS } from "./device-operations.js";
import { RECIPE_VERSION_OPERATIONS } from "./recipe-operations.js";
import { ROLL_OPERATIONS, lotNumber } from "./roll-operations.js";
import type { Ack, OperationName } from "./socket-contract.js";

const STOP_COMMANDS: readonly string[] = ["stop", "abort"];


function alarmOp(action: "alarm.ack" | "alarm.unshelve" | "alarm.reset", permission: Permission): OperationDef<{ id: string }> {
  return {
    action,
    permission,
    input: z.strictObject({ id }),
    target: (i) => i.id,
    run: async (deps, i, actor) => {
      const alarms = need(deps.alarms, "alarms");
      if (!alarms.exists(i.id)) throw new ScadaError("SCADA_ERR_ALARM_UNKNOWN", `Unknown alarm '${i.id}'`);
      const before = alarmState(alarms, i.id);
      const by = actorName(actor);
      const r = action === "alarm.ack" ? alarms.ack(i.id, by) : action === "alarm.reset" ? alarms.reset(i.id, by) : alarms.unshelve(i.id, by);
      if (!r.ok) throw new ScadaError("SCADA_ERR_ALARM_ACTION_REFUSED", `${i.id}: ${r.reason}`);
      return { result: { ok: true, alarm: i.id, events: r.events }, oldValue: before, newValue: alarmState(alarms, i.id) };
    },
  };
}


function setpointsOf(status: unknown): { tag: string; value: unknown; status: string }[] {
  const list = (status as { setpoints?: unknown } | null)?.setpoints;
  return Array.isArray(list) ? (list as { tag: string; value: unknown; status: string }[]) : [];
}

function alarmState(alarms: AlarmControl, alarmId: string): string | null {
  const list = alarms.list() as { alarms?: { id: string; state: string }[] };
  return list.alarms?.find((a) => a.id === alarmId)?.state ?? null;
}

function lineState(line: LineControl): string {
  return String((line.status() as { state?: unknown }).state ?? "unknown");
}

function interlockSummary(interlocks: InterlockControl): { tripped: readonly string[]; bypassed: readonly string[] } {
  const s = interlocks.status() as { tripped?: string[]; bypassed?: string[] };
  return { tripped: s.tripped ?? [], bypassed: s.bypassed ?? [] };
}

/**
 * The operation catalogue: every action an operator can take, whichever way it arrives (REST or the HMI's
 * socket). One definition each: permission, input, audit target, and how it runs.
 */
export const OPERATIONS: { readonly [K in OperationName]: OperationDef<never> } = {
  ...RECIPE_VERSION_OPERATIONS,
  ...ROLL_OPERATIONS,
  ...DEVICE_OPERATIONS,
  "line.mode": op({
    action: "line.mode",
    permission: "line:mode",
    input: z.strictObject({ mode: z.enum(UNIT_MODES) }),
    target: () => "line",
    run: async (deps, i, actor) => {
      const line = need(deps.line, "line control");
      const before = line.mode();
      const outcome = line.setMode(i.mode, actorName(actor));
      if (!outcome.accepted) throw new ScadaError("SCADA_ERR_LINE_COMMAND_REFUSED", `mode ${i.mode} refused: ${outcome.reason ?? ""}`);
      return { result: outcome, oldValue: before, newValue: outcome.mode };
    },
  }),
  "line.command": op({
    action: "line.command",
    permission: "line:stop",
    permissionFor: (i) => (STOP_COMMANDS.includes(i.command) ? "line:stop" : "line:command"),
    input: z.strictObject({
      command: z.enum(PACKML_COMMANDS),
      recipe: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "must be a recipe name such as BiSb").optional(),
      lot: lotNumber.optional(),
    }),
    target: () => "line",
    neverBlocked: (i) => STOP_COMMANDS.includes(i.command),
    run: async (deps, i, actor) => {
      const line = need(deps.line, "line control");
      const before = lineState(line);
      if (i.lot !== undefined && i.command !== "start") throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "a lot goes with the start command only");
      // The roll a start begins takes its lot (checked against the recipe's pattern before anything moves).
      if (i.lot !== undefined && !deps.rolls) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "this line keeps no roll record (line.yaml has no place for it): a lot has nowhere to go");
      const rolls = i.command === "start" ? deps.rolls : undefined;
      const prepared = rolls?.prepareStart(i.lot, i.recipe, actorName(actor));
      if (prepared && !prepared.ok) throw new ScadaError(prepared.code, prepared.message);
      const outcome = await line.command({ command: i.command, ...(i.recipe ? { recipe: i.recipe } : {}), by: actorName(actor) });
      if (!outcome.accepted) {
        rolls?.cancelStart();
        throw new ScadaError("SCADA_ERR_LINE_COMMAND_REFUSED", `${i.command} refused: ${outcome.reason ?? "not allowed"}`, { state: outcome.state });
      }
      const roll = rolls?.currentId() ?? null;
      return {
        result: { ...outcome, ...(roll ? { roll } : {}) },
        oldValue: before,
        newValue: { command: i.command, ...(i.recipe ? { recipe: i.recipe } : {}), ...(i.lot ? { lot: i.lot } : {}), ...(roll ? { roll } : {}), state: outcome.state },
      };
    },
  }),
  "alarm.ack": op(alarmOp("alarm.ack", "alarms:ack")),
  "alarm.unshelve": op(alarmOp("alarm.unshelve", "alarms:shelve")),
  "alarm.reset": op(alarmOp("alarm.reset", "alarms:ack")),
  "alarm.shelve": op({
    action: "alarm.shelve",
    permission: "alarms:shelve",
    input: z.strictObject({ id, minutes: z.number().int().min(1).max(1440), reason: reasonText }),
    target: (i) => i.id,
    reason: (i) => i.reason,
    run: async (deps, i, actor) => {
      const alarms = need(deps.alarms, "alarms");
      if (!alarms.exists(i.id)) throw new ScadaError("SCADA_ERR_ALARM_UNKNOWN", `Unknown alarm '${i.id}'`);
      const before = alarmState(alarms, i.id);
      const r = alarms.shelve(i.id, i.minutes, i.reason, actorName(actor));
      if (!r.ok) throw new ScadaError("SCADA_ERR_ALARM_ACTION_REFUSED", `${i.id}: ${r.reason}`);
      return { result: { ok: true, alarm: i.id, events: r.events }, oldValue: before, newValue: { state: alarmState(alarms, i.id), minutes: i.minutes } };
    },
  }),
  "interlock.reset": op(
    withoutInput("interlock.reset", "interlocks:reset", "interlocks", async (deps, actor) => {
      const interlocks = need(deps.interlocks, "interlocks");
      const before = interlockSummary(interlocks);
      const result = interlocks.reset(actorName(actor));
      return { result, oldValue: before, newValue: interlockSummary(interlocks) };
    }),
  ),
  "interlock.bypass": op({
    action: "interlock.bypass",
    permission: "interlocks:bypass",
    signed: true,
    input: z.strictObject({ id, minutes: z.number().int().min(1).max(480), reason: reasonText, signature }),
    target: (i) => i.id,
    reason: (i) => i.reason,
    run: async (deps, i, actor) => {
      const interlocks = need(deps.interlocks, "interlocks");
      const before = interlockSummary(interlocks).bypassed.includes(i.id);
      const outcome = interlocks.bypass(i.id, { minutes: i.minutes, reason: i.reason, by: actorName(actor) });
      if (!outcome.ok) {
        throw new ScadaError(outcome.unknownInterlock ? "SCADA_ERR_INTERLOCK_UNKNOWN" : "SCADA_ERR_INTERLOCK_BYPASS_REFUSED", `${i.id}: ${outcome.reason}`);
      }
      return { result: outcome.bypass, oldValue: { bypassed: before }, newValue: { bypassed: true, minutes: i.minutes } };
    },
  }),
  "recipe.load": op({
    action: "recipe.load",
    permission: "recipes:load",
    input: z.strictObject({ alloy: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "must be a recipe name such as BiSb"), version: z.number().int().min(1).optional() }),
    target: (i) => (i.version === undefined ? i.alloy : `${i.alloy} v${i.version}`),
    run: async (deps, i, actor) => {
      const recipes = need(deps.recipes, "recipes");
      const line = need(deps.line, "line control");
      const before = (recipes.status() as { alloy?: unknown }).alloy ?? null;
      // The PLC's values before the download, for each setpoint's record.
      const oldValues = deps.tagValues?.() ?? new Map<string, unknown>();
      const outcome = await line.loadRecipe(i.alloy, actorName(actor), i.version);
      const written = setpointsOf(outcome.status);
      const effects = written
        .filter((s) => s.status !== "pending" || outcome.ok)
        .map((s) => ({
          action: "setpoint.write" as const,
          target: s.tag,
          oldValue: oldValues.get(s.tag) ?? null,
          newValue: s.value,
          result: s.status.startsWith("write failed") ? ("failed" as const) : ("ok" as const),
          ...(s.status.startsWith("write failed") ? { resultReason: s.status } : {}),
        }));
      if (!outcome.ok) {
        const code = outcome.unknownRecipe ? "SCADA_ERR_RECIPE_UNKNOWN" : outcome.notLoadable ? "SCADA_ERR_RECIPE_NOT_LOADABLE" : "SCADA_ERR_RECIPE_INVALID";
        throw new ScadaError(code, `${i.alloy}: ${outcome.problems.join("; ")}`, { problems: outcome.problems, status: outcome.status });
      }
      const loaded = outcome.status as { state?: unknown; version?: unknown; hash?: unknown; trial?: unknown };
      const identity = loaded.version === null || loaded.version === undefined ? {} : { version: loaded.version, hash: loaded.hash, ...(loaded.trial === true ? { trial: true } : {}) };
      return { result: outcome.status, oldValue: before, newValue: { alloy: i.alloy, state: loaded.state, ...identity }, effects };
    },
  }),
  "recipe.verify": op(
    withoutInput("recipe.verify", "recipes:load", "loaded recipe", async (deps, actor) => {
      const recipes = need(deps.recipes, "recipes");
      const result = await recipes.verify(actorName(actor));
      return { result, newValue: result };
    }),
  ),
  "sim.fault": op({
    action: "sim.fault",
    permission: "sim:control",
    input: z.strictObject({ name: z.string().regex(/^[a-z0-9-]{1,40}$/, "must be a fault name such as web-break"), active: z.boolean() }),
    target: (i) => i.name,
    run: async (deps, i) => {
      const sim = need(deps.sim, "the virtual plant");
      const before = sim.faults().find((f) => f.name === i.name)?.active ?? null;
      const result = sim.setFault(i.name, i.active);
      return { result, oldValue: before, newValue: i.active };
    },
  }),
};


export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

const requestShape = z.strictObject({ op: z.string().max(64), input: z.unknown().optional() });

function problemsOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`).join("; ");
}

/** Strips the password from an input before it goes anywhere near a record or a log. */
function withoutSecrets(input: unknown): unknown {
  if (typeof input !== "object" || input === null || !("signature" in input)) return input;
  const { signature: sig, ...rest } = input as { signature?: { meaning?: unknown } };
  return { ...rest, signature: { meaning: sig?.meaning } };
}

/**
 * The operation runner: the one path from an operator's request to a domain action and its audit record.
 * Order: known operation → base permission → input → specific permission → e-signature → run → record.
 * Every refusal is recorded too, with the reason; nothing is changed by a refused request.
 */
export function createOperationRunner(deps: OperationDeps): OperationRunner {
  const log = deps.logger.child({ module: "operations" });

  const record = (actor: Actor, entry: Omit<AuditEntry, "user" | "role" | "clientAddress">, mustRecord: boolean): ScadaError | null => {
    try {
      deps.audit.record({ user: actor.user, role: actor.role, clientAddress: actor.address, ...entry });
      return null;
    } catch (err) {
      log.error({ err, action: entry.action, target: entry.target }, "audit trail could not record an operation");
      return mustRecord ? new ScadaError("SCADA_ERR_AUDIT_UNAVAILABLE", `the audit trail cannot record: ${(err as Error).message}`) : null;
    }
  };
  const refuse = (code: ErrorCode, message: string): Ack => ({ ok: false, error: { code, message } });

  return {
    async run(actor: Actor, channel: OperationChannel, request: unknown): Promise<Ack> {
      try {
        const shape = requestShape.safeParse(request);
        const opName = shape.success ? shape.data.op : typeof (request as { op?: unknown })?.op === "string" ? String((request as { op: string }).op).slice(0, 64) : "?";
        const def = Object.hasOwn(OPERATIONS, opName) ? (OPERATIONS[opName as OperationName] as unknown as OperationDef<unknown>) : undefined;
        if (!shape.success || !def) {
          const message = !shape.success ? `request must be {"op": "<operation>", "input": {…}}: ${problemsOf(shape.error)}` : `unknown operation '${opName}' (known: ${OPERATION_NAMES.join(", ")})`;
          record(actor, { action: "access.denied", target: `operate ${opName}`, result: "refused", resultReason: `SCADA_ERR_OPERATION_UNKNOWN: ${message}` }, false);
          return refuse("SCADA_ERR_OPERATION_UNKNOWN", message);
        }
        const rawInput = shape.data.input ?? {};
        const refused = (code: ErrorCode, message: string, target: string, input: unknown): Ack => {
          record(actor, { action: def.action, target, newValue: withoutSecrets(input), result: "refused", resultReason: `${code}: ${message}` }, false);
          log.info({ user: actor.user, op: opName, channel, code }, message);
          return refuse(code, message);
        };
        if (!roleCan(actor.role, def.permission)) {
          return refused("SCADA_ERR_AUTH_FORBIDDEN", `${opName} needs permission '${def.permission}', which role '${actor.role}' does not have`, opName, rawInput);
        }
        const parsed = def.input.safeParse(rawInput);
        if (!parsed.success) return refused("SCADA_ERR_HTTP_BAD_REQUEST", `${opName}: ${problemsOf(parsed.error)}`, opName, rawInput);
        const input = parsed.data;
        const target = def.target(input);
        const specific = def.permissionFor?.(input) ?? def.permission;
        if (!roleCan(actor.role, specific)) {
          return refused("SCADA_ERR_AUTH_FORBIDDEN", `${opName} needs permission '${specific}', which role '${actor.role}' does not have`, target, input);
        }
        let signed: AuditEntry["signature"];
        if (def.signed) {
          const sig = (input as { signature: { password: string; meaning: string } }).signature;
          const check = await deps.sessions.verifyPassword(actor.user, sig.password, actor.address);
          if (!check.ok) return refused("SCADA_ERR_SIGNATURE_INVALID", `signature refused: ${check.reason}`, target, input);
          signed = { name: actor.user, meaning: sig.meaning, time: deps.now() };
        }
        const reason = def.reason?.(input);
        if (deps.audit.writable?.() === false && !(def.neverBlocked?.(input) ?? false)) {
          return refuse("SCADA_ERR_AUDIT_UNAVAILABLE", `${opName} refused: the audit trail cannot record (only Stop and Abort are allowed)`);
        }
        let outcome: Outcome;
        try {
          outcome = await def.run(deps, input as never, actor);
        } catch (err) {
          if (err instanceof ScadaError) {
            return refused(err.code, err.message, target, input);
          }
          log.error({ err, op: opName }, "operation failed");
          const message = `${opName} failed: ${(err as Error).message}`;
          record(actor, { action: def.action, target, newValue: withoutSecrets(input), reason: reason ?? null, result: "failed", resultReason: message }, false);
          return refuse("SCADA_ERR_SERVER_INTERNAL", message);
        }
        const auditError = record(
          actor,
          {
            action: def.action,
            target,
            oldValue: outcome.oldValue,
            newValue: outcome.newValue ?? withoutSecrets(input),
            reason: reason ?? null,
            result: "ok",
            ...(signed ? { signature: signed } : {}),
          },
          !(def.neverBlocked?.(input) ?? false),
        );
        for (const e of outcome.effects ?? []) {
          record(actor, { action: e.action, target: e.target, oldValue: e.oldValue, newValue: e.newValue, reason: `${opName} ${target}`, result: e.result, ...(e.resultReason ? { resultReason: e.resultReason } : {}) }, false);
        }
        if (auditError) return { ok: false, error: { code: auditError.code, message: `${opName} was done but ${auditError.message}` } };
        return { ok: true, result: outcome.result };
      } catch (err) {
        log.error({ err }, "operation runner failed");
        return refuse("SCADA_ERR_SERVER_INTERNAL", "internal error");
      }
    },
  };
}
