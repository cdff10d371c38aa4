import assert from "node:assert/strict";
import { type AnyActorRef, type AnyStateMachine, createActor, initialTransition, setup, spawnChild, transition } from "xstate";
import type { TagBatchWriter, TagWrite, WriteOutcome } from "../../../src/core/tag-io.js";
import type { SequenceParams } from "../../../src/recipes/sequence-params.js";
import { createFeedMachine } from "../../../src/control/stations/feed.machine.js";
import { createHtrMachine } from "../../../src/control/stations/htr.machine.js";
import { PULSE_COUNT_GRACE_MS } from "../../../src/control/stations/htr-rules.js";
import { createQuenchMachine } from "../../../src/control/stations/quench.machine.js";
import { createRinseMachine } from "../../../src/control/stations/rinse.machine.js";
import {
  DEFAULT_STATION_SETPOINTS,
  type StationCommand,
  type StationStart,
  type StationStatusReport,
} from "../../../src/control/stations/station-protocol.js";
import type { TagScalar } from "../../../src/core/tag-value.js";

// ─── Harness: a fake TagBatchWriter that records writes (and echoes them into the view, as the PLC memory
// would), a hand-made process view, and a tiny parent machine that receives the station's reports. ─────

type View = Record<string, TagScalar | undefined>;

