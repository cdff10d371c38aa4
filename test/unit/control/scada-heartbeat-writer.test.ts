import assert from "node:assert/strict";
import { type ScadaHeartbeatTarget, heartbeatModulus, nextHeartbeatCount, scadaHeartbeatTargets } from "../../../src/control/scada-heartbeat-count.js";
import { type IntervalTimers, ScadaHeartbeatWriter } from "../../../src/control/scada-heartbeat-writer.js";
import { ManualClock } from "../../../src/core/clock.js";
import type { Logger } from "../../../src/core/logger.js";
import type { WriteResult } from "../../../src/core/tag-io.js";
import type { TagScalar } from "../../../src/core/tag-value.js";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";

/** Interval timers fired by hand: `fire(ms)` moves the clock and runs every interval due on the way. */
class FakeTimers implements IntervalTimers {
  private next = 1;
  readonly intervals = new Map<number, { fn: () => void; ms: number; due: number }>();
  constructor(private readonly clock: ManualClock) {}
  setInterval(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.intervals.set(id, { fn, ms, due: this.clock.now() + ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.intervals.delete(handle as number);
  }
  /** Advances in 10 ms steps, firing the intervals due. */
  async fire(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 10) {
      this.clock.advance(10);
      for (const iv of [...this.intervals.values()]) {
        if (iv.due <= this.clock.now()) {
          iv.due += iv.ms;
          iv.fn();
        }
      }
      await settle();
    }
  }
}

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Line {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

function capturingLogger(lines: Line[]): Logger {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push(typeof obj === "string" ? { level, obj: {}, msg: obj } : { level, obj: obj as Record<string, unknown>, msg: msg ?? "" });
    };
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return logger;
}

/** A TagWriter whose answers the test decides: immediately ("ok" / "fail") or held until released. */
class FakeWriter {
  readonly writes: { tag: string; value: TagScalar }[] = [];
  mode: "ok" | "fail" | "hold" = "ok";
  private held: ((r: WriteResult) => void)[] = [];
  write(tag: string, value: TagScalar): Promise<WriteResult> {
    this.writes.push({ tag, value });
    if (this.mode === "ok") return Promise.resolve({ ok: true, status: "Good", roundTripMs: 1 });
    if (this.mode === "fail") return Promise.resolve({ ok: false, status: "not connected", roundTripMs: 0 });
    return new Promise((r) => this.held.push(r));
  }
  release(ok = true): void {
    for (const r of this.held.splice(0)) r(ok ? { ok: true, status: "Good", roundTripMs: 300 } : { ok: false, status: "timeout", roundTripMs: 500 });
  }
  valuesOf(tag: string): TagScalar[] {
    return this.writes.filter((w) => w.tag === tag).map((w) => w.value);
  }
}

const HTR: ScadaHeartbeatTarget = { device: "htr-plc", tag: "htr-plc.scada_heartbeat", periodMs: 100, timeoutMs: 1000, modulus: 2 ** 16 };
const LINE: ScadaHeartbeatTarget = { device: "line-plc", tag: "line-plc.scada_heartbeat", periodMs: 100, timeoutMs: 1000, modulus: 2 ** 16 };

function rig(targets: readonly ScadaHeartbeatTarget[] = [HTR, LINE], logIntervalMs = 60_000) {
  const clock = new ManualClock(1_000_000);
  const timers = new FakeTimers(clock);
  const writer = new FakeWriter();
  const lines: Line[] = [];
  const hb = new ScadaHeartbeatWriter({ targets, writer, logger: capturingLogger(lines), clock, timers, logIntervalMs });
  return { clock, timers, writer, lines, hb };
}

describe("control: the SCADA heartbeat to the PLCs' watchdogs", () => {
  describe("the count (pure)", () => {
    it("counts +1 and wraps to 0 at the tag type's modulus", () => {
      assert.equal(nextHeartbeatCount(0, 2 ** 16), 1);
      assert.equal(nextHeartbeatCount(65_535, 2 ** 16), 0);
      assert.deepEqual(["uint16", "int16", "uint32", "int32"].map((t) => heartbeatModulus(t as "uint16")), [2 ** 16, 2 ** 15, 2 ** 32, 2 ** 31]);
    });

    it("targets: every device with a scadaHeartbeat, from the real devices.yaml", () => {
      const config = loadConfigOrThrow("plc-config");
      assert.deepEqual(scadaHeartbeatTargets(config.devices, config.tags), [HTR, LINE]);
      assert.deepEqual(scadaHeartbeatTargets([{ id: "x" }], config.tags), [], "no scadaHeartbeat: no target");
    });
  });

  describe("the writer", () => {
    it("writes 1 at start, then +1 every period to each device", async () => {
      const r = rig();
      r.hb.start();
      await settle();
      assert.deepEqual(r.writer.valuesOf(HTR.tag), [1]);
      await r.timers.fire(1000);
      assert.deepEqual(r.writer.valuesOf(HTR.tag), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      assert.deepEqual(r.writer.valuesOf(LINE.tag), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      assert.deepEqual(
        r.hb.status().map((s) => [s.device, s.count, s.writes, s.failures, s.skipped, s.reached, s.lastStatus]),
        [
          ["htr-plc", 11, 11, 0, 0, true, "Good"],
          ["line-plc", 11, 11, 0, 0, true, "Good"],
        ],
      );
      await r.hb.stop();
    });

    it("follows each device's period", async () => {
      const r = rig([HTR, { ...LINE, periodMs: 250 }]);
      r.hb.start();
      await r.timers.fire(1000);
      assert.equal(r.writer.valuesOf(HTR.tag).length, 11);
      assert.deepEqual(r.writer.valuesOf(LINE.tag), [1, 2, 3, 4, 5]);
      await r.hb.stop();
    });

    it("never overlaps writes to a device: a tick while one is in flight is skipped and counted", async () => {
      const r = rig([HTR]);
      r.writer.mode = "hold";
      r.hb.start();
      await r.timers.fire(350);
      assert.deepEqual(r.writer.valuesOf(HTR.tag), [1], "one write in flight, nothing queued behind it");
      assert.equal(r.hb.status()[0]!.skipped, 3);
      r.writer.mode = "ok";
      r.writer.release();
      await settle();
      await r.timers.fire(100);
      assert.deepEqual(r.writer.valuesOf(HTR.tag), [1, 2], "the next tick after it settles writes the next count");
      await r.hb.stop();
    });

    it("a device not reached yet logs its failures at debug only (no error storm at boot), then one line when it comes", async () => {
      const r = rig();
      r.writer.mode = "fail";
      r.hb.start();
      await r.timers.fire(3000);
      assert.ok(r.writer.writes.length >= 60);
      assert.deepEqual(r.lines.filter((l) => l.level !== "debug"), [], "nothing above debug while never reached");
      assert.equal(r.hb.status()[0]!.failures, 31);
      assert.equal(r.hb.status()[0]!.count, 31, "the count moves on with every attempt");
      r.writer.mode = "ok";
      await r.timers.fire(100);
      assert.deepEqual(r.lines.filter((l) => l.level !== "debug"), []);
      assert.ok(r.hb.status().every((s) => s.reached));
      await r.hb.stop();
    });

    it("once reached, failures warn at most once per interval per device, with the count not logged; recovery is logged once", async () => {
      const r = rig([HTR], 10_000);
      r.hb.start();
      await r.timers.fire(200);
      r.writer.mode = "fail";
      await r.timers.fire(25_000);
      const warns = r.lines.filter((l) => l.level === "warn");
      assert.equal(warns.length, 3, "at 0 s, 10 s and 20 s of the outage");
      assert.equal(warns[0]!.obj.suppressed, 0);
      assert.equal(warns[1]!.obj.suppressed, 99);
      assert.equal(warns[0]!.obj.device, "htr-plc");
      assert.match(warns[0]!.msg, /htr-plc.*SCADA lost.*1000 ms/);
      r.writer.mode = "ok";
      await r.timers.fire(300);
      const infos = r.lines.filter((l) => l.level === "info");
      assert.equal(infos.length, 1);
      assert.match(infos[0]!.msg, /gets through again/);
      r.writer.mode = "fail";
      await r.timers.fire(100);
      assert.equal(r.lines.filter((l) => l.level === "warn").length, 4, "a new outage warns at once");
      await r.hb.stop();
    });

    it("a writer that throws or rejects is an outcome, not a crash", async () => {
      const lines: Line[] = [];
      const clock = new ManualClock(0);
      const timers = new FakeTimers(clock);
      let calls = 0;
      const hb = new ScadaHeartbeatWriter({
        targets: [HTR],
        writer: {
          write: () => {
            calls += 1;
            if (calls === 1) return Promise.resolve({ ok: true, status: "Good", roundTripMs: 0 });
            if (calls % 2 === 0) throw new Error("boom");
            return Promise.reject(new Error("rejected"));
          },
        },
        logger: capturingLogger(lines),
        clock,
        timers,
      });
      hb.start();
      await timers.fire(500);
      assert.equal(hb.status()[0]!.failures, 5);
      assert.match(hb.status()[0]!.lastStatus ?? "", /writer failed: (boom|rejected)/);
      await hb.stop();
    });

    it("stop clears the timers and waits for the write in flight; nothing is written after", async () => {
      const r = rig([HTR]);
      r.writer.mode = "hold";
      r.hb.start();
      let stopped = false;
      const stopping = r.hb.stop().then(() => (stopped = true));
      await settle();
      assert.equal(stopped, false, "waits for the write in flight");
      assert.equal(r.timers.intervals.size, 0);
      r.writer.release();
      await stopping;
      await r.timers.fire(500);
      assert.deepEqual(r.writer.valuesOf(HTR.tag), [1]);
    });

    it("refuses a period that is not positive", () => {
      assert.throws(() => rig([{ ...HTR, periodMs: 0 }]), RangeError);
    });
  });
});
