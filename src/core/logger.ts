import { pino } from "pino";

/** The logging port every module receives; pino satisfies it. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { app: "htr-scada" }, timestamp: pino.stdTimeFunctions.isoTime });
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
