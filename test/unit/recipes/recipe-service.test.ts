import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { TagScalar } from "../../../src/core/tag-value.js";
import type { ReadResult, TagReader, TagWriter, WriteResult } from "../../../src/core/tag-io.js";
import { type RecipeEvent, RecipeService, setpointMatches } from "../../../src/recipes/recipe-service.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";
import type { RecipeControl } from "../../../src/server/recipe-routes.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");
const config = loadConfigOrThrow(plcConfig);
const tagByName = new Map(config.tags.map((t) => [t.name, t]));

/** A PLC in memory: float32 tags hold float32 values, as a real one does; failures can be injected. */
class FakePlc implements TagReader, TagWriter {
  readonly values = new Map<string, TagScalar>();
  readonly writes: [string, TagScalar][] = [];
  reads = 0;
  failWrites = new Set<string>();
  failReads = false;

  async write(tag: string, value: TagScalar): Promise<WriteResult> {
    this.writes.push([tag, value]);
    if (this.failWrites.has(tag)) return { ok: false, status: "BadDeviceFailure", roundTripMs: 1 };
    const t = tagByName.get(tag)!;
    this.values.set(tag, t.type === "float32" && typeof value === "number" ? Math.fround(value) : value);
    return { ok: true, status: "Good", roundTripMs: 1 };
  }

  async read(tag: string): Promise<ReadResult> {
    this.reads += 1;
    if (this.failReads) return { ok: false, value: null, status: "not connected", roundTripMs: 0 };
    return { ok: true, value: this.values.get(tag) ?? 0, status: "Good", roundTripMs: 1 };
  }
}

function service(plc: FakePlc, clock = new ManualClock(1_000)): { svc: RecipeService; events: RecipeEvent[]; clock: ManualClock } {
  const svc = new RecipeService({ store: new RecipeStore(plcConfig), config, io: plc, clock, logger: silentLogger() });
  const events: RecipeEvent[] = [];
  svc.onEvent((e) => events.push(e));
  return { svc, events, clock };
}