class RecordingIO implements TagBatchWriter {
  readonly batches: TagWrite[][] = [];
  /** When set, writes of this tag answer with a failure. */
  failTag: string | undefined;
  /** When set, writes never resolve (a write in flight). */
  hang = false;
  constructor(private readonly view: View) {}
  writeTags(writes: readonly TagWrite[]): Promise<WriteOutcome> {
    this.batches.push([...writes]);
    if (this.hang) return new Promise(() => {});
    const failures = writes.filter((w) => w.tag === this.failTag).map((w) => `${w.tag}: BadTimeout`);
    if (failures.length === 0) for (const w of writes) this.view[w.tag] = w.value;
    return Promise.resolve({ ok: failures.length === 0, failures });
  }
  /** Every write as "tag=value", in order. */
  get log(): string[] {
    return this.batches.flat().map((w) => `${w.tag}=${String(w.value)}`);
  }
  clear(): void {
    this.batches.length = 0;
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
const PULSE_PARAMS: SequenceParams = { ...PARAMS, mode: "pulse" };

function start(params: SequenceParams = PARAMS): StationStart {
  return { type: "STATION.START", params, setpoints: DEFAULT_STATION_SETPOINTS };
}

/** Every harness's actor errors; checked after each test (a root actor must never error). */
const actorErrors: unknown[] = [];
afterEach(() => {
  const errors = actorErrors.splice(0);
  assert.deepEqual(errors, []);
});

function harness(create: (io: TagBatchWriter) => AnyStateMachine, view: View = {}) {
  const io = new RecordingIO(view);
  const reports: StationStatusReport[] = [];
  const errors = actorErrors;
  const parentOf = (machine: AnyStateMachine) =>
    setup({ actors: { station: machine } }).createMachine({
      entry: spawnChild("station", { id: "station" }),
      on: { "STATION.STATUS": { actions: ({ event }) => void reports.push(event as unknown as StationStatusReport) } },
    });
  let actor = createActor(parentOf(create(io)));
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  const station = (): AnyActorRef => actor.getSnapshot().children.station as AnyActorRef;
  const h = {
    io,
    view,
    reports,
    station,
    get value(): unknown {
      return station().getSnapshot().value;
    },
    get status(): string {
      return reports.at(-1)?.status ?? "";
    },
    get detail(): string {
      return reports.at(-1)?.detail ?? "";
    },
    async send(cmd: StationCommand): Promise<void> {
      station().send(cmd);
      await flush();
    },
    async tick(now: number): Promise<void> {
      station().send({ type: "TICK", now, view: { ...view } });
      await flush();
    },
    /** Persist the parent (and the station with it), then restore it over a new IO. */
    restore(newIo: RecordingIO): void {
      const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as never;
      actor.stop();
      actor = createActor(parentOf(create(newIo)), { snapshot: persisted });
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
    },
  };
  return h;
}


describe("station machines are pure until run", () => {
  it("transition() decides the next state and its actions without touching the I/O", () => {
    const io = new RecordingIO({});
    const machine = createHtrMachine(io);
    const [s0] = initialTransition(machine);
    assert.equal(s0.value, "off");
    const [s1, actions] = transition(machine, s0, start());
    assert.deepEqual(s1.value, { purging: "writing" });
    assert.ok(actions.some((a) => a.type === "xstate.spawnChild"), "the write is an actor to start, not a side effect");
    const [s2] = transition(machine, s0, { type: "STATION.HEAT" });
    assert.equal(s2.value, "fault");
    assert.equal(s2.context.reason, "STATION.HEAT refused: the heater is off (purge first)");
    assert.deepEqual(io.batches, [], "no write happened");
  });
});

// ─── rinse ─────────────────────────────────────────────────────────────────────────────────────────────

describe("rinse station", () => {
  it("starts: setpoint, pump and dryer on, then waits until the water flows", async () => {
    const h = harness(createRinseMachine, { "rinse.water_flow": 0, "rinse.conductivity": 5 });
    assert.equal(h.status, "off");
    await h.send(start());
    assert.deepEqual(h.io.log, ["rinse.water_flow_sp=20", "rinse.pump_on=true", "rinse.dryer_on=true"]);
    await h.tick(1000);
    assert.equal(h.status, "starting");
    h.view["rinse.water_flow"] = 9.9;
    await h.tick(2000);
    assert.equal(h.status, "starting");
    h.view["rinse.water_flow"] = 12;
    await h.tick(3000);
    assert.equal(h.status, "running");
  });

  it("times out waiting for water → fault with the reading and the need", async () => {
    const h = harness(createRinseMachine, { "rinse.water_flow": 2 });
    await h.send(start());
    await h.tick(1000); // arms the deadline at 31 000
    await h.tick(30_999);
    assert.equal(h.status, "starting");
    await h.tick(31_000);
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "rinse water flow timed out: water flow 2 L/min after 30 s (needs ≥ 10 L/min)");
  });

  it("a value that is not Good never counts as flowing", async () => {
    const h = harness(createRinseMachine, { "rinse.water_flow": undefined });
    await h.send(start());
    await h.tick(0);
    await h.tick(30_000);
    assert.equal(h.status, "fault");
    assert.match(h.detail, /water flow not Good/);
  });

  it("stops by flushing: water stays on until conductivity < endpoint, then pump and dryer off", async () => {
    const h = harness(createRinseMachine, { "rinse.water_flow": 20, "rinse.conductivity": 900 });
    await h.send(start());
    await h.tick(0);
    assert.equal(h.status, "running");
    h.io.clear();
    await h.send({ type: "STATION.STOP" });
    assert.equal(h.status, "flushing");
    await h.tick(1000);
    await h.tick(100_000);
    assert.deepEqual(h.io.log, [], "no pump off while the effluent is salty");
    h.view["rinse.conductivity"] = 150;
    await h.tick(101_000);
    assert.deepEqual(h.io.log, ["rinse.pump_on=false", "rinse.dryer_on=false"]);
    assert.equal(h.status, "off");
    assert.match(h.detail, /flushed: conductivity 150 µS\/cm/);
  });

  it("a flush that never reaches the endpoint times out → fault, water left on", async () => {
    const h = harness(createRinseMachine, { "rinse.water_flow": 20, "rinse.conductivity": 900 });
    await h.send(start());
    await h.tick(0);
    h.io.clear();
    await h.send({ type: "STATION.STOP" });
    await h.tick(1000);
    await h.tick(601_000);
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "rinse flush timed out: conductivity 900 µS/cm after 600 s (needs < 200 µS/cm)");
    assert.deepEqual(h.io.log, []);
  });

  it("HOLD keeps the water running; ABORT switches pump and dryer off at once", async () => {
    const h = harness(createRinseMachine, { "rinse.water_flow": 20 });
    await h.send(start());
    await h.tick(0);
    h.io.clear();
    await h.send({ type: "STATION.HOLD" });
    assert.equal(h.status, "running");
    assert.deepEqual(h.io.log, []);
    await h.send({ type: "STATION.ABORT" });
    assert.deepEqual(h.io.log, ["rinse.pump_on=false", "rinse.dryer_on=false"]);
    assert.equal(h.status, "off");
    assert.equal(h.reports.at(-1)?.command, "STATION.ABORT");
  });

  it("a failed write is a fault with the PLC's answer", async () => {
    const h = harness(createRinseMachine, {});
    h.io.failTag = "rinse.pump_on";
    await h.send(start());
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "rinse start write failed: rinse.pump_on: BadTimeout");
  });
});

