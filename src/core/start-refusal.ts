/**
 * A refused start, told as people read it (issue 12, item 4): one plain line on stderr with the reason and
 * the fix, and an exit code of its own — never a JSON stack trace. Pure: the error a start failed with (and
 * what the start was about to use) → the line and the exit code; src/main.ts prints it and exits.
 *
 *   2  the configuration is invalid (its problems follow the line, one per line, as `file:path: message`)
 *   3  SCADA_ADMIN_PASSWORD breaks the password policy (first run)
 *   4  a port the start listens on is in use (HTTP, or the virtual plant's OPC UA / Modbus ports)
 *   5  the data directory cannot be created or written
 *   6  the data directory is in use by another running process (its `scada.pid`)
 *   1  anything else (a fault rather than a setting: the log has the details)
 */
import { ScadaError } from "./errors.js";
import { type Problem, formatProblem } from "./problem.js";

export const START_EXIT_CODES = {
  failed: 1,
  config: 2,
  adminPassword: 3,
  portInUse: 4,
  dataDir: 5,
  dataDirInUse: 6,
} as const;

/** What the start was about to use, to name it in the line. */
export interface StartTarget {
  readonly configDir: string;
  readonly dataDir: string;
  /** The HTTP port asked for (0: any free port; none for `htr-scada sim`). */
  readonly httpPort?: number;
  /** The ports the virtual plant listens on (start --sim, sim), and which PLC each serves. */
  readonly plantPorts: readonly PlantPort[];
}

export interface PlantPort {
  readonly port: number;
  readonly device: string;
  readonly protocol: string;
}

export interface StartRefusal {
  /** The one line: `htr-scada: cannot start: <reason> — <fix>`. */
  readonly line: string;
  /** Lines that belong to it (the configuration's problems), printed after it. */
  readonly details: readonly string[];
  readonly exitCode: number;
  /**
   * True when the reason is a setting or the machine's state (the line says it all); false for a fault of
   * ours, whose error the caller logs in full as well.
   */
  readonly expected: boolean;
}

const PREFIX = "htr-scada: cannot start:";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Bad configuration: the count and the way to list them, then every problem as `file:path: message`. */
export function configRefusal(dir: string, problems: readonly (Problem | string)[]): StartRefusal {
  return {
    line: `${PREFIX} the configuration in ${dir} has ${plural(problems.length, "problem", "problems")} — fix ${problems.length === 1 ? "it" : "them"} (htr-scada check-config lists them)`,
    details: problems.map((p) => (typeof p === "string" ? p : formatProblem(p))),
    exitCode: START_EXIT_CODES.config,
    expected: true,
  };
}

/** The refusal for whatever a start failed with. */
export function startRefusal(err: unknown, target: StartTarget): StartRefusal {
  const refusal = (line: string, exitCode: number): StartRefusal => ({ line: `${PREFIX} ${line}`, details: [], exitCode, expected: true });
  if (err instanceof ScadaError) {
    if (err.code === "SCADA_ERR_CONFIG_INVALID" && Array.isArray(err.details) && err.details.every((d) => typeof d === "string" || isProblem(d))) return configRefusal(target.configDir, err.details);
    // The only user a start validates is the first admin, from SCADA_ADMIN_PASSWORD.
    if (err.code === "SCADA_ERR_USER_INVALID") {
      const reason = err.message.replace(/^SCADA_ADMIN_PASSWORD:\s*/, "");
      return refusal(
        `SCADA_ADMIN_PASSWORD is refused: ${reason} — set it to a password that meets the policy, or unset it to have one generated and printed once`,
        START_EXIT_CODES.adminPassword,
      );
    }
    if (err.operator) return refusal(err.message, START_EXIT_CODES.failed);
  }
  const sys = systemError(err);
  if (sys?.code === "ELOCKED") {
    return refusal(
      `the data directory ${target.dataDir} is in use by process ${sys.pid ?? "?"} (another htr-scada on it) — stop that process, or set SCADA_DATA_DIR (or --data) to another directory`,
      START_EXIT_CODES.dataDirInUse,
    );
  }
  if (sys?.code === "EADDRINUSE") {
    const port = sys.port ?? -1;
    const plant = target.plantPorts.find((p) => p.port === port);
    if (plant)
      return refusal(
        `port ${port} of the virtual plant (${plant.device}, ${plant.protocol}) is in use (another htr-scada --sim or htr-scada sim running?) — stop the other process, or give ${plant.device} another port in ${target.configDir}/devices.yaml`,
        START_EXIT_CODES.portInUse,
      );
    if (port === target.httpPort)
      return refusal(`port ${port} is in use (another htr-scada running?) — set PORT (or --port) to a free port or stop the other process`, START_EXIT_CODES.portInUse);
    return refusal(`port ${port} is in use — stop the process that holds it`, START_EXIT_CODES.portInUse);
  }
  if (sys?.path !== undefined && sys.code !== undefined && sys.code in DIR_REASONS && touches(sys.path, target.dataDir)) {
    const reason = DIR_REASONS[sys.code]!(sys.path);
    return refusal(
      `the data directory ${target.dataDir} is not writable: ${reason} — set SCADA_DATA_DIR (or --data) to a directory this user can write`,
      START_EXIT_CODES.dataDir,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return { line: `${PREFIX} ${firstLine(message)} (a fault, not a setting: the log has the details)`, details: [], exitCode: START_EXIT_CODES.failed, expected: false };
}

/** Why a directory cannot be used, by the system error's code. */
const DIR_REASONS: Readonly<Record<string, (path: string) => string>> = {
  EACCES: (p) => `permission denied (${p})`,
  EPERM: (p) => `operation not permitted (${p})`,
  EROFS: (p) => `read-only file system (${p})`,
  ENOTDIR: (p) => `${p} is not a directory`,
  EEXIST: (p) => `${p} is not a directory`,
  ENOENT: (p) => `${p} cannot be created there`,
  ENOSPC: () => "no space left on the device",
  EDQUOT: () => "disk quota exceeded",
};

interface SystemErrorFields {
  readonly code?: string;
  readonly path?: string;
  readonly port?: number;
  readonly pid?: number;
}

function systemError(err: unknown): SystemErrorFields | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as Record<string, unknown>;
  return {
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.path === "string" ? { path: e.path } : {}),
    ...(typeof e.port === "number" ? { port: e.port } : {}),
    ...(typeof e.pid === "number" ? { pid: e.pid } : {}),
  };
}

/** `path` is the data directory, inside it, or one of the parents it would be created in. */
function touches(path: string, dataDir: string): boolean {
  const strip = (p: string) => p.replace(/\/+$/, "");
  const p = strip(path);
  const d = strip(dataDir);
  return p === d || p.startsWith(`${d}/`) || d.startsWith(`${p}/`) || p === "";
}

function isProblem(x: unknown): x is Problem {
  return x !== null && typeof x === "object" && typeof (x as Problem).file === "string" && typeof (x as Problem).path === "string" && typeof (x as Problem).message === "string";
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