describe("recipes: RecipeService (in-memory PLC)", () => {
  it("starts with no recipe; loads BiSb: downloads every setpoint, reads every one back, verified", async () => {
    const plc = new FakePlc();
    const { svc, events } = service(plc);
    const routes: RecipeControl = svc; // the service is what the recipe routes take
    assert.equal(routes.status(), svc.status());
    assert.equal(svc.status().state, "none");
    assert.equal(svc.isVerified(), false);
    assert.equal(svc.sequenceParams(), undefined);
    const outcome = await svc.load("BiSb", "alice");
    assert.equal(outcome.ok, true, outcome.problems.join("\n"));
    const status = svc.status();
    assert.equal(status.state, "verified");
    assert.equal(status.alloy, "BiSb");
    assert.equal(status.loadedBy, "alice");
    assert.equal(status.loadedAt, 1_000);
    assert.equal(status.verifiedAt, 1_000);
    assert.equal(status.setpoints.length, 13);
    assert.equal(plc.writes.length, 13);
    assert.equal(plc.reads, 13);
    for (const sp of status.setpoints) {
      assert.equal(sp.ok, true, sp.tag);
      assert.equal(sp.status, "Good");
      assert.notEqual(sp.readBack, null);
    }
    assert.ok(svc.isVerified());
    assert.equal(svc.sequenceParams()?.recipe, "BiSb");
    assert.deepEqual(events.map((e) => e.type), ["recipe-loaded", "recipe-verified"]);
    assert.equal(events[0]!.by, "alice");
  });

  it("verify() catches a setpoint changed behind the SCADA's back, names it, and recovers when it is put back", async () => {
    const plc = new FakePlc();
    const { svc, events, clock } = service(plc);
    await svc.load("BiSb");
    clock.advance(5_000);
    plc.values.set("htr.peak_sp", 1300);
    const status = await svc.verify("bob");
    assert.equal(status.state, "mismatch");
    assert.equal(svc.isVerified(), false);
    assert.equal(svc.sequenceParams(), undefined, "no parameters to start with");
    assert.deepEqual(status.problems.map((p) => `${p.file}:${p.path}: ${p.message}`), ["htr-plc:htr.peak_sp: read back 1300 K, recipe 1340 K"]);
    assert.equal(status.verifiedAt, 1_000, "last good verification kept");
    const last = events.at(-1)!;
    assert.equal(last.type, "recipe-mismatch");
    assert.deepEqual(last.type === "recipe-mismatch" ? last.tags : [], ["htr.peak_sp"]);
    assert.equal(last.by, "bob");

    await svc.verify(); // still wrong: no new event
    assert.equal(events.filter((e) => e.type === "recipe-mismatch").length, 1);

    plc.values.set("htr.peak_sp", 1340);
    clock.advance(1_000);
    assert.equal((await svc.verify()).state, "verified");
    assert.equal(svc.status().verifiedAt, 7_000);
    assert.equal(events.at(-1)!.type, "recipe-verified");
  });

  it("a PLC that cannot be read is not verified (fail safe), with the reason per tag", async () => {
    const plc = new FakePlc();
    const { svc } = service(plc);
    await svc.load("SnSb");
    plc.failReads = true;
    const status = await svc.verify();
    assert.equal(status.state, "mismatch");
    assert.equal(status.problems.length, 13);
    assert.equal(status.problems[0]!.message, "read failed: not connected (recipe 0)");
  });

  it("a failed write ends in mismatch naming the tag and the write's status", async () => {
    const plc = new FakePlc();
    plc.values.set("rinse.dryer_temp_sp", 350);
    plc.failWrites.add("rinse.dryer_temp_sp");
    const { svc, events } = service(plc);
    const outcome = await svc.load("BiSb");
    assert.equal(outcome.ok, false);
    assert.equal(outcome.status.state, "mismatch");
    assert.deepEqual(outcome.problems, ["line-plc:rinse.dryer_temp_sp: write failed: BadDeviceFailure; read back 350 K, recipe 393 K"]);
    const loaded = events.find((e) => e.type === "recipe-loaded");
    assert.deepEqual(loaded?.type === "recipe-loaded" ? loaded.writeFailures : [], ["rinse.dryer_temp_sp: BadDeviceFailure"]);
  });

  it("refuses an invalid or out-of-limit recipe with every problem, writing nothing", async () => {
    const plc = new FakePlc();
    const store = new RecipeStore(plcConfig);
    const bisb = store.get("BiSb")!;
    const hot = { ...bisb, recipe: { ...bisb.recipe!, htr: { ...bisb.recipe!.htr, peakTempK: 1600 } } };
    const svc = new RecipeService({
      store: { list: () => store.list(), get: (a) => (a === "BiSb" ? hot : store.get(a)), equipmentLimits: () => store.equipmentLimits() },
      config,
      io: plc,
      clock: new ManualClock(0),
      logger: silentLogger(),
    });
    const events: RecipeEvent[] = [];
    svc.onEvent((e) => events.push(e));
    const outcome = await svc.load("BiSb");
    assert.equal(outcome.ok, false);
    assert.equal(outcome.unknownRecipe, undefined);
    assert.ok(outcome.problems.includes("recipes/BiSb.yaml:htr.peakTempK: htr.peak_sp 1600 K (from htr.peakTempK) exceeds equipment limit 1450 K"));
    assert.ok(outcome.problems.includes("recipes/BiSb.yaml:htr.peakToleranceK: peak + tolerance 1615 K (from htr.peakTempK, htr.peakToleranceK) reaches the PLC over-temperature trip 1500 K"));
    assert.equal(svc.status().state, "invalid");
    assert.equal(plc.writes.length, 0, "nothing written");
    assert.deepEqual(events.map((e) => e.type), ["recipe-refused"]);
  });

  it("an unknown recipe is refused and changes nothing", async () => {
    const plc = new FakePlc();
    const { svc, events } = service(plc);
    await svc.load("BiSb");
    const before = svc.status();
    const outcome = await svc.load("Unobtainium");
    assert.equal(outcome.ok, false);
    assert.equal(outcome.unknownRecipe, true);
    assert.match(outcome.problems[0]!, /^recipes\/Unobtainium\.yaml:\(root\): no such recipe \(known: BiSb, CoSb, Cu2Sb, FeSb, NiSb, Sb, SnBi, SnSb\)$/);
    assert.equal(svc.status(), before);
    assert.equal(svc.isVerified(), true);
    assert.equal(events.at(-1)!.type, "recipe-refused");
  });

  it("runs loads and verifications one at a time, in order; status shows 'loading' while downloading", async () => {
    const plc = new FakePlc();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: TagReader & TagWriter = {
      write: async (tag, value) => {
        await gate;
        return plc.write(tag, value);
      },
      read: (tag) => plc.read(tag),
    };
    const svc = new RecipeService({ store: new RecipeStore(plcConfig), config, io: slow, clock: new ManualClock(0), logger: silentLogger() });
    const first = svc.load("BiSb");
    const verify = svc.verify();
    const second = svc.load("SnBi");
    await new Promise((r) => setImmediate(r));
    assert.equal(svc.status().state, "loading");
    assert.equal(svc.status().alloy, "BiSb");
    assert.ok(svc.status().setpoints.every((s) => s.status === "pending"));
    release();
    assert.equal((await first).status.alloy, "BiSb");
    assert.equal((await verify).alloy, "BiSb");
    assert.equal((await second).status.alloy, "SnBi");
    assert.equal(svc.status().state, "verified");
  });

  it("compares exactly for integers and bools, to float32 precision for float32 tags, 1e-6 relative otherwise", () => {
    const f32 = tagByName.get("feed.web_speed_sp")!;
    const f64 = tagByName.get("htr.peak_sp")!;
    const u16 = tagByName.get("htr.mode")!;
    const speed = (0.3 / 7) * 60;
    assert.ok(setpointMatches(f32, speed, Math.fround(speed)));
    assert.ok(setpointMatches(f32, speed, 2.5714285), "the shortest decimal of the float32");
    assert.ok(!setpointMatches(f32, speed, 2.5715));
    assert.ok(setpointMatches(f64, 1340, 1340));
    assert.ok(setpointMatches(f64, 1340, 1340 * (1 + 5e-7)));
    assert.ok(!setpointMatches(f64, 1340, 1340.01));
    assert.ok(setpointMatches(u16, 1, 1));
    assert.ok(!setpointMatches(u16, 1, 0));
    const scaled: TagConfig = { ...u16, scaling: { rawMin: 0, rawMax: 1000, engMin: 0, engMax: 1 } };
    assert.ok(setpointMatches(scaled, 0.3, 0.3000000001), "integers compare as the PLC's raw value");
    assert.ok(!setpointMatches(scaled, 0.3, 0.301));
    assert.ok(setpointMatches(undefined, true, true));
    assert.ok(!setpointMatches(undefined, true, 1));
    assert.ok(!setpointMatches(f64, 0, null));
    assert.ok(setpointMatches(f32, 0, 0));
  });

});
