/**
 * The virtual plant in its own worker thread (`htr-scada start --sim`): its PLCs answer and scan while the
 * SCADA's thread is blocked — read by the independent client `mbpoll`, run with spawnSync so that this
 * thread is blocked for the whole read. Faults switch by message; an unknown one is refused here; a port in
 * use is refused with the system error the start refusal names; stop ends the thread and frees the ports.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger.js";
import { startRefusal } from "../../src/core/start-refusal.js";
import { plantPortsOf } from "../../src/runtime/start-preflight.js";
import type { VirtualPlantControl } from "../../src/sim/virtual-plant-service.js";
import { startVirtualPlantThread } from "../../src/sim/virtual-plant-thread.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";

const MBPOLL = "/usr/bin/mbpoll";

/** The line PLC's heartbeat (input register 30), read by mbpoll while this thread waits for it (blocked). */
function heartbeatBlocking(port: number): { ok: boolean; value: number; out: string } {
  const r = spawnSync(MBPOLL, ["-m", "tcp", "-p", String(port), "-a", "1", "-0", "-1", "-q", "-t", "3", "-r", "30", "-c", "1", "-o", "0.5", "127.0.0.1"], { encoding: "utf8", timeout: 5000 });
  const m = /^\[30\]:\s+(\d+)/m.exec(r.stdout);
  return { ok: r.status === 0 && m !== null, value: m ? Number(m[1]) : NaN, out: `${r.stdout}${r.stderr}` };
}

function blockFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // this thread does nothing else meanwhile
  }
}

describe("integration: the virtual plant in a worker thread", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  let dataDir: string;
  let plant: VirtualPlantControl | undefined;
  const lines: string[] = [];

  before(async () => {
    tc = await realConfigOnFreePorts();
    dataDir = mkdtempSync(join(tmpdir(), "plant-thread-"));
    const logger = createLogger("info", { format: "json", destination: { write: (l: string) => lines.push(l) } });
    plant = await startVirtualPlantThread({ config: tc.config, dataDir, logger });
  });

  after(async () => {
    await plant?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("serves both PLCs of the config and logs through this thread's logger", () => {
    assert.deepEqual(plant!.endpoints, { "htr-plc": `opc.tcp://127.0.0.1:${tc.opcuaPort}`, "line-plc": `modbus-tcp://127.0.0.1:${tc.modbusPort}/1` });
    assert.ok(lines.some((l) => /"msg":"OPC UA plant server online"/.test(l)), lines.join(""));
    assert.ok(lines.some((l) => /"module":"sim"/.test(l) && /modbus sim: listening/.test(l)), lines.join(""));
  });

  it("answers and scans while the SCADA's thread is blocked: two reads 600 ms apart, this thread busy throughout, see the heartbeat move", () => {
    const first = heartbeatBlocking(tc.modbusPort);
    blockFor(600);
    const second = heartbeatBlocking(tc.modbusPort);
    assert.ok(first.ok && second.ok, `${first.out}\n${second.out}`);
    // +1 every 100 ms (uint16, wraps): about 6 counts in 600 ms, and at least 3 whatever the machine does.
    const moved = (second.value - first.value + 65536) % 65536;
    assert.ok(moved >= 3, `the heartbeat moved ${moved} (from ${first.value} to ${second.value})`);
  });

  it("a fault switches in the worker (the line PLC goes silent for mbpoll) and back; the list answers at once", async () => {
    const f = plant!.setFault("line-plc-comm-loss", true);
    assert.equal(f.active, true);
    assert.equal(plant!.faults().find((x) => x.name === "line-plc-comm-loss")?.active, true);
    const deadline = Date.now() + 5000;
    while (heartbeatBlocking(tc.modbusPort).ok && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(heartbeatBlocking(tc.modbusPort).ok, false, "the line PLC still answers with its comm loss on");
    plant!.setFault("line-plc-comm-loss", false);
    const back = Date.now() + 5000;
    while (!heartbeatBlocking(tc.modbusPort).ok && Date.now() < back) await new Promise((r) => setTimeout(r, 100));
    assert.equal(heartbeatBlocking(tc.modbusPort).ok, true);
    assert.equal(plant!.faults().every((x) => !x.active), true);
  });

  it("an unknown fault is refused here with the known names, and nothing changes", () => {
    const before = plant!.faults();
    assert.throws(() => plant!.setFault("meteor", true), (e: Error & { code?: string }) => e.code === "SCADA_ERR_SIM_FAULT_UNKNOWN" && /known: web-break/.test(e.message));
    assert.deepEqual(plant!.faults(), before);
  });

  it("a PLC port in use: the start is refused with the system error, which the start refusal names; no thread is left", async () => {
    const other = await realConfigOnFreePorts();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(other.modbusPort, "127.0.0.1", r));
    try {
      const err = await startVirtualPlantThread({ config: other.config, dataDir, logger: createLogger("error", { format: "json", destination: { write: () => 0 } }) }).then(
        (p) => (void p.stop(), null),
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error, "the start was not refused");
      assert.equal((err as { code?: string }).code, "EADDRINUSE");
      const refusal = startRefusal(err, { configDir: other.dir, dataDir, httpPort: 0, plantPorts: plantPortsOf(other.config) });
      assert.match(refusal.line, new RegExp(`port ${other.modbusPort} of the virtual plant \\(line-plc`));
    } finally {
      squatter.close();
      rmSync(other.dir, { recursive: true, force: true });
    }
    // Its OPC UA port (opened before the Modbus one failed) is free again: the worker closed what it had opened.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(other.opcuaPort, "127.0.0.1", () => resolve());
    });
    probe.close();
  });

  it("stop ends the thread and frees both ports", async () => {
    await plant!.stop();
    plant = undefined;
    for (const port of [tc.opcuaPort, tc.modbusPort]) {
      const probe = createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.listen(port, "127.0.0.1", () => resolve());
      });
      await new Promise((r) => probe.close(r));
    }
  });
});
