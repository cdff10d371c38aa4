/**
 * The messages between the SCADA's main thread and the virtual plant's worker thread
 * (`virtual-plant-thread.ts` ↔ `plant-worker.ts`): plain data, structured-cloned by postMessage.
 */
import type { ScadaConfig } from "../config/config-loader.js";
import { ScadaError, type ErrorCode } from "../core/errors.js";
import type { FaultState } from "./virtual-plant-service.js";

/** What the worker is started with (its `workerData`). */
export interface PlantThreadData {
  readonly config: ScadaConfig;
  readonly dataDir: string;
  readonly seed?: number;
  readonly startPurged?: boolean;
  readonly host?: string;
  readonly logLevel: string;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export type ToPlant = { readonly type: "fault"; readonly name: string; readonly active: boolean } | { readonly type: "stop" };

export type FromPlant =
  | { readonly type: "ready"; readonly endpoints: Readonly<Record<string, string>>; readonly faults: FaultState[] }
  | { readonly type: "faults"; readonly faults: FaultState[] }
  | { readonly type: "log"; readonly level: LogLevel; readonly bindings: Record<string, unknown>; readonly obj: object | string; readonly msg?: string }
  | { readonly type: "failed"; readonly error: SerializedError }
  | { readonly type: "stopped" };

/** An error across the thread boundary: what `startRefusal` reads (a ScadaError's code, a system error's code, port, path). */
export interface SerializedError {
  readonly message: string;
  readonly name: string;
  readonly scadaCode?: ErrorCode;
  readonly details?: unknown;
  readonly props: Record<string, string | number>;
}

const SYSTEM_PROPS = ["code", "errno", "syscall", "port", "address", "path", "pid"] as const;

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { message: String(err), name: "Error", props: {} };
  const props: Record<string, string | number> = {};
  for (const k of SYSTEM_PROPS) {
    const v = (err as unknown as Record<string, unknown>)[k];
    if (typeof v === "string" || typeof v === "number") props[k] = v;
  }
  if (err instanceof ScadaError) {
    let details: unknown;
    try {
      details = structuredClone(err.details);
    } catch {
      details = undefined;
    }
    return { message: err.message, name: err.name, scadaCode: err.code, ...(details === undefined ? {} : { details }), props };
  }
  return { message: err.message, name: err.name, props };
}

export function deserializeError(e: SerializedError): Error {
  if (e.scadaCode !== undefined) return new ScadaError(e.scadaCode, e.message, e.details);
  return Object.assign(new Error(e.message), { name: e.name }, e.props);
}
