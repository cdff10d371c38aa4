import assert from "node:assert/strict";
import { type AnyActorRef, type AnyStateMachine, createActor, setup, spawnChild } from "xstate";
import type { TagBatchWriter, TagWrite, WriteOutcome } from "../../../src/core/tag-io.js";
import type { SequencerContext } from "../../../src/control/sequencer-context.js";
import { safeStateProblems } from "../../../src/control/sequencer-rules.js";
import { sequencerStatus } from "../../../src/control/sequencer-status.js";
import { createSequencerMachine } from "../../../src/control/sequencer.machine.js";
import type { SequenceParams } from "../../../src/recipes/sequence-params.js";
import type { SequencerCommand, SequencerReport } from "../../../src/control/sequencer-protocol.js";
import type { TagScalar } from "../../../src/core/tag-value.js";

// ─── Harness: a recording fake TagBatchWriter (writes resolve at once and are echoed into the view, as the
// PLC memory would show them), a hand-made process view the test moves, fake time in TICK.now, and a
// tiny parent machine standing in for the line that records the sequencer's reports. ─────────────────

type View = Record<string, TagScalar | undefined>;

class RecordingIO implements TagBatchWriter {
  readonly batches: TagWrite[][] = [];
  constructor(private readonly view: View) {}
  writeTags(writes: readonly TagWrite[]): Promise<WriteOutcome> {
    this.batches.push([...writes]);
    for (const w of writes) this.view[w.tag] = w.value;
    return Promise.resolve({ ok: true, failures: [] });
  }
  get log(): string[] {
    return this.batches.flat().map((w) => `${w.tag}=${String(w.value)}`);
  }
  clear(): void {
    this.batches.length = 0;
  }
  /** Index of the first write "tag=value" (−1 when never written). */
  first(write: string): number {
    return this.log.indexOf(write);
  }
  wrote(prefix: string): boolean {
    return this.log.some((w) => w.startsWith(prefix));
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const PARAMS: SequenceParams = {
  recipe: "BiSb",
  mode: "continuous",
  targetLengthM: 50,
  o2PermissivePpm: 50,
  safeWebTempK: 373,
  conductivityEndpoint: 200,
  minQuenchGasFlow: 100,
  minCoolantFlow: 5,
  minRinseFlow: 10,
  webSpeed: 2.5,
  timeouts: { flowMs: 30_000, purgeMs: 120_000, webMs: 30_000, heatMs: 10_000, coolMs: 20_000, flushMs: 600_000 },
};
const PULSE: SequenceParams = { ...PARAMS, mode: "pulse" };

/** The plant at rest: air in the chamber, nothing flowing, web standing and cold. */
const COLD: View = {
  "rinse.water_flow": 0,
  "rinse.conductivity": 900,
  "rinse.roll_length": 100,
  "quench.gas_flow": 0,
  "quench.coolant_flow": 0,
  "htr.o2": 209_000,
  "htr.door_closed": true,
  "htr.trip_word": 0,
  "htr.first_out": 0,
  "htr.profile_phase": 0,
  "htr.pulse_count": 0,
  "htr.web_temp": 298,
  "htr.heater_enable": false,
  "htr.heater_on": false,
  "feed.drives_running": false,
  "feed.indexing": false,
  "feed.web_speed": 0,
  "feed.encoder_pos": 0,
  "feed.hopper_level": 80,
};

const actorErrors: unknown[] = [];
afterEach(() => {
  assert.deepEqual(actorErrors.splice(0), []);
});

function harness(view: View = { ...COLD }) {
  let io = new RecordingIO(view);
  const reports: SequencerReport[] = [];
  const lineOf = (sequencer: AnyStateMachine) =>
    setup({ actors: { sequencer } }).createMachine({
      entry: spawnChild("sequencer", { id: "sequencer" }),
      on: {
        "*": {
          actions: ({ event }) => {
            if (event.type.startsWith("SEQ.")) reports.push(event as unknown as SequencerReport);
          },
        },
      },
    });
  let line = createActor(lineOf(createSequencerMachine(io)));
  line.subscribe({ error: (e) => actorErrors.push(e) });
  line.start();
  const sequencer = (): AnyActorRef => line.getSnapshot().children.sequencer as AnyActorRef;
  let now = 0;
  const h = {
    view,
    reports,
    get io(): RecordingIO {
      return io;
    },
    get now(): number {
      return now;
    },
    get context(): SequencerContext {
      return sequencer().getSnapshot().context as SequencerContext;
    },
    get step(): string {
      return sequencerStatus(sequencer().getSnapshot()).step;
    },
    station(id: string): AnyActorRef | undefined {
      return line.system.get(`station.${id}`) as AnyActorRef | undefined;
    },
    last(): SequencerReport | undefined {
      return reports.at(-1);
    },
    async send(cmd: SequencerCommand): Promise<void> {
      sequencer().send(cmd);
      await flush();
    },
    /** One TICK at `at` (default: 100 ms after the last one). */
    async tick(at = now + 100): Promise<void> {
      now = at;
      sequencer().send({ type: "TICK", now, view: { ...view } });
      await flush();
    },
    /** Persist the line (with the sequencer and its stations), restore it over a fresh IO. */
    restore(): void {
      const persisted = JSON.parse(JSON.stringify(line.getPersistedSnapshot())) as never;
      line.stop();
      io = new RecordingIO(view);
      line = createActor(lineOf(createSequencerMachine(io)), { snapshot: persisted });
      line.subscribe({ error: (e) => actorErrors.push(e) });
      line.start();
    },
  };
  return h;
}

type Harness = ReturnType<typeof harness>;

/** Runs a START to its SEQ.DONE with a plant that follows: every station answers on the next TICK. */
async function startRun(params: SequenceParams = PARAMS, view: View = { ...COLD }): Promise<Harness> {
  const h = harness(view);
  await h.send({ type: "SEQ.START", params });
  await h.tick();
  h.view["rinse.water_flow"] = 20;
  await h.tick();
  h.view["quench.gas_flow"] = 150;
  h.view["quench.coolant_flow"] = 8;
  await h.tick();
  h.view["htr.o2"] = 20;
  await h.tick();
  if (params.mode === "continuous") {
    h.view["feed.drives_running"] = true;
    h.view["feed.web_speed"] = params.webSpeed;
  }
  await h.tick();
  h.view["htr.profile_phase"] = params.mode === "continuous" ? 4 : 0;
  h.view["htr.web_temp"] = params.mode === "continuous" ? 1340 : 298;
  await h.tick();
  assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.START" });
  return h;
}

// ─── START ─────────────────────────────────────────────────────────────────────────────────────────────

describe("sequencer: START", () => {
  it("runs rinse → quench → purge → web → heater, each step waiting for the one before", async () => {
    const h = harness();
    await h.send({ type: "SEQ.START", params: PARAMS });
    assert.deepEqual(h.io.log, ["rinse.water_flow_sp=20", "rinse.pump_on=true", "rinse.dryer_on=true"]);
    assert.equal(h.step, "starting: rinse water");

    // No quench before the rinse water flows.
    await h.tick(1000);
    await h.tick(2000);
    assert.ok(!h.io.wrote("quench."), "quench waits for the rinse water");
    h.view["rinse.water_flow"] = 20;
    await h.tick(3000);
    assert.deepEqual(h.io.log.slice(-3), ["quench.gas_flow_sp=150", "quench.gas_on=true", "quench.coolant_on=true"]);

    // No purge before the quench flows (both of them).
    h.view["quench.gas_flow"] = 150;
    await h.tick(4000);
    assert.ok(!h.io.wrote("htr."), "no purge before the coolant flows");
    h.view["quench.coolant_flow"] = 8;
    await h.tick(5000);
    assert.deepEqual(h.io.log.slice(-1), ["htr.ar_flow_sp=30"]);
    assert.equal(h.step, "starting: argon purge (O₂ < 50 ppm)");

    // Purging: neither the web nor the heater before O₂ < permissive.
    for (const o2 of [209_000, 5000, 60, 50]) {
      h.view["htr.o2"] = o2;
      await h.tick();
    }
    assert.ok(!h.io.wrote("feed."), "the web waits for the O₂ permissive");
    assert.ok(!h.io.wrote("htr.heater_enable"), "no heater enable before O₂ < permissive");
    h.view["htr.o2"] = 30;
    await h.tick();
    assert.deepEqual(h.io.log.slice(-2), ["feed.web_speed_sp=2.5", "feed.drives_run=true"]);

    // The heater waits for the web at speed (within 10 %).
    h.view["feed.drives_running"] = true;
    h.view["feed.web_speed"] = 1.0;
    await h.tick();
    assert.ok(!h.io.wrote("htr.heater_enable"), "no heater before the web runs at speed");
    h.view["feed.web_speed"] = 2.45;
    await h.tick();
    assert.deepEqual(h.io.log.slice(-2), ["feed.doser_on=true", "htr.heater_enable=true"]);

    // Continuous: START is done once the PLC holds the web at temperature.
    h.view["htr.profile_phase"] = 1;
    await h.tick();
    assert.equal(h.reports.length, 0);
    h.view["htr.profile_phase"] = 4;
    await h.tick();
    assert.deepEqual(h.reports, [{ type: "SEQ.DONE", command: "SEQ.START" }]);
    assert.equal(h.step, "execute: at temperature");

    const order = ["rinse.pump_on=true", "quench.gas_on=true", "quench.coolant_on=true", "htr.ar_flow_sp=30", "feed.drives_run=true", "feed.doser_on=true", "htr.heater_enable=true"].map(
      (w) => h.io.first(w),
    );
    assert.deepEqual([...order].sort((a, b) => a - b), order, `write order ${order.join(", ")}`);
    assert.ok(order.every((i) => i >= 0));
  });

  it("pulse mode: the drives stay off (ready to index) and START is done when the heater is enabled", async () => {
    const h = await startRun(PULSE);
    assert.ok(h.io.log.includes("feed.drives_run=false"));
    assert.ok(!h.io.log.includes("feed.drives_run=true"));
    assert.ok(h.io.first("feed.doser_on=true") < h.io.first("htr.heater_enable=true"));
  });

  it("purge timeout → SEQ.FAILED with the reason", async () => {
    const h = harness();
    await h.send({ type: "SEQ.START", params: PARAMS });
    h.view["rinse.water_flow"] = 20;
    h.view["quench.gas_flow"] = 150;
    h.view["quench.coolant_flow"] = 8;
    h.view["htr.o2"] = 812;
    await h.tick(1000); // rinse flowing → quench
    await h.tick(2000); // quench flowing → purge
    await h.tick(3000); // the purge's first TICK arms its deadline: 123 000
    await h.tick(122_900);
    assert.equal(h.reports.length, 0);
    await h.tick(123_000);
    assert.deepEqual(h.last(), {
      type: "SEQ.FAILED",
      command: "SEQ.START",
      reason: "purge timed out: O₂ 812 ppm after 120 s (needs < 50 ppm)",
    });
    assert.ok(!h.io.wrote("feed."));
    assert.ok(!h.io.log.includes("htr.heater_enable=true"));
    assert.equal(h.step, "failed: purge timed out: O₂ 812 ppm after 120 s (needs < 50 ppm)");
  });

  it("quench flow timeout → SEQ.FAILED, and the purge never starts", async () => {
    const h = harness();
    await h.send({ type: "SEQ.START", params: PARAMS });
    h.view["rinse.water_flow"] = 20;
    h.view["quench.gas_flow"] = 150;
    await h.tick(0);
    await h.tick(100);
    await h.tick(30_100);
    assert.deepEqual(h.last(), {
      type: "SEQ.FAILED",
      command: "SEQ.START",
      reason: "quench flows timed out: gas flow 150 L/min, coolant flow 0 L/min after 30 s (needs gas ≥ 100 L/min, coolant ≥ 5 L/min)",
    });
    assert.ok(!h.io.wrote("htr."));
  });

  it("a latched PLC trip found while purging → SEQ.FAILED naming the trip", async () => {
    const h = harness({ ...COLD, "htr.trip_word": 2, "htr.first_out": 2 });
    await h.send({ type: "SEQ.START", params: PARAMS });
    h.view["rinse.water_flow"] = 20;
    h.view["quench.gas_flow"] = 150;
    h.view["quench.coolant_flow"] = 8;
    await h.tick();
    await h.tick();
    await h.tick();
    assert.deepEqual(h.last(), {
      type: "SEQ.FAILED",
      command: "SEQ.START",
      reason: "htr tripped: PLC trip: trip word 0x2 (door), first-out 2 (door)",
    });
  });
});

// ─── Execute ───────────────────────────────────────────────────────────────────────────────────────────

/** Completes one pulse-mode cycle: the index the sequencer asked for, then the pulse. */
async function runCycle(h: Harness): Promise<void> {
  h.view["feed.indexing"] = true;
  await h.tick();
  h.view["feed.indexing"] = false;
  h.view["feed.encoder_pos"] = Number(h.view["feed.encoder_pos"]) + 0.3;
  await h.tick();
  for (const phase of [1, 2, 3]) {
    h.view["htr.profile_phase"] = phase;
    await h.tick();
  }
  h.view["htr.profile_phase"] = 0;
  h.view["htr.pulse_count"] = Number(h.view["htr.pulse_count"]) + 1;
  await h.tick();
}

describe("sequencer: Execute", () => {
  it("pulse mode loops: index the web, then a pulse, and again", async () => {
    const h = await startRun(PULSE);
    assert.deepEqual(h.io.log.slice(-2), ["htr.heater_enable=true", "feed.index_cmd=true"], "Execute starts with an index");
    assert.equal(h.step, "execute: index 1");
    h.io.clear();
    await h.tick();
    assert.deepEqual(h.io.log, [], "no pulse while the index has not run");
    await runCycle(h);
    await runCycle(h);
    assert.deepEqual(h.io.log, [
      "htr.pulse_start=true",
      "feed.index_cmd=true",
      "htr.pulse_start=true",
      "feed.index_cmd=true",
    ]);
    assert.equal(h.context.pulses, 2);
    assert.equal(h.step, "execute: index 3");
  });

  it("no pulse_start until the index is done (indexing true, then false)", async () => {
    const h = await startRun(PULSE);
    h.io.clear();
    h.view["feed.indexing"] = true;
    await h.tick();
    await h.tick();
    assert.ok(!h.io.wrote("htr.pulse_start"));
    h.view["feed.indexing"] = false;
    await h.tick();
    assert.deepEqual(h.io.log.slice(-1), ["htr.pulse_start=true"]);
    assert.equal(h.step, "execute: pulse 1");
  });

  it("an index that never comes → SEQ.FAILED (the line aborts)", async () => {
    const h = await startRun(PULSE);
    await h.tick(h.now + 100);
    await h.tick(h.now + 30_000);
    const last = h.last();
    assert.equal(last?.type, "SEQ.FAILED");
    assert.match(last?.type === "SEQ.FAILED" ? last.reason : "", /^index start timed out/);
  });

  it("roll length (from the start of the run) reaching the target → SEQ.TARGET_REACHED once", async () => {
    const h = await startRun(); // roll at 100 m when the run started
    h.view["rinse.roll_length"] = 149.9;
    await h.tick();
    assert.equal(h.reports.filter((r) => r.type === "SEQ.TARGET_REACHED").length, 0);
    h.view["rinse.roll_length"] = 150.25;
    await h.tick();
    await h.tick();
    const reached = h.reports.filter((r) => r.type === "SEQ.TARGET_REACHED");
    assert.equal(reached.length, 1);
    assert.ok(reached[0]?.type === "SEQ.TARGET_REACHED" && Math.abs(reached[0].lengthM - 50.25) < 1e-9);
    assert.ok(Math.abs(sequencerStatus({ value: {}, context: h.context }).processedM - 50.25) < 1e-9);
  });

  it("hopper low → SEQ.STARVED once; refilled → SEQ.FED", async () => {
    const h = await startRun();
    h.view["feed.hopper_level"] = 3;
    await h.tick();
    await h.tick();
    assert.deepEqual(
      h.reports.filter((r) => r.type === "SEQ.STARVED"),
      [{ type: "SEQ.STARVED", reason: "hopper low: level 3 % (< 5 %)" }],
    );
    // The line suspends: heater off, feed stopped, waiting for a refill.
    await h.send({ type: "SEQ.SUSPEND" });
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.SUSPEND" });
    assert.equal(h.step, "suspended");
    h.view["feed.hopper_level"] = 60;
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.FED" });
    await h.tick();
    assert.equal(h.reports.filter((r) => r.type === "SEQ.FED").length, 1);
  });

  it("an htr trip in Execute pauses the loop without SEQ.FAILED (the interlocks own the line's reaction)", async () => {
    const h = await startRun(PULSE);
    h.view["htr.trip_word"] = 8;
    h.view["htr.first_out"] = 4;
    await h.tick();
    assert.equal(h.reports.filter((r) => r.type === "SEQ.FAILED").length, 0);
    assert.equal(h.step, "execute: paused (htr tripped: PLC trip: trip word 0x8 (O₂), first-out 4 (O₂))");
    assert.ok(h.io.log.includes("htr.heater_enable=false"));
  });
});

// ─── STOP / COMPLETE ───────────────────────────────────────────────────────────────────────────────────

describe("sequencer: STOP", () => {
  it("runs the reverse: doser off → heater off → web cool → quench off → rinse flushed → drives stop", async () => {
    const h = await startRun();
    h.io.clear();
    await h.send({ type: "SEQ.STOP" });
    assert.deepEqual(h.io.log, ["feed.doser_on=false", "htr.heater_enable=false", "htr.pulse_start=false"]);
    assert.equal(h.step, "stopping: heater off, web cooling below 373 K");

    // The web is hot: the quench stays on.
    for (const t of [1300, 900, 400, 373]) {
      h.view["htr.web_temp"] = t;
      await h.tick();
    }
    assert.ok(!h.io.wrote("quench."), "no quench off while the web is hot");
    h.view["htr.web_temp"] = 340;
    await h.tick();
    assert.deepEqual(h.io.log.slice(-2), ["quench.gas_on=false", "quench.coolant_on=false"]);

    // The rinse flushes: the water stays on while the effluent is above the endpoint.
    assert.equal(h.step, "stopping: rinse flush (conductivity < 200 µS/cm)");
    await h.tick();
    await h.tick(h.now + 60_000);
    assert.ok(!h.io.wrote("rinse."), "the water runs until the conductivity is below the endpoint");
    assert.ok(!h.io.log.includes("feed.drives_run=false"), "the web keeps moving while the rinse flushes");
    h.view["rinse.conductivity"] = 150;
    await h.tick();
    assert.deepEqual(h.io.log.slice(-5), [
      "rinse.pump_on=false",
      "rinse.dryer_on=false",
      "feed.doser_on=false",
      "feed.drives_run=false",
      "feed.index_cmd=false",
    ]);

    // Drives stop last; DONE when the web stands.
    assert.equal(h.reports.at(-1)?.type, "SEQ.DONE"); // the START's
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.STOP" });
    assert.equal(h.step, "stopped");
    for (const id of ["feed", "htr", "quench", "rinse"] as const) assert.equal(h.context.stations[id].state, "off", id);
  });

  it("a web that does not cool → SEQ.FAILED with the reason, the quench left on", async () => {
    const h = await startRun();
    h.io.clear();
    await h.send({ type: "SEQ.STOP" });
    h.view["htr.web_temp"] = 612;
    await h.tick(h.now + 100);
    await h.tick(h.now + 20_000);
    assert.deepEqual(h.last(), { type: "SEQ.FAILED", command: "SEQ.STOP", reason: "cool-down timed out: web 612 K after 20 s (needs < 373 K)" });
    assert.ok(!h.io.wrote("quench."));
  });

  it("COMPLETE runs the same order and reports SEQ.DONE for SEQ.COMPLETE", async () => {
    const h = await startRun();
    await h.send({ type: "SEQ.COMPLETE" });
    assert.equal(h.step, "completing: heater off, web cooling below 373 K");
    h.view["htr.web_temp"] = 300;
    h.view["rinse.conductivity"] = 10;
    await h.tick();
    await h.tick();
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.COMPLETE" });
    assert.equal(h.step, "complete");
  });
});

// ─── HOLD / UNHOLD ─────────────────────────────────────────────────────────────────────────────────────

describe("sequencer: HOLD and UNHOLD", () => {
  it("HOLD: heater off, doser off, web stopped; quench and rinse keep running", async () => {
    const h = await startRun();
    h.io.clear();
    await h.send({ type: "SEQ.HOLD" });
    assert.deepEqual(h.io.log, [
      "htr.heater_enable=false",
      "htr.pulse_start=false",
      "feed.doser_on=false",
      "feed.drives_run=false",
      "feed.index_cmd=false",
    ]);
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.HOLD" });
    assert.ok(!h.io.wrote("quench.") && !h.io.wrote("rinse."));
    assert.equal(h.step, "held");
  });

  it("UNHOLD: purge check, web back at speed, then heat → SEQ.DONE", async () => {
    const h = await startRun();
    await h.send({ type: "SEQ.HOLD" });
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    h.view["htr.profile_phase"] = 0;
    h.view["htr.web_temp"] = 300;
    await h.tick();
    await h.tick(); // htr: cool → purging → ready
    assert.equal(h.context.stations.htr.state, "ready");
    h.io.clear();
    await h.send({ type: "SEQ.UNHOLD" });
    assert.deepEqual(h.io.log, ["feed.web_speed_sp=2.5", "feed.drives_run=true"], "rinse and quench already run; the purge holds");
    h.view["feed.drives_running"] = true;
    h.view["feed.web_speed"] = 2.5;
    await h.tick();
    assert.deepEqual(h.io.log.slice(-2), ["feed.doser_on=true", "htr.heater_enable=true"]);
    h.view["htr.profile_phase"] = 4;
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.UNHOLD" });
  });

  it("UNHOLD with O₂ up again purges before the heater is enabled", async () => {
    const h = await startRun();
    await h.send({ type: "SEQ.HOLD" });
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    h.view["htr.web_temp"] = 300;
    h.view["htr.o2"] = 400;
    await h.tick();
    await h.tick();
    assert.equal(h.context.stations.htr.state, "purging");
    h.io.clear();
    await h.send({ type: "SEQ.UNHOLD" });
    await h.tick();
    assert.deepEqual(h.io.log, [], "the web waits for the permissive");
    h.view["htr.o2"] = 10;
    await h.tick();
    assert.deepEqual(h.io.log, ["feed.web_speed_sp=2.5", "feed.drives_run=true"]);
  });
});

// ─── ABORT / CLEAR / RESET ─────────────────────────────────────────────────────────────────────────────

describe("sequencer: ABORT, CLEAR and RESET", () => {
  it("ABORT writes heater off first, then doser, drives and rinse off, and reports DONE without waiting for cooling", async () => {
    const h = await startRun();
    h.io.clear();
    await h.send({ type: "SEQ.ABORT" });
    assert.equal(h.io.log[0], "htr.heater_enable=false", "heater off first");
    assert.deepEqual(h.io.log, [
      "htr.heater_enable=false",
      "htr.pulse_start=false",
      "feed.doser_on=false",
      "feed.drives_run=false",
      "feed.index_cmd=false",
      "rinse.pump_on=false",
      "rinse.dryer_on=false",
    ]);
    assert.ok(!h.io.wrote("quench."), "the quench keeps cooling");
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.ABORT" }, "no TICK needed: done once written");
    assert.equal(h.step, "aborted");
  });

  it("ABORT during the START purge stops waiting at once", async () => {
    const h = harness();
    await h.send({ type: "SEQ.START", params: PARAMS });
    h.view["rinse.water_flow"] = 20;
    h.view["quench.gas_flow"] = 150;
    h.view["quench.coolant_flow"] = 8;
    await h.tick();
    await h.tick();
    await h.send({ type: "SEQ.ABORT" });
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.ABORT" });
    await h.tick(h.now + 500_000);
    assert.equal(h.reports.filter((r) => r.type === "SEQ.FAILED").length, 0, "the purge deadline died with the purge");
  });

  it("CLEAR after ABORT: waits for the web to cool, stops the quench, checks the safe state → DONE", async () => {
    const h = await startRun();
    await h.send({ type: "SEQ.ABORT" });
    h.view["htr.heater_on"] = false;
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    h.io.clear();
    await h.send({ type: "SEQ.CLEAR" });
    await h.tick();
    assert.ok(!h.io.wrote("quench."), "the quench stays on while the web is hot");
    h.view["htr.web_temp"] = 320;
    await h.tick();
    assert.ok(h.io.log.includes("quench.gas_on=false"));
    await h.tick(); // feed: web standing
    assert.equal(h.step, "clearing: checking the safe state");
    await h.tick();
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.CLEAR" });
    for (const id of ["feed", "htr", "quench", "rinse"] as const) assert.equal(h.context.stations[id].state, "off", id);
  });

  it("CLEAR with fresh stations (after a restart) still writes every output off", async () => {
    const h = harness({ ...COLD, "quench.gas_flow": 150, "rinse.water_flow": 20 });
    await h.send({ type: "SEQ.CLEAR" });
    for (let i = 0; i < 4; i++) await h.tick();
    for (const w of ["htr.heater_enable=false", "quench.gas_on=false", "quench.coolant_on=false", "rinse.pump_on=false", "feed.drives_run=false"]) {
      assert.ok(h.io.log.includes(w), w);
    }
    assert.ok(h.io.first("htr.heater_enable=false") < h.io.first("quench.gas_on=false"));
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.CLEAR" });
  });

  it("RESET: stations off and heater and drives off in the PLC → DONE; else FAILED after 5 s with what is not safe", async () => {
    const h = harness();
    await h.send({ type: "SEQ.RESET" });
    await h.tick(1000);
    assert.deepEqual(h.last(), { type: "SEQ.DONE", command: "SEQ.RESET" });

    const b = harness({ ...COLD, "htr.heater_on": true });
    await b.send({ type: "SEQ.RESET" });
    await b.tick(1000);
    await b.tick(5900);
    assert.equal(b.reports.length, 0);
    await b.tick(6000);
    assert.deepEqual(b.last(), { type: "SEQ.FAILED", command: "SEQ.RESET", reason: "reset: not safe after 5 s: htr.heater_on is true" });
  });

  it("safeStateProblems lists stations not off and PLC outputs not confirmed off (not Good counts as not safe)", () => {
    const stations = {
      feed: { state: "off", detail: "" },
      htr: { state: "cooling-down", detail: "heater off" },
      quench: { state: "off", detail: "" },
      rinse: { state: "off", detail: "" },
    } as const;
    assert.deepEqual(safeStateProblems(stations, { "htr.heater_enable": false, "htr.heater_on": false }), [
      "htr is cooling-down (heater off)",
      "feed.drives_running is not Good",
    ]);
  });
});

// ─── Persistence ───────────────────────────────────────────────────────────────────────────────────────

describe("sequencer: snapshot persistence", () => {
  it("restores its station children and their deadlines: the purge timeout still fires on the next TICK past it", async () => {
    const h = harness();
    await h.send({ type: "SEQ.START", params: PARAMS });
    h.view["rinse.water_flow"] = 20;
    h.view["quench.gas_flow"] = 150;
    h.view["quench.coolant_flow"] = 8;
    h.view["htr.o2"] = 812;
    await h.tick(1000);
    await h.tick(2000);
    await h.tick(3000); // purge deadline: 123 000
    h.restore();
    assert.deepEqual(h.station("htr")?.getSnapshot().value, { purging: "waiting" });
    assert.deepEqual(h.station("rinse")?.getSnapshot().value, "running");
    assert.equal(h.step, "starting: argon purge (O₂ < 50 ppm)");
    assert.equal(h.context.stations.quench.state, "running");
    await h.tick(122_900);
    assert.equal(h.reports.length, 0);
    await h.tick(123_000);
    assert.deepEqual(h.last(), {
      type: "SEQ.FAILED",
      command: "SEQ.START",
      reason: "purge timed out: O₂ 812 ppm after 120 s (needs < 50 ppm)",
    });
  });

  it("a restored sequencer carries on its order with the restored stations", async () => {
    const h = harness();
    await h.send({ type: "SEQ.START", params: PARAMS });
    h.view["rinse.water_flow"] = 20;
    h.view["quench.gas_flow"] = 150;
    h.view["quench.coolant_flow"] = 8;
    await h.tick();
    await h.tick();
    h.restore();
    h.view["htr.o2"] = 20;
    await h.tick();
    assert.deepEqual(h.io.log, ["feed.web_speed_sp=2.5", "feed.drives_run=true"], "writes go through the new IO");
  });
});
