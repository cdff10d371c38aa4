import type { Cancel, SocketScheduler } from "../../../src/server/socket-scheduler.js";

interface Timer {
  readonly id: number;
  at: number;
  readonly every: number | undefined;
  readonly fn: () => void;
}

/** A SocketScheduler a test moves by hand: nothing runs until `advance` (a `soon` runs at `advance(0)`). */
export class ManualSocketScheduler implements SocketScheduler {
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.t;
  }
  soon(fn: () => void): Cancel {
    return this.add(this.t, undefined, fn);
  }
  after(ms: number, fn: () => void): Cancel {
    return this.add(this.t + ms, undefined, fn);
  }
  every(ms: number, fn: () => void): Cancel {
    return this.add(this.t + ms, ms, fn);
  }

  /** Time passes inside what is running now (a costly flush), with nothing else run meanwhile. */
  spend(ms: number): void {
    this.t += ms;
  }

  /** Timers not yet run (or cancelled). */
  pending(): number {
    return this.timers.size;
  }

  /** Runs the earliest timer due now (one macrotask); false when none is due. */
  runNext(): boolean {
    let due: Timer | undefined;
    for (const x of this.timers.values()) if (x.at <= this.t && (!due || x.at < due.at)) due = x;
    if (!due) return false;
    if (due.every === undefined) this.timers.delete(due.id);
    else due.at += due.every;
    due.fn();
    return true;
  }

  /** Moves time on by `ms`, running what falls due on the way, earliest first (ties: in the order scheduled). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: Timer | undefined;
      for (const x of this.timers.values()) if (x.at <= end && (!due || x.at < due.at)) due = x;
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every === undefined) this.timers.delete(due.id);
      else due.at += due.every;
      due.fn();
    }
    this.t = end;
  }

  private add(at: number, every: number | undefined, fn: () => void): Cancel {
    const id = this.nextId++;
    this.timers.set(id, { id, at, every, fn });
    return () => void this.timers.delete(id);
  }
}
