/**
 * The SCADA's own health as history: the measurement `health`, one sample every 10 s while the historian
 * runs (for the Grafana dashboard "historian and link health"; nothing else of the app's health is
 * historised — the HIST-… and COMM-… alarms are, in `alarm`).
 *
 * - `component=historian` (tags line, component, mode = external | managed | spool-only): fields online
 *   (1 / 0), queuedPoints, spoolBytes, spoolFraction, spoolPoints, spoolFull (1 / 0), droppedPoints,
 *   rejectedPoints, writtenPoints, replayedBatches — the counters since the process started, so a rate is
 *   `non_negative_derivative`. Written through the historian itself: while InfluxDB is away the samples
 *   spool with everything else and arrive with the replay.
 * - `component=link` (tags line, component, device), one per PLC link: fields state (0 OK, 1 WARN, 2 DOWN:
 *   max = worst, like `quality`), connected (1 / 0), reconnects, requests, requestErrors, overruns, updates
 *   (counters since the process started) and, when not OK, reason.
 *
 * The point builders are pure; `HealthSampler` owns the timer. A link's state between two samples is not
 * seen here (its COMM alarm has the exact times).
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { HistorianPoint } from "./historian-point.js";
import type { HistorianServiceStatus } from "./historian-service.js";

export const HEALTH_MEASUREMENT = "health";
/** How often the health is sampled, ms. */
export const HEALTH_SAMPLE_MS = 10_000;

/** Link state as stored in the `state` field: max is the worst. */
export const LINK_STATE_CODE = { OK: 0, WARN: 1, DOWN: 2 } as const;

/** What the sampler reads of a PLC link (a DeviceDriver fits). */
export interface LinkHealthSource {
  readonly deviceId: string;
  health(): { readonly state: keyof typeof LINK_STATE_CODE; readonly connected: boolean; readonly reason: string };
  stats(): { readonly reconnects: number; readonly requests: number; readonly requestErrors: number; readonly overruns: number; readonly updates: number };
}

export function historianHealthPoint(s: HistorianServiceStatus, line: string, timeMs: number): HistorianPoint {
  return {
    measurement: HEALTH_MEASUREMENT,
    tags: { line, component: "historian", mode: s.mode },
    fields: {
      online: s.online ? 1 : 0,
      queuedPoints: s.queuedPoints,
      spoolBytes: s.spoolBytes,
      spoolFraction: s.spoolFraction,
      spoolPoints: s.spoolPoints,
      spoolFull: s.spoolFull ? 1 : 0,
      droppedPoints: s.droppedPoints,
      rejectedPoints: s.rejectedPoints,
      writtenPoints: s.writtenPoints,
      replayedBatches: s.replayedBatches,
    },
    timeMs,
  };
}

export function linkHealthPoint(link: LinkHealthSource, line: string, timeMs: number): HistorianPoint {
  const h = link.health();
  const st = link.stats();
  const fields: Record<string, number | string> = {
    state: LINK_STATE_CODE[h.state],
    connected: h.connected ? 1 : 0,
    reconnects: st.reconnects,
    requests: st.requests,
    requestErrors: st.requestErrors,
    overruns: st.overruns,
    updates: st.updates,
  };
  if (h.state !== "OK" && h.reason !== "") fields.reason = h.reason;
  return { measurement: HEALTH_MEASUREMENT, tags: { line, component: "link", device: link.deviceId }, fields, timeMs };
}

export interface HealthSamplerOptions {
  readonly line: string;
  readonly historian: () => HistorianServiceStatus;
  readonly links: () => readonly LinkHealthSource[];
  readonly write: (p: HistorianPoint) => void;
  readonly clock: Clock;
  readonly periodMs?: number;
  readonly logger?: Logger;
  /** Runs `fn` every `ms` until the returned function is called (default: setInterval; tests move it by hand). */
  readonly every?: (fn: () => void, ms: number) => () => void;
}

function everyInterval(fn: () => void, ms: number): () => void {
  const timer = setInterval(fn, ms);
  return () => clearInterval(timer);
}

/** Writes the health points every `periodMs` between start() and stop(). */
export class HealthSampler {
  private cancel: (() => void) | null = null;

  constructor(private readonly o: HealthSamplerOptions) {}

  /** One sample now: the historian's and each link's point. */
  sample(): HistorianPoint[] {
    const now = this.o.clock.now();
    const points = [historianHealthPoint(this.o.historian(), this.o.line, now), ...this.o.links().map((l) => linkHealthPoint(l, this.o.line, now))];
    for (const p of points) this.o.write(p);
    return points;
  }

  start(): void {
    if (this.cancel) return;
    this.cancel = (this.o.every ?? everyInterval)(() => {
      try {
        this.sample();
      } catch (err) {
        // a status read that throws must not end the process from a timer; at most one line per period
        this.o.logger?.warn({ err: String(err) }, "health sample failed");
      }
    }, this.o.periodMs ?? HEALTH_SAMPLE_MS);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }
}
