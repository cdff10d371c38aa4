/**
 * Runs a virtual plant in real time: a timer wakes up about every 10 ms and steps the plant in fixed 10 ms
 * steps until plant time has caught up with the clock. The catch-up is capped: after a stall (a blocked event
 * loop, a debugger pause) the runner runs at most `maxStepsPerTick` steps and drops the rest of the backlog,
 * so it never spins to "replay" a long stall; the dropped time is counted.
 * This is the only part of the plant that reads time, and the clock and timers are injectable.
 */
import { type Clock, systemClock } from "../core/clock.js";
import { SCAN_PERIOD_MS } from "./virtual-plant.js";

/** What the runner needs of a plant. */
export interface SteppablePlant {
  /** Advances one 10 ms scan of plant time. */
  step(): void;
}

export interface RunnerTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeTimers: RunnerTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface PlantRunnerOptions {
  readonly clock?: Clock;
  readonly timers?: RunnerTimers;
  /** How often the timer wakes up, ms (default: one scan). */
  readonly tickMs?: number;
  /** At most this many steps per wake-up (default 50: half a second of plant time). */
  readonly maxStepsPerTick?: number;
  /** A step that throws (a failing scan listener) is reported here; default: rethrow. */
  readonly onError?: (err: unknown) => void;
}

const DEFAULT_MAX_STEPS_PER_TICK = 50;

export class PlantRunner {
  private readonly clock: Clock;
  private readonly timers: RunnerTimers;
  private readonly tickMs: number;
  private readonly maxStepsPerTick: number;
  private readonly onError: (err: unknown) => void;
  private handle: unknown;
  private isRunning = false;
  /** Clock time at which plant time is fully caught up (advances by 10 ms per step). */
  private caughtUpTo = 0;
  private dropped = 0;
  private steps = 0;

  constructor(
    private readonly plant: SteppablePlant,
    options: PlantRunnerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? nodeTimers;
    this.tickMs = options.tickMs ?? SCAN_PERIOD_MS;
    this.maxStepsPerTick = options.maxStepsPerTick ?? DEFAULT_MAX_STEPS_PER_TICK;
    this.onError =
      options.onError ??
      ((err) => {
        throw err;
      });
    if (!(this.maxStepsPerTick >= 1)) throw new RangeError("PlantRunner: maxStepsPerTick must be at least 1");
    if (!(this.tickMs > 0)) throw new RangeError("PlantRunner: tickMs must be positive");
  }

  get running(): boolean {
    return this.isRunning;
  }

  /** Plant time dropped because of the catch-up cap, ms. */
  get droppedMs(): number {
    return this.dropped;
  }

  /** Steps run since construction. */
  get stepCount(): number {
    return this.steps;
  }

  /** Starts stepping in real time from now (idempotent). */
  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.caughtUpTo = this.clock.now();
    this.handle = this.timers.setInterval(() => this.tick(), this.tickMs);
  }

  /** Stops the timer (idempotent); the plant keeps its state. */
  stop(): void {
    if (!this.isRunning) return;
    this.isRunning = false;
    this.timers.clearInterval(this.handle);
    this.handle = undefined;
  }

  /** One wake-up: steps while a whole scan is due, up to the cap; returns the number of steps run. */
  tick(): number {
    if (!this.isRunning) return 0;
    const now = this.clock.now();
    let n = 0;
    while (now - this.caughtUpTo >= SCAN_PERIOD_MS && n < this.maxStepsPerTick) {
      this.caughtUpTo += SCAN_PERIOD_MS;
      n += 1;
      this.steps += 1;
      try {
        this.plant.step();
      } catch (err) {
        this.onError(err);
      }
    }
    const behind = now - this.caughtUpTo;
    if (behind >= SCAN_PERIOD_MS) {
      const skipped = Math.floor(behind / SCAN_PERIOD_MS) * SCAN_PERIOD_MS;
      this.dropped += skipped;
      this.caughtUpTo += skipped;
    }
    return n;
  }
}