// ─── quench ────────────────────────────────────────────────────────────────────────────────────────────

describe("quench station", () => {
  it("starts gas (with setpoint) and coolant, and waits for both flows", async () => {
    const h = harness(createQuenchMachine, { "quench.gas_flow": 0, "quench.coolant_flow": 0 });
    await h.send(start());
    assert.deepEqual(h.io.log, ["quench.gas_flow_sp=150", "quench.gas_on=true", "quench.coolant_on=true"]);
    h.view["quench.gas_flow"] = 150;
    await h.tick(0);
    assert.equal(h.status, "starting", "coolant not flowing yet");
    h.view["quench.coolant_flow"] = 8;
    await h.tick(500);
    assert.equal(h.status, "running");
  });

  it("times out naming both flows", async () => {
    const h = harness(createQuenchMachine, { "quench.gas_flow": 150, "quench.coolant_flow": 1.2 });
    await h.send(start());
    await h.tick(0);
    await h.tick(30_000);
    assert.equal(h.status, "fault");
    assert.equal(
      h.detail,
      "quench flows timed out: gas flow 150 L/min, coolant flow 1.2 L/min after 30 s (needs gas ≥ 100 L/min, coolant ≥ 5 L/min)",
    );
  });

  it("HOLD keeps it running; STOP and ABORT switch gas and coolant off", async () => {
    const h = harness(createQuenchMachine, { "quench.gas_flow": 150, "quench.coolant_flow": 8 });
    await h.send(start());
    await h.tick(0);
    h.io.clear();
    await h.send({ type: "STATION.HOLD" });
    assert.equal(h.status, "running");
    assert.deepEqual(h.io.log, []);
    await h.send({ type: "STATION.STOP" });
    assert.deepEqual(h.io.log, ["quench.gas_on=false", "quench.coolant_on=false"]);
    assert.equal(h.status, "off");
    await h.send(start());
    await h.tick(1000);
    h.io.clear();
    await h.send({ type: "STATION.ABORT" });
    assert.deepEqual(h.io.log, ["quench.gas_on=false", "quench.coolant_on=false"]);
    assert.equal(h.status, "off");
    assert.match(h.detail, /aborted/);
  });
});

// ─── htr ───────────────────────────────────────────────────────────────────────────────────────────────

const HTR_COLD: View = {
  "htr.o2": 209_000,
  "htr.door_closed": true,
  "htr.trip_word": 0,
  "htr.first_out": 0,
  "htr.profile_phase": 0,
  "htr.pulse_count": 7,
  "htr.web_temp": 298,
  "htr.heater_enable": false,
};

async function htrReady(params: SequenceParams = PARAMS) {
  const h = harness(createHtrMachine, { ...HTR_COLD });
  await h.send(start(params));
  h.view["htr.o2"] = 20;
  await h.tick(0);
  assert.equal(h.status, "ready");
  h.io.clear();
  return h;
}

