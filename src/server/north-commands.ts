/**
 * Commands from the north (Sparkplug B DCMD) as operations: refused by default; with `acceptCommands` each
 * `Operation/Request` is run by the one operation runner as the configured service user — that user's
 * role and permissions, the operation's input validation, its audit record (channel "sparkplug") — and
 * never as a direct PLC write. Refused without reaching the runner, and recorded as `access.denied`:
 * everything while commands are off, a metric that is not an `Operation/Request` (a tag written the
 * Sparkplug way), a request that is not JSON, an operation outside the allowed list, an operation that
 * needs an e-signature (a service account's is nobody's signature), a service user that does not exist or
 * is disabled. Those refusals are recorded one by one up to a rate, then as one summary per minute
 * (RefusalFloodGuard); at most MAX_RUNS_PER_S commands a second reach the runner: a host that floods cannot
 * fill the disk.
 *
 * The answer has the socket's `Ack` shape; the edge node sends it back in `Operation/Result`. Never throws.
 */
import type { Actor } from "../auth/actor.js";
import type { Role } from "../auth/permissions.js";
import type { Logger } from "../core/logger.js";
import type { AuditSink } from "./operation-def.js";
import type { OperationRunner } from "./operation-port.js";
import { OPERATIONS } from "./operations.js";
import { type FloodSummary, RefusalFloodGuard } from "./refusal-flood-guard.js";
import type { Ack } from "./socket-contract.js";

/** A DCMD's command, as the edge node passes it (structurally its NorthCommand). */
export interface NorthCommandInput {
  readonly device: string;
  readonly metric: string;
  readonly value: unknown;
  readonly id: string;
}

/** The metric that carries a request (the edge node's `Operation/Request`). */
const REQUEST_METRIC = "Operation/Request";
const REFUSED = "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED";
/** Commands per second that reach the operation runner at most; the rest are refused (and counted, not each recorded). */
const MAX_RUNS_PER_S = 20;

export interface NorthCommandsOptions {
  readonly accept: boolean;
  /** The user a command acts as; required when `accept`. */
  readonly serviceUser?: string;
  /** Only these operations (default: every operation that needs no e-signature). */
  readonly allow?: readonly string[];
  /** Where the commands come from (the broker and edge node), as a client address in the records. */
  readonly source: string;
  readonly runner: OperationRunner;
  readonly users: { get(name: string): { readonly role: Role; readonly disabled: boolean } | undefined };
  readonly audit: AuditSink;
  readonly now: () => number;
  readonly logger: Logger;
}

export function createNorthCommandHandler(o: NorthCommandsOptions): (command: NorthCommandInput) => Promise<Ack> {
  const log = o.logger.child({ module: "north-commands" });
  const flood = new RefusalFloodGuard();
  const allowed = new Set(o.allow ?? Object.entries(OPERATIONS).filter(([, def]) => !def.signed).map(([name]) => name));

  const write = (user: string, role: string, target: string, newValue: unknown, resultReason: string): void => {
    try {
      o.audit.record({ user, role, clientAddress: o.source, action: "access.denied", target, newValue, result: "refused", resultReason });
    } catch (err) {
      log.error({ err, target }, "audit trail could not record a refused command from the north");
    }
  };
  const summarise = (s: FloodSummary): void =>
    write(o.serviceUser ?? "sparkplug", "", "sparkplug DCMD (flood summary)", { suppressed: s.suppressed, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() }, `${REFUSED}: ${s.suppressed} further refused commands not recorded one by one`);

  const refuse = (command: NorthCommandInput, message: string, role = ""): Ack => {
    const { record, summaries } = flood.take(o.source, o.now());
    summaries.forEach(summarise);
    if (record) write(o.serviceUser ?? "sparkplug", role, `sparkplug DCMD ${command.device}/${command.metric}`, { id: command.id, value: clip(command.value) }, `${REFUSED}: ${message}`);
    log.info({ device: command.device, metric: command.metric, id: command.id }, `command from the north refused: ${message}`);
    return { ok: false, error: { code: REFUSED, message } };
  };

  let window = { start: Number.NEGATIVE_INFINITY, runs: 0 };
  return async (command) => {
    try {
      if (!o.accept) return refuse(command, "commands from the north are not accepted (northbound.yaml: sparkplug.acceptCommands is false)");
      if (command.metric !== REQUEST_METRIC) {
        return refuse(command, `'${command.metric}' is not a command: a tag is never written from the north; send ${REQUEST_METRIC} with {"op": …, "input": {…}}`);
      }
      if (typeof command.value !== "string") return refuse(command, `${REQUEST_METRIC} must be a String holding JSON {"op": …, "input": {…}}`);
      let request: unknown;
      try {
        request = JSON.parse(command.value);
      } catch (err) {
        return refuse(command, `${REQUEST_METRIC} is not JSON: ${(err as Error).message}`);
      }
      const op = (request as { op?: unknown } | null)?.op;
      if (typeof op !== "string" || !allowed.has(op)) {
        const name = typeof op === "string" ? op.slice(0, 64) : String(op);
        const why = typeof op === "string" && Object.hasOwn(OPERATIONS, op) && OPERATIONS[op as keyof typeof OPERATIONS].signed ? "it needs a person's e-signature" : "it is not in sparkplug.commandOperations";
        return refuse(command, `operation '${name}' is not allowed from the north: ${why} (allowed: ${[...allowed].join(", ")})`);
      }
      const user = o.serviceUser === undefined ? undefined : o.users.get(o.serviceUser);
      if (!user || user.disabled) return refuse(command, `the service user '${o.serviceUser ?? ""}' ${user ? "is disabled" : "does not exist"}`);
      const now = o.now();
      if (now - window.start >= 1000) window = { start: now, runs: 0 };
      if (++window.runs > MAX_RUNS_PER_S) return refuse(command, `more than ${MAX_RUNS_PER_S} commands a second: refused, not run`);
      const actor: Actor = { user: o.serviceUser!, role: user.role, address: o.source, sessionId: "sparkplug" };
      return await o.runner.run(actor, "sparkplug", request);
    } catch (err) {
      log.error({ err }, "command from the north failed");
      return { ok: false, error: { code: "SCADA_ERR_SERVER_INTERNAL", message: "internal error" } };
    }
  };
}

/** A value as recorded: strings clipped, so a huge payload is not copied into the trail. */
function clip(value: unknown): unknown {
  if (typeof value === "string") return value.length > 500 ? `${value.slice(0, 500)}…` : value;
  return typeof value === "object" && value !== null ? "[object]" : value;
}
