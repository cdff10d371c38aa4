import { performance } from "node:perf_hooks";

/** Cancels what was scheduled (a no-op once it ran). */
export type Cancel = () => void;

/**
 * The realtime gateway's time and timers: the tick spacing of tag batches, the state-push period and the
 * session check. Injected, so a test drives the ticks by hand instead of waiting for real time.
 * `now` is monotonic (ms from any origin); the epoch time stamps of tag batches come from the `Clock`.
 */
export interface SocketScheduler {
  now(): number;
  /** Runs `fn` once, after the I/O callbacks already queued (a burst of changes in one read → one run). */
  soon(fn: () => void): Cancel;
  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms`. */
  every(ms: number, fn: () => void): Cancel;
}

/** The real clock and timers: performance.now, setImmediate, setTimeout, setInterval. */
export const realSocketScheduler: SocketScheduler = {
  now: () => performance.now(),
  soon(fn) {
    const h = setImmediate(fn);
    return () => clearImmediate(h);
  },
  after(ms, fn) {
    const h = setTimeout(fn, ms);
    return () => clearTimeout(h);
  },
  every(ms, fn) {
    const h = setInterval(fn, ms);
    return () => clearInterval(h);
  },
};
