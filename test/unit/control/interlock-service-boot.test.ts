import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../../src/config/config-loader.js";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { formatProblem } from "../../../src/core/problem.js";
import type { TagWrite } from "../../../src/core/tag-io.js";
import { bad, GOOD, type TagScalar, type TagValue, uncertain } from "../../../src/core/tag-value.js";
import { InterlockService, type InterlockLineEvent } from "../../../src/control/interlock-service.js";
import { FIRST_DATA_SETTLE_MS, FirstDataWatch } from "../../../src/tags/first-data-watch.js";
import { HeartbeatMonitor } from "../../../src/tags/heartbeat-monitor.js";
import type { TagChange } from "../../../src/tags/tag-table.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const loaded = loadConfig(join(root, "plc-config"));
if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
const config = loaded.config;

/** The plant at rest and healthy: what the PLCs answer once they have been read. */
const AT_REST: Record<string, TagScalar> = {
  "htr.estop_ok": true, "htr.web_temp": 298, "htr.o2": 20_000, "htr.heater_enable": false, "htr.heater_on": false,
  "htr.door_closed": true, "htr.supply_current": 0, "htr.trip_word": 0, "htr-plc.heartbeat": 1,
  "quench.gas_flow": 0, "quench.coolant_flow": 0, "feed.web_tension": 0, "rinse.rewind_tension": 0,
  "rinse.tank_level": 55, "line-plc.heartbeat": 1,
  // The PLCs' SCADA watchdogs have not seen this SCADA's heartbeat yet; nothing heats or runs, so nothing trips.
  "htr-plc.scada_heartbeat_ok": false, "line-plc.scada_heartbeat_ok": false, "line-plc.trip_word": 0,
};

/** The real interlocks of plc-config over a hand-fed tag table that starts, as the real one, with no data. */
function boot() {
  const clock = new ManualClock(1_000_000);
  const values = new Map<string, TagValue>(config.tags.map((t) => [t.name, { value: null, quality: bad("no data yet"), sourceTs: 0, serverTs: 0 }]));
  const writes: TagWrite[] = [];
  const sent: InterlockLineEvent[] = [];
  const firstData = new FirstDataWatch(config.devices.map((d) => ({ id: d.id, heartbeatTag: d.heartbeatTag, tags: config.tags.filter((t) => t.device === d.id).map((t) => t.name) })), clock.now());
  const heartbeats = new HeartbeatMonitor(config.devices.map((d) => ({ id: d.id, heartbeatTag: d.heartbeatTag, periodMs: d.heartbeatPeriodMs })));
  const svc = new InterlockService({
    defs: config.interlocks,
    tags: { get: (n) => { const value = values.get(n); return value ? { value } : undefined; } },
    writer: { write: (tag, value) => (writes.push({ tag, value }), Promise.resolve({ ok: true, status: "Good", roundTripMs: 0, value })) },
    recipe: () => null,
    heartbeats,
    firstData,
    clock,
    logger: silentLogger(),
  });
  svc.attachLine({ lineInputs: () => ({ running: false, heating: false }), send: (e) => sent.push(e) });
  svc.start();
  const set = (name: string, value: TagScalar | null, quality = GOOD) => {
    const previous = values.get(name)!;
    const current: TagValue = { value, quality, sourceTs: clock.now(), serverTs: clock.now() };
    values.set(name, current);
    svc.onTagChange({ name, previous, current, config: config.tags.find((t) => t.name === name)! } as TagChange);
  };
  /** One device's read: every one of its tags arrives — AT_REST's value, else false / the bottom of its range / 0. */
  const deliver = (device: string) => {
    for (const t of config.tags) if (t.device === device) set(t.name, t.name in AT_REST ? AT_REST[t.name]! : t.type === "bool" ? false : (t.range?.min ?? 0));
  };
  /** Time passes with the PLCs' heartbeats counting (as the real ones do every 100 ms). */
  const advance = (ms: number, counting: readonly string[] = []) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      for (const d of counting) {
        const hb = config.devices.find((x) => x.id === d)!.heartbeatTag;
        set(hb, Number(values.get(hb)!.value ?? 0) + 1);
      }
      svc.tick();
    }
  };
  /** Every device delivers, and their settling time passes with the heartbeats counting. */
  const settle = (devices: readonly string[]) => {
    for (const d of devices) deliver(d);
    advance(FIRST_DATA_SETTLE_MS, devices);
  };
  return { svc, clock, writes, sent, set, deliver, advance, settle };
}

