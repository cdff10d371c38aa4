/**
 * Commands from the north (DCMD), as Sparkplug B metrics (pure): what a host may send and how it is answered.
 *
 * A host asks for an operation with the `Operation/Request` metric (String, JSON `{"op": …, "input": {…}}`,
 * the same request the HMI's socket and the REST API run), optionally with `Operation/Id` (String: the
 * host's own id, echoed in the answer). The edge node never writes a PLC for it: the request goes to the
 * command handler (the operation runner, as a configured service user, with its permission, validation and
 * audit record) or is refused. Any other metric in a DCMD — a tag written the Sparkplug way — is refused
 * as a direct write. Every command is answered in the device's next DDATA with `Operation/Result` (String,
 * JSON `{id, op, ok, code?, message?}`), and counted in the node's `Commands/Accepted` / `Commands/Refused`.
 */
import type { SparkplugMetric } from "./sparkplug-metrics.js";

export const OPERATION_METRIC = {
  request: "Operation/Request",
  id: "Operation/Id",
  result: "Operation/Result",
} as const;

export const COMMAND_COUNT_METRIC = {
  accepted: "Commands/Accepted",
  refused: "Commands/Refused",
} as const;

/** One command as the handler sees it. `metric` is the metric the host wrote; `value` its value. */
export interface NorthCommand {
  readonly device: string;
  readonly metric: string;
  readonly value: unknown;
  /** The host's `Operation/Id` of the same DCMD, "" when none. */
  readonly id: string;
}

/** The handler's answer: an operation's acknowledgement, as the socket's `Ack` is. */
export type NorthCommandAnswer =
  | { readonly ok: true; readonly result?: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Runs (or refuses) one command; never throws. */
export type NorthCommandHandler = (command: NorthCommand) => Promise<NorthCommandAnswer>;

/** The commands of one DCMD's metrics: one per metric but `Operation/Id`, which names the request. */
export function commandsOf(device: string, metrics: readonly SparkplugMetric[]): NorthCommand[] {
  const idMetric = metrics.find((m) => m.name === OPERATION_METRIC.id);
  const id = typeof idMetric?.value === "string" ? idMetric.value.slice(0, 128) : "";
  return metrics
    .filter((m) => m.name !== OPERATION_METRIC.id)
    .map((m) => ({ device, metric: typeof m.name === "string" ? m.name.slice(0, 200) : "", value: m.value, id }));
}

/** The operation a command's request names, for the answer ("" when it names none; the handler judges the rest). */
export function operationNameOf(command: NorthCommand): string {
  if (command.metric !== OPERATION_METRIC.request || typeof command.value !== "string") return "";
  try {
    const op = (JSON.parse(command.value) as { op?: unknown } | null)?.op;
    return typeof op === "string" ? op.slice(0, 64) : "";
  } catch {
    return "";
  }
}

/** `Operation/Result` for one answered command. */
export function resultMetric(command: NorthCommand, answer: NorthCommandAnswer, nowMs: number): SparkplugMetric {
  const body = answer.ok
    ? { id: command.id, op: operationNameOf(command), ok: true }
    : { id: command.id, op: operationNameOf(command), ok: false, code: answer.error.code, message: answer.error.message };
  return { name: OPERATION_METRIC.result, type: "String", value: JSON.stringify(body), timestamp: nowMs };
}

/** What each DBIRTH declares of commands, so a host knows where to write and where to read the answer. */
export function commandBirthMetrics(nowMs: number, accepting: boolean): SparkplugMetric[] {
  return [
    {
      name: OPERATION_METRIC.request,
      type: "String",
      value: "",
      timestamp: nowMs,
      properties: {
        readOnly: { type: "Boolean", value: !accepting },
        Documentation: { type: "String", value: 'JSON {"op": "<operation>", "input": {…}}: run as the configured service user (refused unless acceptCommands)' },
      },
    },
    { name: OPERATION_METRIC.result, type: "String", value: "", timestamp: nowMs, properties: { readOnly: { type: "Boolean", value: true } } },
  ];
}

/** The node's command counters (NBIRTH, then NDATA when they change). */
export function commandCountMetrics(counts: { readonly accepted: number; readonly refused: number }, nowMs: number): SparkplugMetric[] {
  return [
    { name: COMMAND_COUNT_METRIC.accepted, type: "Int64", value: counts.accepted, timestamp: nowMs },
    { name: COMMAND_COUNT_METRIC.refused, type: "Int64", value: counts.refused, timestamp: nowMs },
  ];
}
