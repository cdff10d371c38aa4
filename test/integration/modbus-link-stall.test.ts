/**
 * A request's timeout after a stall of this process (GC, a CPU-bound step, the in-process virtual plant): the
 * answer that arrived meanwhile is read before the timeout is declared. The peer is pymodbus in its own
 * process, so it answers while this process is blocked; the block is a synchronous busy loop, longer than
 * the request timeout. A request that really goes unanswered (the peer frozen with SIGSTOP) still times out.
 */
import assert from "node:assert/strict";
import { modbusTcpDeviceSchema } from "../../src/config/device-schema.js";
import { FloodGate, silentLogger } from "../../src/core/logger.js";
import { RequestTimeoutError } from "../../src/drivers/modbus/modbus-errors.js";
import { ModbusLink } from "../../src/drivers/modbus/modbus-link.js";
import { type Child, spawnChild } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* this process is stalled */
  }
};

describe("Modbus link: a timeout after a stall of this process (pymodbus peer)", function () {
  this.timeout(30_000);
  let peer: Child;
  let link: ModbusLink;

  before(async () => {
    const port = await freePort();
    peer = spawnChild("/usr/bin/python3", ["test/fixtures/pymodbus_server.py", String(port)], { name: "pymodbus" });
    await peer.waitForOutput(`READY ${port}`, 10_000);
    const device = modbusTcpDeviceSchema.parse({ id: "peer", protocol: "modbus-tcp", host: "127.0.0.1", port, unitId: 1, timeoutMs: 100, heartbeatTag: "peer.counter" });
    link = new ModbusLink({ device, logger: silentLogger(), flood: new FloodGate(60_000), handlers: { onConnected: () => {}, onOutage: () => {} } });
    link.start();
    await waitFor("the link up", 10_000, () => link.connected, 20);
  });

  after(async () => {
    peer?.proc.kill("SIGCONT");
    await link?.stop();
    await peer?.kill();
  });

  it("the answer that came in during a 400 ms stall settles the request (its 100 ms timeout expired meanwhile)", async () => {
    for (let i = 0; i < 5; i++) {
      const request = link.transact("normal", (c) => c.readHoldingRegisters(0, 2));
      // modbus-serial writes the request a few microtasks later (its write chain): let it go out, then stall.
      for (let k = 0; k < 5; k++) await Promise.resolve();
      busy(400);
      const r = await request;
      assert.equal(r.data.length, 2, `attempt ${i}`);
    }
  });

  it("a request the peer never answers (frozen with SIGSTOP) still times out", async () => {
    peer.proc.kill("SIGSTOP");
    try {
      const t0 = Date.now();
      await assert.rejects(link.transact("normal", (c) => c.readHoldingRegisters(0, 2)), RequestTimeoutError);
      const took = Date.now() - t0;
      assert.ok(took >= 100 && took < 1000, `timed out after ${took} ms`);
    } finally {
      peer.proc.kill("SIGCONT");
    }
  });
});