describe("htr station", () => {
  it("purges with the argon setpoint until O₂ < permissive and the door is closed; no heater enable", async () => {
    const h = harness(createHtrMachine, { ...HTR_COLD });
    await h.send(start());
    assert.deepEqual(h.io.log, ["htr.ar_flow_sp=30"]);
    assert.equal(h.status, "purging");
    await h.tick(0);
    h.view["htr.o2"] = 49;
    h.view["htr.door_closed"] = false;
    await h.tick(60_000);
    assert.equal(h.status, "purging", "door open: no permissive");
    h.view["htr.door_closed"] = true;
    h.view["htr.o2"] = 50;
    await h.tick(61_000);
    assert.equal(h.status, "purging", "50 ppm is not below 50 ppm");
    h.view["htr.o2"] = 49.9;
    await h.tick(62_000);
    assert.equal(h.status, "ready");
    assert.ok(!h.io.log.some((w) => w.startsWith("htr.heater_enable")), "purging never enables the heater");
  });

  it("purge timeout → fault with the reason the operator reads", async () => {
    const h = harness(createHtrMachine, { ...HTR_COLD, "htr.o2": 812 });
    await h.send(start());
    await h.tick(5_000);
    await h.tick(124_999);
    assert.equal(h.status, "purging");
    await h.tick(125_000);
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "purge timed out: O₂ 812 ppm after 120 s (needs < 50 ppm)");
    assert.deepEqual(h.io.log.slice(-2), ["htr.heater_enable=false", "htr.pulse_start=false"], "a faulted zone writes heater off");
  });

  it("purge timeout with the door open says so", async () => {
    const h = harness(createHtrMachine, { ...HTR_COLD, "htr.o2": 10, "htr.door_closed": false });
    await h.send(start());
    await h.tick(0);
    await h.tick(120_000);
    assert.equal(h.detail, "purge timed out: O₂ 10 ppm, door open after 120 s (needs < 50 ppm, door closed)");
  });

  it("ready falls back to purging when O₂ rises; a latched PLC trip while purging → tripped", async () => {
    const h = await htrReady();
    h.view["htr.o2"] = 80;
    await h.tick(1000);
    assert.equal(h.status, "purging");
    h.view["htr.trip_word"] = 2;
    h.view["htr.first_out"] = 2;
    await h.tick(2000);
    assert.equal(h.status, "tripped");
    assert.equal(h.detail, "PLC trip: trip word 0x2 (door), first-out 2 (door)");
  });

  it("HEAT while purging is remembered and enables the heater once the permissive holds", async () => {
    const h = harness(createHtrMachine, { ...HTR_COLD });
    await h.send(start({ ...PARAMS, mode: "pulse" }));
    await h.send({ type: "STATION.HEAT" });
    await h.tick(0);
    assert.ok(!h.io.log.includes("htr.heater_enable=true"));
    h.view["htr.o2"] = 10;
    await h.tick(1000);
    assert.ok(h.io.log.includes("htr.heater_enable=true"));
    assert.equal(h.status, "heating");
  });

  it("continuous: HEAT enables the heater and waits for phase 4 (at temperature)", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    assert.deepEqual(h.io.log, ["htr.heater_enable=true"]);
    assert.equal(h.status, "heating");
    h.view["htr.profile_phase"] = 1;
    await h.tick(1000);
    assert.equal(h.status, "heating");
    h.view["htr.profile_phase"] = 4;
    await h.tick(4000);
    assert.equal(h.status, "at-temperature");
  });

  it("continuous: heat-up timeout → fault and heater off", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.profile_phase"] = 1;
    h.view["htr.web_temp"] = 900;
    await h.tick(1000);
    await h.tick(11_000);
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "heat-up timed out: phase 1 (ramp), web 900 K after 10 s (needs phase 4, at temperature)");
    assert.deepEqual(h.io.log.slice(-2), ["htr.heater_enable=false", "htr.pulse_start=false"]);
  });

  it("pulse: one pulse is pulse_start, phase 1 → 2 → 3 → 0 with the count incremented", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    assert.equal(h.status, "heating");
    h.io.clear();
    await h.send({ type: "STATION.PULSE" });
    assert.deepEqual(h.io.log, ["htr.pulse_start=true"]);
    assert.equal(h.status, "pulsing");
    await h.tick(1000); // still phase 0: the PLC has not seen it yet
    for (const [t, phase] of [[1100, 1], [4100, 2], [11_100, 3]] as const) {
      h.view["htr.profile_phase"] = phase;
      await h.tick(t);
      assert.equal(h.status, "pulsing");
    }
    h.view["htr.profile_phase"] = 0;
    h.view["htr.pulse_count"] = 8;
    await h.tick(16_100);
    assert.equal(h.status, "heating");
    assert.equal(h.detail, "pulse mode: heater enabled, 1 pulses done");
  });

  it("pulse: phase back to 0 without a count is an aborted pulse → fault", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    await h.send({ type: "STATION.PULSE" });
    await h.tick(0);
    h.view["htr.profile_phase"] = 1;
    await h.tick(100);
    h.view["htr.profile_phase"] = 3;
    await h.tick(1000);
    h.view["htr.profile_phase"] = 0;
    await h.tick(6000);
    assert.equal(h.status, "pulsing", "within the grace period the count may still arrive");
    await h.tick(6000 + PULSE_COUNT_GRACE_MS);
    assert.equal(h.status, "fault");
    assert.match(h.detail, /pulse 1 aborted by the PLC: phase back to 0 without a count \(got to phase 3 \(cool\)\)/);
  });

  // Regression: phase (sampled every 10 ms) reached 0 before the count (every 100 ms) moved, and a good
  // pulse was taken for an aborted one (seen on the virtual plant).
  it("pulse: a count that arrives shortly after phase 0 completes the pulse", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    await h.send({ type: "STATION.PULSE" });
    await h.tick(0);
    h.view["htr.profile_phase"] = 1;
    await h.tick(100);
    h.view["htr.profile_phase"] = 3;
    await h.tick(1000);
    h.view["htr.profile_phase"] = 0;
    await h.tick(6000);
    h.view["htr.pulse_count"] = (h.view["htr.pulse_count"] as number) + 1;
    await h.tick(6100);
    assert.equal(h.status, "heating");
    assert.match(h.detail, /1 pulses done/);
  });

  // Regression (virtual plant under load): a suspend aborted a pulse in its ramp; the unsuspend requested the
  // next pulse while the PLC was still in the aborted pulse's cool phase, which was taken for the new pulse
  // running, and its return to phase 0 without a count for an aborted pulse.
  it("pulse: requested while an aborted pulse still cools → waits for it, then runs the new pulse", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.profile_phase"] = 3;
    h.io.clear();
    await h.send({ type: "STATION.PULSE" });
    await h.tick(0);
    await h.tick(5000);
    assert.deepEqual(h.io.log, ["htr.pulse_start=true"], "requested once while cooling");
    h.view["htr.profile_phase"] = 0;
    await h.tick(5010);
    assert.deepEqual(h.io.log, ["htr.pulse_start=true", "htr.pulse_start=true"], "the PLC took no start while cooling: asked again in phase 0");
    await h.tick(5020);
    await h.tick(5010 + 2 * PULSE_COUNT_GRACE_MS);
    assert.equal(h.io.log.length, 2, "asked again once only");
    assert.equal(h.status, "pulsing", "the cool-down of the earlier pulse is not this pulse");
    assert.match(h.detail, /pulse 1: requested/);
    for (const [t, phase] of [[7100, 1], [10_100, 2], [17_100, 3]] as const) {
      h.view["htr.profile_phase"] = phase;
      await h.tick(t);
    }
    h.view["htr.profile_phase"] = 0;
    h.view["htr.pulse_count"] = (h.view["htr.pulse_count"] as number) + 1;
    await h.tick(22_100);
    assert.equal(h.status, "heating");
    assert.match(h.detail, /1 pulses done/);
  });

  it("pulse: an earlier pulse cooling extends the start deadline by the cool-down, no further", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.profile_phase"] = 3;
    await h.send({ type: "STATION.PULSE" });
    await h.tick(0);
    await h.tick(29_000);
    assert.equal(h.status, "pulsing", "heat 10 s + cool 20 s");
    await h.tick(30_000);
    assert.equal(h.status, "fault");
    assert.match(h.detail, /^pulse start timed out: phase 3 \(cool\) after 30 s/);
  });

  it("pulse: a pulse the PLC never starts times out with the PLC's start conditions", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    await h.send({ type: "STATION.PULSE" });
    await h.tick(0);
    await h.tick(10_000);
    assert.equal(h.status, "fault");
    assert.match(h.detail, /^pulse start timed out: phase 0 \(off\) after 10 s \(needs phase 1 \(ramp\); the PLC starts a pulse only/);
  });

  it("pulse: a request the PLC dropped (phase 0, pulse_start read back false) is made again every second, five times; then the timeout names what the SCADA sees", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.o2"] = 55; // at the permissive: the PLC takes the request and drops it
    h.view["htr.pulse_start"] = false;
    h.view["htr.profile_phase"] = 0;
    h.io.clear();
    await h.send({ type: "STATION.PULSE" });
    const plcScan = async (t: number) => {
      h.view["htr.pulse_start"] = false; // the PLC consumed the request without starting
      await h.tick(t);
    };
    for (let t = 0; t <= 8000; t += 100) await plcScan(t);
    const requests = h.io.log.filter((w) => w === "htr.pulse_start=true").length;
    assert.equal(requests, 6, `${h.io.log.join(", ")}`);
    assert.equal(h.status, "pulsing");
    for (let t = 8100; t <= 20_000; t += 100) await plcScan(t);
    assert.equal(h.status, "fault");
    assert.match(h.detail, /^pulse start timed out: phase 0 \(off\) after 10 s .*seen: O₂ 55 ppm \(permissive < 50 ppm\), heater_enable true, door closed, trip word 0; asked 6 times\)$/);
  });

  it("pulse: a dropped request made again starts the pulse once the PLC may", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.pulse_start"] = false;
    h.view["htr.profile_phase"] = 0;
    h.io.clear();
    await h.send({ type: "STATION.PULSE" });
    for (let t = 0; t <= 1500; t += 100) {
      h.view["htr.pulse_start"] = false; // the PLC consumed the request without starting
      await h.tick(t);
    }
    assert.equal(h.io.log.filter((w) => w === "htr.pulse_start=true").length, 2, "asked again after 1 s");
    h.view["htr.profile_phase"] = 1;
    await h.tick(1600);
    assert.match(h.detail, /pulse 1: running/);
    for (let t = 1700; t <= 4000; t += 100) await h.tick(t);
    assert.equal(h.io.log.filter((w) => w === "htr.pulse_start=true").length, 2, "no request while the pulse runs");
  });

  it("a PLC trip while heating → tripped, heater enable confirmed off, first-out in the detail", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.profile_phase"] = 4;
    await h.tick(1000);
    h.io.clear();
    h.view["htr.trip_word"] = 1;
    h.view["htr.first_out"] = 1;
    await h.tick(2000);
    assert.equal(h.status, "tripped");
    assert.equal(h.detail, "PLC trip: trip word 0x1 (over-temperature), first-out 1 (over-temperature)");
    assert.deepEqual(h.io.log, ["htr.heater_enable=false", "htr.pulse_start=false"]);
  });

  it("heater enable dropped by the PLC while heating → tripped (but not on a stale view before the enable shows)", async () => {
    const h = await htrReady(PULSE_PARAMS);
    await h.send({ type: "STATION.HEAT" });
    // A view taken before the write reached the PLC: enable still false. Not a trip.
    h.view["htr.heater_enable"] = false;
    await h.tick(1000);
    assert.equal(h.status, "heating");
    h.view["htr.heater_enable"] = true;
    await h.tick(1100);
    h.view["htr.heater_enable"] = false;
    await h.tick(1200);
    assert.equal(h.status, "tripped");
    assert.equal(h.detail, "the PLC dropped the heater enable while heating");
  });

  it("STOP: heater off, then waits for the web below the safe temperature before off", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.profile_phase"] = 4;
    h.view["htr.web_temp"] = 1340;
    await h.tick(1000);
    h.io.clear();
    await h.send({ type: "STATION.STOP" });
    assert.deepEqual(h.io.log, ["htr.heater_enable=false", "htr.pulse_start=false"]);
    assert.equal(h.status, "cooling-down");
    h.view["htr.web_temp"] = 400;
    await h.tick(3000);
    assert.equal(h.status, "cooling-down");
    h.view["htr.web_temp"] = 360;
    await h.tick(5000);
    assert.equal(h.status, "off");
    assert.equal(h.detail, "stopped: web 360 K");
  });

  it("a web that does not cool times out → fault", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.web_temp"] = 612;
    await h.send({ type: "STATION.STOP" });
    await h.tick(1000);
    await h.tick(21_000);
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "cool-down timed out: web 612 K after 20 s (needs < 373 K)");
  });

  it("HOLD: heater off, cool, then back to purging → ready (argon kept)", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.web_temp"] = 1340;
    await h.send({ type: "STATION.HOLD" });
    assert.equal(h.status, "cooling-down");
    h.view["htr.web_temp"] = 300;
    await h.tick(5000);
    assert.equal(h.reports.at(-1)?.status, "purging");
    await h.tick(5100);
    assert.equal(h.status, "ready");
  });

  it("ABORT writes heater off at once (heater enable first), without waiting for cooling", async () => {
    const h = await htrReady();
    await h.send({ type: "STATION.HEAT" });
    h.view["htr.web_temp"] = 1340;
    h.io.clear();
    await h.send({ type: "STATION.ABORT" });
    assert.deepEqual(h.io.log, ["htr.heater_enable=false", "htr.pulse_start=false"]);
    assert.equal(h.status, "off");
    assert.equal(h.detail, "aborted: heater off");
  });

  it("HEAT or PULSE the state cannot honour → fault (refused), heater off", async () => {
    const h = harness(createHtrMachine, { ...HTR_COLD });
    await h.send({ type: "STATION.HEAT" });
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "STATION.HEAT refused: the heater is off (purge first)");
    assert.deepEqual(h.io.log, ["htr.heater_enable=false", "htr.pulse_start=false"]);

    const r = await htrReady(PULSE_PARAMS);
    await r.send({ type: "STATION.PULSE" });
    assert.equal(r.status, "fault");
    assert.equal(r.detail, "STATION.PULSE refused: the heater is not enabled");
    assert.ok(!r.io.log.includes("htr.pulse_start=true"));
  });

  it("restored mid-purge: the deadline from before the restart still fires on the next TICK past it", async () => {
    const h = harness(createHtrMachine, { ...HTR_COLD, "htr.o2": 812 });
    await h.send(start());
    await h.tick(5_000); // deadline 125 000
    const io2 = new RecordingIO(h.view);
    h.restore(io2);
    assert.deepEqual(h.value, { purging: "waiting" });
    await h.tick(124_000);
    assert.equal(h.status, "purging");
    await h.tick(125_000);
    assert.equal(h.status, "fault");
    assert.equal(h.detail, "purge timed out: O₂ 812 ppm after 120 s (needs < 50 ppm)");
  });

  it("restored with the heater-enable write in flight: not re-issued → fault, heater off", async () => {
    const h = await htrReady();
    h.io.hang = true;
    await h.send({ type: "STATION.HEAT" });
    assert.deepEqual(h.value, { heating: "enabling" });
    const io2 = new RecordingIO(h.view);
    h.restore(io2);
    await flush();
    assert.ok(!io2.log.includes("htr.heater_enable=true"), "a restart never re-enables the heater by itself");
    assert.equal(h.status, "fault");
    assert.match(h.detail, /heater enable write failed: not re-issued after a restart/);
    assert.deepEqual(io2.log, ["htr.heater_enable=false", "htr.pulse_start=false"]);
  });
});

