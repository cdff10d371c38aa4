import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scadaHeartbeatTargets } from "../../src/control/scada-heartbeat-count.js";
import { ScadaHeartbeatWriter } from "../../src/control/scada-heartbeat-writer.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TagSink } from "../../src/core/tag-sink.js";
import type { TagUpdate } from "../../src/core/tag-value.js";
import { createDriver } from "../../src/drivers/create-driver.js";
import type { DeviceDriver } from "../../src/drivers/driver-port.js";
import { TagRouter } from "../../src/drivers/tag-router.js";
import { MODE } from "../../src/process/profile-controller.js";
import { FIRST_OUT, LINE_FIRST_OUT, LINE_TRIP_BIT, TRIP_BIT } from "../../src/sim/plant-state.js";
import { type VirtualPlantService, startVirtualPlant } from "../../src/sim/virtual-plant-service.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

/** The latest update per tag, as a tag table would hold it. */
class LatestSink implements TagSink {
  readonly latest = new Map<string, TagUpdate>();
  onUpdates(updates: readonly TagUpdate[]): void {
    for (const u of updates) this.latest.set(u.name, u);
  }
  onConfirm(): void {}
  value(name: string): unknown {
    const u = this.latest.get(name);
    return u?.quality.status === "Good" ? u.value : undefined;
  }
}

/**
 * The PLCs protect themselves when the SCADA dies (issue 12): the real virtual plant over loopback OPC UA and
 * Modbus, the real drivers, router and heartbeat writer. Heating and running while the heartbeat is written;
 * the writer stops (the SCADA "dies"); within ≈ 1 s the HTR PLC cuts the heater and the line PLC stops the web,
 * both latch SCADA lost, and the SCADA reads the trip words and first-outs over the protocols. A reset clears
 * them only once the heartbeat runs again, and nothing restarts by itself.
 */
