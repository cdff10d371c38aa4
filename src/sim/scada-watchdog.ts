/**
 * The SCADA watchdog of a virtual PLC (pure, part of the PLC scan): the SCADA writes an incrementing
 * heartbeat into the PLC's memory (≈ every 100 ms, src/control/scada-heartbeat-writer.ts); the PLC remembers
 * the plant time of the last change and calls the SCADA lost when the value has stood still for its timeout.
 *
 * The watchdog is **armed** only once the heartbeat has changed at least once since the PLC started: a PLC
 * that has never heard from a SCADA (the plant driven by tests, `htr-scada sim` before a SCADA connects) does
 * not trip. A real PLC program may choose to arm at power-up instead (docs/plc-watchdog.md); the virtual one
 * arms on the first change so that tests driving the plant without a SCADA keep working.
 */

/** The watchdog's own memory in the PLC (internal; not a tag). */
export interface ScadaWatchdogMemory {
  /** Timeout, ms of plant time: a PLC parameter (devices.yaml scadaHeartbeat.timeoutMs in the virtual plant). */
  readonly timeoutMs: number;
  /** The heartbeat value the last scan saw. */
  readonly lastValue: number;
  /** Plant time of the last change, ms; null until the first change (not armed). */
  readonly lastChangeMs: number | null;
}

/** What one scan of the watchdog found. */
export interface ScadaWatchdogScan {
  readonly memory: ScadaWatchdogMemory;
  /** Armed and the heartbeat changed within the timeout: the PLC sees the SCADA. */
  readonly running: boolean;
  /** Armed and the heartbeat has not changed for the timeout: the SCADA is lost. */
  readonly expired: boolean;
}

/** The watchdog at PLC start: not armed, the heartbeat input at `value`. */
export function initialScadaWatchdog(timeoutMs: number, value = 0): ScadaWatchdogMemory {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`SCADA watchdog timeout must be positive (got ${timeoutMs})`);
  return { timeoutMs, lastValue: value, lastChangeMs: null };
}

/** One scan at plant time `nowMs` with the heartbeat input `value` (pure). */
export function scanScadaWatchdog(w: ScadaWatchdogMemory, value: number, nowMs: number): ScadaWatchdogScan {
  const memory: ScadaWatchdogMemory = value !== w.lastValue ? { ...w, lastValue: value, lastChangeMs: nowMs } : w;
  const since = memory.lastChangeMs;
  if (since === null) return { memory, running: false, expired: false };
  const expired = nowMs - since >= memory.timeoutMs;
  return { memory, running: !expired, expired };
}
