import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import type { Logger } from "../../../src/core/logger.js";
import { HEALTH_SAMPLE_MS, HealthSampler, type LinkHealthSource, historianHealthPoint, linkHealthPoint } from "../../../src/historian/health-sampler.js";
import type { HistorianPoint } from "../../../src/historian/historian-point.js";
import { toLineProtocol } from "../../../src/historian/historian-point.js";
import type { HistorianServiceStatus } from "../../../src/historian/historian-service.js";

const status = (over: Partial<HistorianServiceStatus> = {}): HistorianServiceStatus => ({
  online: true,
  lastError: null,
  lastErrorAtMs: null,
  queuedPoints: 12,
  spoolBytes: 4096,
  spoolFraction: 0.25,
  spoolPoints: 40,
  spoolFull: false,
  droppedPoints: 3,
  rejectedPoints: 2,
  lastRejectReason: null,
  writtenPoints: 1000,
  replayedBatches: 5,
  spoolTornRecords: 0,
  mode: "managed",
  target: "http://127.0.0.1:8086/htr",
  schemaReady: true,
  ...over,
});

/** A hand-moved `every`: tick(ms) runs what is due, as setInterval would. */
class ManualEvery {
  private readonly jobs = new Set<{ fn: () => void; ms: number; next: number }>();
  private t = 0;
  readonly every = (fn: () => void, ms: number) => {
    const job = { fn, ms, next: this.t + ms };
    this.jobs.add(job);
    return () => void this.jobs.delete(job);
  };
  tick(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.jobs].filter((j) => j.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.t = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.t = end;
  }
  get scheduled(): number {
    return this.jobs.size;
  }
}

const link = (deviceId: string, state: "OK" | "WARN" | "DOWN", reason = ""): LinkHealthSource => ({
  deviceId,
  health: () => ({ state, connected: state !== "DOWN", reason }),
  stats: () => ({ reconnects: 1, requests: 200, requestErrors: 4, overruns: 0, updates: 5000 }),
});

describe("health sampler (measurement `health`)", () => {
  it("the historian's point: tags line, component, mode; booleans as 1 / 0 and every counter", () => {
    const p = historianHealthPoint(status({ online: false, spoolFull: true }), "htr-line-1", 1_000);
    assert.deepEqual(p, {
      measurement: "health",
      tags: { line: "htr-line-1", component: "historian", mode: "managed" },
      fields: {
        online: 0,
        queuedPoints: 12,
        spoolBytes: 4096,
        spoolFraction: 0.25,
        spoolPoints: 40,
        spoolFull: 1,
        droppedPoints: 3,
        rejectedPoints: 2,
        writtenPoints: 1000,
        replayedBatches: 5,
      },
      timeMs: 1_000,
    });
  });

  it("a link's point: state coded 0 OK / 1 WARN / 2 DOWN (max = worst), its counters, the reason only when not OK", () => {
    const ok = linkHealthPoint(link("htr-plc", "OK", "ignored"), "L", 5);
    assert.deepEqual(ok.tags, { line: "L", component: "link", device: "htr-plc" });
    assert.deepEqual(ok.fields, { state: 0, connected: 1, reconnects: 1, requests: 200, requestErrors: 4, overruns: 0, updates: 5000 });
    assert.equal(linkHealthPoint(link("x", "WARN", "slow"), "L", 5).fields.state, 1);
    const down = linkHealthPoint(link("line-plc", "DOWN", "ECONNREFUSED"), "L", 5);
    assert.equal(down.fields.state, 2);
    assert.equal(down.fields.connected, 0);
    assert.equal(down.fields.reason, "ECONNREFUSED");
  });

  it("encodes as line protocol the dashboards query (numbers as floats, the reason as a string)", () => {
    const lp = toLineProtocol([linkHealthPoint(link("line-plc", "DOWN", "link lost"), "htr-line-1", 2)], "ms");
    assert.equal(lp, 'health,component=link,device=line-plc,line=htr-line-1 state=2,connected=0,reconnects=1,requests=200,requestErrors=4,overruns=0,updates=5000,reason="link lost" 2');
  });

  it("samples the historian and every link every period between start() and stop(), at the clock's time", () => {
    const timers = new ManualEvery();
    const clock = new ManualClock(50_000);
    const written: HistorianPoint[] = [];
    let links = [link("htr-plc", "OK")];
    const sampler = new HealthSampler({ line: "L", historian: () => status(), links: () => links, write: (p) => written.push(p), clock, every: timers.every });
    sampler.start();
    sampler.start();
    assert.equal(timers.scheduled, 1, "a second start() arms no second timer");
    timers.tick(HEALTH_SAMPLE_MS - 1);
    assert.equal(written.length, 0, "nothing before the first period");
    timers.tick(1);
    assert.deepEqual(written.map((p) => `${p.tags.component}:${p.tags.device ?? ""}@${p.timeMs}`), ["historian:@50000", "link:htr-plc@50000"]);
    links = [link("htr-plc", "OK"), link("line-plc", "DOWN", "gone")];
    clock.advance(HEALTH_SAMPLE_MS);
    timers.tick(HEALTH_SAMPLE_MS);
    assert.equal(written.length, 5, "the links are read at each sample");
    assert.equal(written[4]!.fields.reason, "gone");
    sampler.stop();
    assert.equal(timers.scheduled, 0);
    timers.tick(5 * HEALTH_SAMPLE_MS);
    assert.equal(written.length, 5, "nothing after stop()");
  });

  it("a status read that throws is logged, not thrown out of the timer", () => {
    const timers = new ManualEvery();
    const warned: string[] = [];
    const logger = { warn: (_o: object, msg: string) => warned.push(msg) } as unknown as Logger;
    const sampler = new HealthSampler({
      line: "L",
      historian: () => {
        throw new Error("boom");
      },
      links: () => [],
      write: () => undefined,
      clock: new ManualClock(0),
      logger,
      every: timers.every,
    });
    sampler.start();
    assert.doesNotThrow(() => timers.tick(HEALTH_SAMPLE_MS));
    assert.deepEqual(warned, ["health sample failed"]);
    sampler.stop();
  });
});