describe("PLC SCADA watchdog against the virtual plant (OPC UA + Modbus loopback)", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  let dataDir: string;
  let sim: VirtualPlantService;
  let drivers: DeviceDriver[];
  let router: TagRouter;
  const sink = new LatestSink();

  const newWriter = () =>
    new ScadaHeartbeatWriter({ targets: scadaHeartbeatTargets(tc.config.devices, tc.config.tags), writer: router, logger: silentLogger() });
  const write = async (tag: string, value: number | boolean) => {
    const r = await router.write(tag, value);
    assert.ok(r.ok, `${tag} = ${String(value)}: ${r.status}`);
  };
  const plant = () => sim.plant.state;

  before(async () => {
    tc = await realConfigOnFreePorts();
    dataDir = mkdtempSync(join(tmpdir(), "plc-watchdog-"));
    sim = await startVirtualPlant({ config: tc.config, dataDir, logger: silentLogger(), startPurged: true });
    drivers = tc.config.devices.map((d) =>
      createDriver(d, tc.config.tags.filter((t) => t.device === d.id), { sink, clock: systemClock, logger: silentLogger(), dataDir }),
    );
    router = new TagRouter(drivers, tc.config.tags);
    await Promise.all(drivers.map((d) => d.start()));
    await waitFor("both PLCs connected", 20_000, () => drivers.every((d) => d.health().state === "OK"), 50);
  });

  after(async () => {
    await Promise.allSettled((drivers ?? []).map((d) => d.stop()));
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("heater off and web held within 1.5 s of the last heartbeat, SCADA lost latched and read back; reset only with the heartbeat back", async () => {
    const writer = newWriter();
    writer.start();
    await waitFor("both PLCs see the heartbeat", 5000, () => plant().htr.scadaOk && plant().line.scadaOk, 20);
    await waitFor("scada_heartbeat_ok read back Good true", 5000, () => sink.value("htr-plc.scada_heartbeat_ok") === true && sink.value("line-plc.scada_heartbeat_ok") === true, 20);

    // ── Heating and running (the drives), with the heartbeat written. Continuous mode: the heater stays on
    // for as long as its permissives hold, so the test does not race a 10 s pulse (a one-shot pulse_start
    // timed this wait out in full-suite runs: heater off, drives on, no trip).
    const writesMs: Record<string, number> = {};
    const timedWrite = async (tag: string, value: number | boolean) => {
      const t = Date.now();
      await write(tag, value);
      writesMs[tag] = Date.now() - t;
    };
    await timedWrite("htr.mode", MODE.continuous);
    await timedWrite("quench.gas_on", true);
    await timedWrite("htr.heater_enable", true);
    await timedWrite("feed.drives_run", true);
    await waitFor("heating and running", 10_000, () => plant().htr.heaterOn && plant().line.drivesRunning, {
      everyMs: 20,
      observe: () => {
        const { htr, line, sensors, physics } = plant();
        return JSON.stringify({
          writesMs,
          htr: { heaterOn: htr.heaterOn, heaterEnable: htr.heaterEnable, mode: htr.mode, phase: htr.phase, pulseCount: htr.pulseCount, quenchGasOn: htr.quenchGasOn, quenchGasFlowSpLpm: htr.quenchGasFlowSpLpm, tripWord: htr.tripWord, firstOut: htr.firstOut, scadaOk: htr.scadaOk },
          line: { drivesRunning: line.drivesRunning, tripWord: line.tripWord, firstOut: line.firstOut, scadaOk: line.scadaOk },
          sensors: { o2Ppm: sensors.o2Ppm, coolantFlowLpm: sensors.coolantFlowLpm, webTempK: sensors.webTempK, webTempBad: sensors.webTempBad },
          physics: { doorClosed: physics.doorClosed, estopOk: physics.estopOk },
        });
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(plant().htr.heaterOn && plant().line.drivesRunning, "still heating and running after 1.5 s with the heartbeat");
    assert.equal(plant().htr.tripWord, 0);

    // ── The SCADA dies.
    await writer.stop();
    const t0 = Date.now();
    const lostAfter = await waitFor("the heater off and the drives stopped", 3000, () => !plant().htr.heaterOn && !plant().line.drivesRunning, 10);
    assert.ok(lostAfter >= 800 && lostAfter <= 1500, `tripped ${lostAfter} ms after the last heartbeat write`);
    assert.equal(plant().htr.tripWord & TRIP_BIT.scadaLost, TRIP_BIT.scadaLost);
    assert.equal(plant().htr.firstOut, FIRST_OUT.scadaLost);
    assert.equal(plant().line.tripWord, LINE_TRIP_BIT.scadaLost);
    assert.equal(plant().line.firstOut, LINE_FIRST_OUT.scadaLost);

    // ── What a SCADA coming back reads over the protocols.
    await waitFor("trip words and first-outs read back", 3000, () =>
      sink.value("htr.trip_word") === TRIP_BIT.scadaLost &&
      sink.value("htr.first_out") === FIRST_OUT.scadaLost &&
      sink.value("line-plc.trip_word") === LINE_TRIP_BIT.scadaLost &&
      sink.value("line-plc.first_out") === LINE_FIRST_OUT.scadaLost &&
      sink.value("htr.heater_enable") === false &&
      sink.value("feed.drives_run") === false, 20);
    assert.equal((await router.read("htr-plc.scada_heartbeat_ok")).value, false);
    assert.ok(Date.now() - t0 < 10_000);

    // ── A reset without the heartbeat does nothing; the SCADA's commands are held off while latched.
    await write("htr.trip_reset", true);
    await write("line-plc.trip_reset", true);
    await write("feed.drives_run", true);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(plant().htr.tripWord & TRIP_BIT.scadaLost, TRIP_BIT.scadaLost, "HTR: reset without heartbeat refused");
    assert.equal(plant().line.tripWord, LINE_TRIP_BIT.scadaLost, "line: reset without heartbeat refused");
    assert.equal(plant().line.drivesRunning, false, "drives_run held off while latched");

    // ── The SCADA is back: heartbeat first, then the reset clears both; nothing resumes by itself.
    const back = newWriter();
    back.start();
    try {
      await waitFor("the PLCs see the heartbeat again", 5000, () => plant().htr.scadaOk && plant().line.scadaOk, 20);
      await write("htr.trip_reset", true);
      await write("line-plc.trip_reset", true);
      await waitFor("latches cleared", 3000, () => plant().htr.tripWord === 0 && plant().line.tripWord === 0, 20);
      assert.deepEqual([plant().htr.firstOut, plant().line.firstOut], [FIRST_OUT.none, LINE_FIRST_OUT.none]);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(plant().htr.heaterEnable, false, "heater enable stays off until the SCADA re-issues it");
      assert.equal(plant().line.drivesRunning, false, "drives stay off until the SCADA re-issues drives_run");
    } finally {
      await back.stop();
    }
  });
});
