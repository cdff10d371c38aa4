import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { PlantRunner, type RunnerTimers } from "../../../src/sim/plant-runner.js";
import { newPlant } from "./plant-test-helpers.js";

/** Timers the test fires by hand. */
class FakeTimers implements RunnerTimers {
  fn: (() => void) | undefined;
  periodMs = 0;
  cleared = 0;
  setInterval(fn: () => void, ms: number): unknown {
    this.fn = fn;
    this.periodMs = ms;
    return 1;
  }
  clearInterval(): void {
    this.fn = undefined;
    this.cleared++;
  }
  fire(): void {
    assert.ok(this.fn, "no interval armed");
    this.fn();
  }
}

function setup(maxStepsPerTick?: number): { clock: ManualClock; timers: FakeTimers; steps: () => number; runner: PlantRunner } {
  const clock = new ManualClock(1_000_000);
  const timers = new FakeTimers();
  let steps = 0;
  const runner = new PlantRunner(
    { step: () => steps++ },
    { clock, timers, ...(maxStepsPerTick === undefined ? {} : { maxStepsPerTick }) },
  );
  return { clock, timers, steps: () => steps, runner };
}

describe("sim/plant-runner", () => {
  it("steps in fixed 10 ms steps to catch up with the clock, keeping the remainder", () => {
    const { clock, timers, steps, runner } = setup();
    runner.start();
    assert.equal(timers.periodMs, 10);
    clock.advance(9);
    timers.fire();
    assert.equal(steps(), 0);
    clock.advance(26); // 35 ms since start
    timers.fire();
    assert.equal(steps(), 3);
    clock.advance(5); // 40 ms
    timers.fire();
    assert.equal(steps(), 4);
    assert.equal(runner.droppedMs, 0);
  });

  it("caps the catch-up after a stall and drops the backlog instead of spinning", () => {
    const { clock, timers, steps, runner } = setup(50);
    runner.start();
    clock.advance(60_000); // a minute-long stall
    timers.fire();
    assert.equal(steps(), 50);
    assert.equal(runner.droppedMs, 60_000 - 500);
    clock.advance(10);
    timers.fire();
    assert.equal(steps(), 51, "back in step with the clock right after");
  });

  it("start and stop are idempotent; a stopped runner does not step", () => {
    const { clock, timers, steps, runner } = setup();
    runner.start();
    runner.start();
    assert.equal(runner.running, true);
    runner.stop();
    runner.stop();
    assert.equal(timers.cleared, 1);
    assert.equal(runner.running, false);
    clock.advance(100);
    assert.equal(runner.tick(), 0);
    assert.equal(steps(), 0);
    runner.start();
    clock.advance(20);
    timers.fire();
    assert.equal(steps(), 2, "a restart counts from the restart, not from the first start");
  });

  it("drives a real VirtualPlant: plant time follows the clock", () => {
    const clock = new ManualClock(0);
    const timers = new FakeTimers();
    const plant = newPlant(1);
    const runner = new PlantRunner(plant, { clock, timers });
    runner.start();
    for (let i = 0; i < 100; i++) {
      clock.advance(10);
      timers.fire();
    }
    assert.equal(plant.timeMs, 1000);
    runner.stop();
  });

  it("hands a failing step to onError and keeps going", () => {
    const clock = new ManualClock(0);
    const timers = new FakeTimers();
    const errors: unknown[] = [];
    let n = 0;
    const runner = new PlantRunner(
      {
        step: () => {
          n++;
          if (n === 2) throw new Error("listener failed");
        },
      },
      { clock, timers, onError: (e) => errors.push(e) },
    );
    runner.start();
    clock.advance(30);
    timers.fire();
    assert.equal(n, 3);
    assert.equal(errors.length, 1);
  });

  it("runs on real timers with the system clock", async () => {
    const plant = newPlant(1);
    const runner = new PlantRunner(plant);
    runner.start();
    try {
      await new Promise((r) => setTimeout(r, 120)); // a measuring window: what ≈ 120 ms of real timers advance the plant by
    } finally {
      runner.stop();
    }
    assert.ok(plant.timeMs >= 50 && plant.timeMs <= 1000, `plant time ${plant.timeMs} ms after ≈ 120 ms`);
  });
});