describe("interlock service: the quiet boot (waiting for first data)", () => {
  it("with no data yet nothing trips and nothing is written, however long it takes; start is not permitted, naming the devices", () => {
    const b = boot();
    b.advance(15_000);
    const st = b.svc.status();
    assert.deepEqual(st.tripped, [], "no trip latched for 'no data yet'");
    assert.equal(st.trips.length, 0);
    assert.deepEqual(b.writes, [], "no trip writes");
    // Every interlock that reads the PLCs waits; IL-11 (the recipe's read-back) reads none and is simply missing.
    assert.deepEqual(st.waiting, ["IL-01", "IL-02", "IL-03", "IL-04", "IL-05", "IL-06", "IL-07", "IL-08", "IL-09", "IL-10", "IL-12", "IL-13"]);
    assert.equal(st.interlocks.find((e) => e.id === "IL-11")?.state, "permissive-missing");
    assert.equal(st.interlocks.find((e) => e.id === "IL-08")?.waitingFor, "htr-plc, line-plc");
    assert.equal(st.interlocks.find((e) => e.id === "IL-06")?.waitingFor, "line-plc");
    assert.deepEqual(b.svc.waitingFor(), ["htr-plc", "line-plc"]);
    const p = b.svc.permits("line");
    assert.equal(p.ok, false);
    const last = b.sent.filter((e) => e.type === "PERMISSIVES").at(-1);
    assert.ok(last?.type === "PERMISSIVES" && last.missing[0] === "waiting for first data from htr-plc, line-plc", JSON.stringify(last));
  });

  it("one device delivered: it settles, then its own interlocks are judged; those that read the other still wait", () => {
    const b = boot();
    b.deliver("htr-plc");
    assert.equal(b.svc.status().interlocks.find((e) => e.id === "IL-07")?.state, "waiting", "its first data starts the settling");
    assert.deepEqual(b.svc.waitingFor(), ["htr-plc", "line-plc"]);
    b.advance(FIRST_DATA_SETTLE_MS, ["htr-plc"]);
    const st = b.svc.status();
    assert.equal(st.interlocks.find((e) => e.id === "IL-07")?.state, "healthy", "door closed: judged at once");
    assert.equal(st.interlocks.find((e) => e.id === "IL-06")?.state, "waiting");
    assert.equal(st.interlocks.find((e) => e.id === "IL-08")?.waitingFor, "line-plc");
    assert.deepEqual(b.svc.waitingFor(), ["line-plc"]);
  });

  it("both delivered on a healthy plant at rest: no trip, no write, the wait is over", () => {
    const b = boot();
    b.settle(["htr-plc", "line-plc"]);
    b.advance(2_000, ["htr-plc", "line-plc"]);
    const st = b.svc.status();
    assert.deepEqual(st.tripped, [], JSON.stringify(st.trips.map((t) => t.cause.text)));
    assert.deepEqual(st.waiting, []);
    assert.deepEqual(b.writes, []);
    assert.deepEqual(b.svc.waitingFor(), []);
  });

  it("after the first data every cause latches as before — a door seen open, a value going not Good", () => {
    const b = boot();
    b.settle(["htr-plc", "line-plc"]);
    b.set("htr.door_closed", false);
    b.advance(200, ["htr-plc", "line-plc"]);
    assert.ok(b.svc.status().tripped.includes("IL-07"), "the door trips");
    b.set("htr.estop_ok", null, bad("link lost"));
    b.advance(1_000, ["htr-plc", "line-plc"]);
    const st = b.svc.status();
    assert.ok(st.tripped.includes("IL-01"), "a value going not Good after the first data trips (fail safe)");
    assert.equal(st.firstOut?.interlock, "IL-07");
  });

  it("a device that answers Bad from its first reading trips its interlocks (a Bad value is data)", () => {
    const b = boot();
    b.settle(["htr-plc", "line-plc"]);
    b.set("htr.web_temp", 0, bad("pyrometer fault"));
    b.advance(1_000, ["htr-plc", "line-plc"]);
    assert.ok(b.svc.status().tripped.includes("IL-08") || b.svc.status().tripped.includes("IL-02"), JSON.stringify(b.svc.status().tripped));
  });

  it("values late while a device settles (the connect burst) latch nothing; what is wrong when it has settled trips", () => {
    const b = boot();
    b.deliver("htr-plc");
    b.deliver("line-plc");
    b.advance(300, ["htr-plc", "line-plc"]);
    b.set("feed.web_tension", 50, uncertain("late: no update for 260 ms (expected every 50 ms)"));
    b.advance(600, ["htr-plc", "line-plc"]);
    b.set("feed.web_tension", 50);
    b.advance(FIRST_DATA_SETTLE_MS, ["htr-plc", "line-plc"]);
    assert.deepEqual(b.svc.status().tripped, [], "late during the settling: no trip");
    assert.deepEqual(b.svc.waitingFor(), []);
    b.set("feed.web_tension", 50, uncertain("late: no update for 260 ms (expected every 50 ms)"));
    b.advance(500, ["htr-plc", "line-plc"]);
    assert.ok(b.svc.status().tripped.includes("IL-08"), "late after the settling trips IL-08 (fail safe)");
  });
});
