/**
 * Recipes on the REAL virtual plant: the runtime (plant + OPC UA and Modbus servers + drivers) on the real
 * plc-config over loopback, a RecipeService over the runtime's drivers. Every setpoint goes down over the
 * wire and comes back by a fresh read.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TagScalar } from "../../src/core/tag-value.js";
import { RECIPE_SETPOINT_TAGS } from "../../src/recipes/recipe-derivation.js";
import type { TagReader, TagWriter } from "../../src/core/tag-io.js";
import { type RoutedDevice, TagRouter } from "../../src/drivers/tag-router.js";
import { type RecipeEvent, RecipeService, setpointMatches } from "../../src/recipes/recipe-service.js";
import { RecipeStore } from "../../src/stores/recipe-store.js";
import { createRuntime } from "../../src/runtime.js";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

describe("recipe download + read-back on the virtual plant (real OPC UA and Modbus)", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  let dataDir: string;
  let runtime: Runtime;
  let io: TagReader & TagWriter;
  let svc: RecipeService;
  const events: RecipeEvent[] = [];
  /** Every write the service made, in order. */
  const written: string[] = [];

  const plant = () => runtime.sim()!.plant;
  const tagOf = (name: string) => tc.config.tags.find((t) => t.name === name);
  /** Every recipe setpoint as the PLCs hold it, read over the wire. */
  const readAll = async (): Promise<Record<string, TagScalar | null>> => {
    const out: Record<string, TagScalar | null> = {};
    for (const tag of RECIPE_SETPOINT_TAGS) {
      const r = await io.read(tag);
      assert.equal(r.ok, true, `read ${tag}: ${r.status}`);
      out[tag] = r.value;
    }
    return out;
  };
  /** Until a fresh read over the wire answers what the plant holds for each of `tags` (the servers publish it after a PLC scan). */
  const published = (tags: readonly string[]) =>
    waitFor(`the PLCs serving the plant's ${tags.join(", ")}`, 5000, async () => {
      for (const tag of tags) {
        const held = plant().read(tag)?.value;
        if (held === undefined || !setpointMatches(tagOf(tag), held, (await io.read(tag)).value)) return false;
      }
      return true;
    });

  before(async () => {
    tc = await realConfigOnFreePorts();
    dataDir = mkdtempSync(join(tmpdir(), "recipe-download-"));
    runtime = createRuntime(tc.config, { port: 0, host: "127.0.0.1", dataDir, sim: true, logger: silentLogger() });
    await runtime.start();
    assert.equal(await runtime.waitForDevices(15_000), true, "both PLCs connected");
    const devices: readonly RoutedDevice[] = runtime.drivers; // every DeviceDriver is a RoutedDevice
    io = new TagRouter(devices, tc.config.tags);
    const recording: TagReader & TagWriter = {
      write: (tag, value) => {
        written.push(tag);
        return io.write(tag, value);
      },
      read: (tag) => io.read(tag),
    };
    svc = new RecipeService({ store: new RecipeStore(tc.dir), config: tc.config, io: recording, clock: systemClock, logger: silentLogger() });
    svc.onEvent((e) => events.push(e));
  });

  after(async () => {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("loads BiSb: every setpoint downloaded, read back equal, and held by the plant → verified", async () => {
    // start from setpoints that are not BiSb's, so the download has to change them
    const changed = [["htr.peak_sp", 1200], ["htr.mode", 1], ["feed.web_speed_sp", 5], ["rinse.dryer_temp_sp", 420], ["feed.doser_rate_sp", 10]] as const;
    for (const [tag, value] of changed) {
      assert.equal(plant().write(tag, value), true, tag);
    }
    await published(changed.map(([tag]) => tag));
    const outcome = await svc.load("BiSb", "integration-test");
    assert.equal(outcome.ok, true, outcome.problems.join("\n"));
    const status = svc.status();
    assert.equal(status.state, "verified");
    assert.ok(svc.isVerified());
    assert.deepEqual(status.setpoints.map((s) => s.tag), [...RECIPE_SETPOINT_TAGS]);
    for (const sp of status.setpoints) {
      assert.equal(sp.ok, true, `${sp.tag}: ${sp.status}`);
      assert.ok(setpointMatches(tagOf(sp.tag), sp.value, sp.readBack), `${sp.tag} read back ${String(sp.readBack)}, recipe ${String(sp.value)}`);
      const held = plant().read(sp.tag)?.value ?? null;
      assert.ok(setpointMatches(tagOf(sp.tag), sp.value, held), `the plant holds ${sp.tag} = ${String(held)}, recipe ${String(sp.value)}`);
    }
    const held = await readAll();
    assert.equal(held["htr.peak_sp"], 1340);
    assert.equal(held["htr.mode"], 0);
    assert.equal(held["feed.web_speed_sp"], 0);
    assert.equal(held["feed.doser_rate_sp"], 50.625);
    assert.equal(held["rinse.dryer_temp_sp"], 393);
    assert.deepEqual(events.map((e) => e.type), ["recipe-loaded", "recipe-verified"]);
    assert.deepEqual([...written].sort(), [...RECIPE_SETPOINT_TAGS].sort(), "each setpoint written once");
    assert.equal(svc.sequenceParams()?.recipe, "BiSb");
  });

  it("a setpoint changed in the PLC behind the SCADA's back: verify() reports mismatch naming it", async () => {
    assert.equal(plant().write("htr.peak_sp", 1300), true);
    await published(["htr.peak_sp"]);
    const status = await svc.verify("integration-test");
    assert.equal(status.state, "mismatch");
    assert.equal(svc.isVerified(), false);
    assert.equal(svc.sequenceParams(), undefined);
    assert.deepEqual(status.setpoints.filter((s) => !s.ok).map((s) => s.tag), ["htr.peak_sp"]);
    assert.deepEqual(status.problems.map((p) => `${p.file}:${p.path}: ${p.message}`), ["htr-plc:htr.peak_sp: read back 1300 K, recipe 1340 K"]);
    const mismatch = events.at(-1)!;
    assert.equal(mismatch.type, "recipe-mismatch");
    assert.deepEqual(mismatch.type === "recipe-mismatch" ? mismatch.tags : [], ["htr.peak_sp"]);

    // a Modbus setpoint too (CDAB float on the line PLC)
    assert.equal(plant().write("rinse.dryer_temp_sp", 400), true);
    const both = await svc.verify();
    assert.deepEqual(both.setpoints.filter((s) => !s.ok).map((s) => s.tag), ["htr.peak_sp", "rinse.dryer_temp_sp"]);

    // loading the recipe again puts it right
    const again = await svc.load("BiSb");
    assert.equal(again.ok, true, again.problems.join("\n"));
    assert.equal(plant().read("htr.peak_sp")?.value, 1340);
  });

  it("a PLC that drops off is not verified; once it is back, verify() finds the setpoints in place", async () => {
    assert.equal(svc.status().state, "verified");
    runtime.sim()!.setFault("line-plc-comm-loss", true);
    try {
      await waitFor("line-plc down", 3000, () => runtime.drivers.find((d) => d.deviceId === "line-plc")!.health().state === "DOWN");
      const status = await svc.verify();
      assert.equal(status.state, "mismatch");
      const failed = status.setpoints.filter((s) => !s.ok);
      assert.ok(failed.length > 0 && failed.every((s) => tagOf(s.tag)?.device === "line-plc" && s.status.startsWith("read failed")), JSON.stringify(failed));
    } finally {
      runtime.sim()!.setFault("line-plc-comm-loss", false);
    }
    assert.equal(await runtime.waitForDevices(10_000), true);
    assert.equal((await svc.verify()).state, "verified");
  });

  it("a recipe over the equipment limits is refused with every problem, and nothing is written to the PLCs", async () => {
    const bisb = readFileSync(join(tc.dir, "recipes", "BiSb.yaml"), "utf8");
    writeFileSync(
      join(tc.dir, "recipes", "Bi.yaml"),
      bisb
        .replace("alloy: BiSb", "alloy: Bi")
        .replace("peakTempK: 1340", "peakTempK: 1600")
        .replace("dryerTempK: 393", "dryerTempK: 500")
        .replace("arealLoadingMgCm2: 3.0", "arealLoadingMgCm2: 12.0"),
    );
    const before = await readAll();
    const writesBefore = written.length;
    const eventsBefore = events.length;
    const outcome = await svc.load("Bi", "integration-test");
    assert.equal(outcome.ok, false);
    assert.equal(svc.status().state, "invalid");
    assert.equal(svc.isVerified(), false);
    for (const expected of [
      "recipes/Bi.yaml:htr.peakTempK: htr.peak_sp 1600 K (from htr.peakTempK) exceeds equipment limit 1450 K",
      "recipes/Bi.yaml:rinse.dryerTempK: rinse.dryer_temp_sp 500 K (from rinse.dryerTempK) exceeds equipment limit 473 K",
      "recipes/Bi.yaml:precursor.arealLoadingMgCm2: feed.doser_rate_sp 202.5 g/min (from precursor.arealLoadingMgCm2, feed.indexLengthM) exceeds equipment limit 150 g/min",
    ]) {
      assert.ok(outcome.problems.includes(expected), `missing: ${expected}\nin:\n${outcome.problems.join("\n")}`);
    }
    assert.equal(written.length, writesBefore, "no write went to a PLC");
    assert.deepEqual(await readAll(), before, "the PLCs hold what they held");
    assert.equal(plant().read("htr.peak_sp")?.value, 1340);
    assert.deepEqual(events.slice(eventsBefore).map((e) => e.type), ["recipe-refused"]);
  });
});