// ─── feed ──────────────────────────────────────────────────────────────────────────────────────────────

const FEED_IDLE: View = {
  "feed.drives_running": false,
  "feed.indexing": false,
  "feed.web_speed": 0,
  "feed.encoder_pos": 12,
  "feed.hopper_level": 80,
};

describe("feed station", () => {
  it("continuous: speed setpoint and drives run, waits for the web within 10 % of it, then doser on", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE });
    await h.send(start());
    assert.deepEqual(h.io.log, ["feed.web_speed_sp=2.5", "feed.drives_run=true"]);
    h.view["feed.drives_running"] = true;
    h.view["feed.web_speed"] = 2.2;
    await h.tick(0);
    assert.equal(h.status, "starting");
    h.view["feed.web_speed"] = 2.3;
    await h.tick(1000);
    assert.deepEqual(h.io.log.slice(-1), ["feed.doser_on=true"]);
    assert.equal(h.status, "running");
  });

  it("continuous: web start timeout names speed and drives", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE });
    await h.send(start());
    await h.tick(0);
    await h.tick(30_000);
    assert.equal(h.status, "fault");
    assert.equal(
      h.detail,
      "web start timed out: speed 0 m/min, drives running false, indexing false after 30 s (needs drives running at 2.5 ± 0.3 m/min)",
    );
  });

  it("pulse: drives stay off; INDEX is index_cmd, then indexing true → false", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE });
    await h.send(start(PULSE_PARAMS));
    assert.deepEqual(h.io.log, ["feed.drives_run=false"]);
    await h.tick(0);
    assert.deepEqual(h.io.log.slice(-1), ["feed.doser_on=true"]);
    assert.equal(h.status, "running");
    h.io.clear();
    await h.send({ type: "STATION.INDEX" });
    assert.deepEqual(h.io.log, ["feed.index_cmd=true"]);
    assert.equal(h.status, "indexing");
    await h.tick(100);
    assert.equal(h.status, "indexing");
    h.view["feed.indexing"] = true;
    await h.tick(200);
    h.view["feed.encoder_pos"] = 12.3;
    h.view["feed.indexing"] = false;
    await h.tick(3200);
    assert.equal(h.status, "running");
    assert.equal(h.detail, "pulse mode: drives off, doser on, 1 indexes done");
  });

  it("pulse: an index seen only on the encoder (indexing missed between TICKs) still counts", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE });
    await h.send(start(PULSE_PARAMS));
    await h.tick(0);
    await h.send({ type: "STATION.INDEX" });
    h.view["feed.encoder_pos"] = 12.3;
    await h.tick(4000);
    await h.tick(4100);
    assert.equal(h.status, "running");
  });

  it("pulse: an index the PLC refuses times out; INDEX in continuous mode is refused", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE });
    await h.send(start(PULSE_PARAMS));
    await h.tick(0);
    await h.send({ type: "STATION.INDEX" });
    await h.tick(100);
    await h.tick(30_100);
    assert.equal(h.status, "fault");
    assert.match(h.detail, /^index start timed out: .* \(needs feed.indexing true; the PLC refuses an index while feed.drives_run is on\)$/);

    const c = harness(createFeedMachine, { ...FEED_IDLE, "feed.drives_running": true, "feed.web_speed": 2.5 });
    await c.send(start());
    await c.tick(0);
    await c.send({ type: "STATION.INDEX" });
    assert.equal(c.status, "fault");
    assert.equal(c.detail, "STATION.INDEX refused: the feed is in continuous mode");
  });

  it("starved below 5 % while running; running again at 10 %", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE, "feed.drives_running": true, "feed.web_speed": 2.5 });
    await h.send(start());
    await h.tick(0);
    h.view["feed.hopper_level"] = 4.9;
    await h.tick(1000);
    assert.equal(h.status, "starved");
    assert.equal(h.detail, "hopper low: level 4.9 % (< 5 %)");
    h.view["feed.hopper_level"] = 8;
    await h.tick(2000);
    assert.equal(h.status, "starved");
    h.view["feed.hopper_level"] = 10;
    await h.tick(3000);
    assert.equal(h.status, "running");
  });

  it("STOP: doser off, then drives off, then waits until the web stands", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE, "feed.drives_running": true, "feed.web_speed": 2.5 });
    await h.send(start());
    await h.tick(0);
    h.io.clear();
    await h.send({ type: "STATION.STOP" });
    assert.deepEqual(h.io.log, ["feed.doser_on=false", "feed.drives_run=false", "feed.index_cmd=false"]);
    assert.equal(h.io.batches.length, 2, "doser and drives are two steps");
    await h.tick(1000);
    assert.equal(h.status, "stopping");
    h.view["feed.drives_running"] = false;
    h.view["feed.web_speed"] = 0;
    await h.tick(2000);
    assert.equal(h.status, "off");
  });

  it("DOSER_OFF stops only the doser; the web keeps running", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE, "feed.drives_running": true, "feed.web_speed": 2.5 });
    await h.send(start());
    await h.tick(0);
    h.io.clear();
    await h.send({ type: "STATION.DOSER_OFF" });
    assert.deepEqual(h.io.log, ["feed.doser_on=false"]);
    assert.equal(h.status, "doser-off");
  });

  it("ABORT: doser, drives and index off in one write, at once", async () => {
    const h = harness(createFeedMachine, { ...FEED_IDLE, "feed.drives_running": true, "feed.web_speed": 2.5 });
    await h.send(start());
    await h.tick(0);
    h.io.clear();
    await h.send({ type: "STATION.ABORT" });
    assert.deepEqual(h.io.batches, [
      [
        { tag: "feed.doser_on", value: false },
        { tag: "feed.drives_run", value: false },
        { tag: "feed.index_cmd", value: false },
      ],
    ]);
    assert.equal(h.status, "off");
    assert.equal(h.detail, "aborted: doser and drives off");
  });
});
