import { pino } from "pino";
import { type LogFormat, logFormatFor } from "./log-format.js";
import { formatLogLine } from "./log-line-format.js";

/** The logging port every module receives; pino satisfies it. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Default: LOG_FORMAT, else the human line on a terminal and JSON lines otherwise (core/log-format.ts). */
  readonly format?: LogFormat;
  /** ANSI colours in the human format (default: on a terminal, unless NO_COLOR). */
  readonly color?: boolean;
  /** Where the lines go (default: stdout, written synchronously — nothing is lost on process.exit). */
  readonly destination?: { write(line: string): unknown };
}

let ignoredFormatWarned = false;

/** The one way to make a logger: pino, JSON lines or the human console line (issue 12, item 4), no worker thread. */
export function createLogger(level = process.env.LOG_LEVEL ?? "info", options: LoggerOptions = {}): Logger {
  const choice = logFormatFor(process.env, process.stdout.isTTY === true);
  const format = options.format ?? choice.format;
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  const settings = { level, base: { app: "htr-scada" }, timestamp: pino.stdTimeFunctions.isoTime };
  const color = options.color ?? choice.color;
  const logger = format === "json" ? pino(settings, out) : pino(settings, { write: (chunk: string) => out.write(prettyLine(chunk, color)) });
  if (choice.ignored !== undefined && options.format === undefined && !ignoredFormatWarned) {
    ignoredFormatWarned = true;
    logger.warn({ LOG_FORMAT: choice.ignored }, `LOG_FORMAT must be json or pretty; using ${format}`);
  }
  return logger;
}

/** One JSON line from pino → the human line (a line that is not JSON passes unchanged). */
function prettyLine(chunk: string, color: boolean): string {
  let log: unknown;
  try {
    log = JSON.parse(chunk);
  } catch {
    return chunk;
  }
  return log !== null && typeof log === "object" ? `${formatLogLine(log as Record<string, unknown>, { color })}\n` : chunk;
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/**
 * Flood control: log a repeating condition once per interval, with the count of suppressed repeats.
 * A PLC that is down logs once per interval, not once per poll.
 */
export class FloodGate {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the number of suppressed repeats (≥ 0) when this key may log now, or -1 when it must stay quiet. */
  pass(key: string): number {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry === undefined || t - entry.at >= this.intervalMs) {
      const suppressed = entry?.suppressed ?? 0;
      this.last.set(key, { at: t, suppressed: 0 });
      return suppressed;
    }
    entry.suppressed += 1;
    return -1;
  }

  /** Forget a key, so the next occurrence logs at once (e.g. after recovery). */
  reset(key: string): void {
    this.last.delete(key);
  }
}
