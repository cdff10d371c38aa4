import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { TagJson } from "../../src/server/tag-routes.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";
import { type ApiClient, adminClient } from "../helpers/api-client.js";

const run = promisify(execFile);

/** The whole runtime (virtual plant + drivers + HTTP) on the real plc-config, over loopback on free ports. */
describe("e2e: runtime on the virtual plant", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  let api: ApiClient;

  const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await api.get(path);
    return { status: res.status, body: (await res.json()) as T };
  };
  const tagsNow = async (): Promise<TagJson[]> => (await getJson<{ tags: TagJson[] }>("/api/tags")).body.tags;
  const setFault = (name: string, active: boolean) =>
    api.post(`/api/sim/faults/${name}`, { active });

  before(async () => {
    tc = await realConfigOnFreePorts();
    ({ runtime, dataDir } = testRuntime(tc, { simPurged: false, historian: "auto" }));
    ({ url } = await runtime.start());
    api = await adminClient(url);
  });

  after(async () => {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("every tag of the line is Good within 10 s of start, with units and time stamps", async () => {
    await waitFor("every tag Good", 10_000, async () => (await tagsNow()).every((t) => t.quality === "Good"), 100);
    const tags = await tagsNow();
    assert.equal(tags.length, tc.config.tags.length);
    for (const t of tags) {
      assert.notEqual(t.value, null, t.name);
      assert.ok(t.sourceTs && t.serverTs, `${t.name} has time stamps`);
      assert.equal(t.units, tc.config.tags.find((c) => c.name === t.name)!.units);
    }
    const webTemp = tags.find((t) => t.name === "htr.web_temp")!;
    assert.ok(typeof webTemp.value === "number" && webTemp.value > 250 && webTemp.value < 400, `web at room temperature: ${webTemp.value}`);
  });

  it("/readyz is 200 with every device OK; /healthz alive", async () => {
    await waitFor("ready", 5000, async () => (await fetch(`${url}/readyz`)).status === 200);
    const r = await getJson<{ ready: boolean; devices: { id: string; state: string }[] }>("/readyz");
    assert.equal(r.body.ready, true);
    assert.deepEqual(r.body.devices.map((d) => [d.id, d.state]).sort(), [["htr-plc", "OK"], ["line-plc", "OK"]]);
    assert.deepEqual((await getJson("/healthz")).body, { status: "alive" });
  });

  it("the PLC heartbeats are counting", async () => {
    const hb = async () => (await getJson<TagJson>("/api/tags/htr-plc.heartbeat")).body.value as number;
    const a = await hb();
    await new Promise((r) => setTimeout(r, 600)); // a measuring window: the heartbeat's count over 600 ms
    const b = await hb();
    assert.ok(b - a >= 3 && b - a <= 9, `htr-plc heartbeat advanced ${b - a} in 600 ms`);
  });

  it("an unknown tag is a 404 with the standard error body; an unknown route too", async () => {
    const r = await getJson<{ error: { code: string; message: string } }>("/api/tags/htr.nope");
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, "SCADA_ERR_TAG_UNKNOWN");
    assert.match(r.body.error.message, /htr\.nope/);
    const r2 = await getJson<{ error: { code: string } }>("/api/nothing");
    assert.equal(r2.status, 404);
    assert.equal(r2.body.error.code, "SCADA_ERR_HTTP_NOT_FOUND");
  });

  it("/metrics exposes updates/s, round trips, reconnects, overruns and event-loop delay", async () => {
    const text = await (await api.get("/metrics")).text();
    for (const m of [
      "scada_tag_updates_per_second",
      "scada_tag_updates_total",
      "scada_driver_round_trip_seconds_bucket",
      "scada_driver_reconnects_total",
      "scada_modbus_poll_overruns_total",
      "scada_event_loop_delay_seconds",
    ]) assert.ok(text.includes(m), `metrics lack ${m}`);
    const updates = Number(/scada_tag_updates_total (\d+)/.exec(text)?.[1]);
    assert.ok(updates > 100, `updates counted: ${updates}`);
  });

  it("mbpoll (an independent Modbus client) reads the plant and agrees with /api/tags", async () => {
    const mb = async (args: string[]): Promise<number[]> => {
      const { stdout } = await run("mbpoll", ["-m", "tcp", "-p", String(tc.modbusPort), "-a", "1", "-0", "-1", "-q", ...args, "127.0.0.1"]);
      return [...stdout.matchAll(/\[(\d+)\]:\s+(-?[\d.]+)/g)].map((m) => Number(m[2]));
    };
    const [speedSp] = await mb(["-t", "4:float", "-B", "-r", "0", "-c", "1"]);
    const [hopperRaw] = await mb(["-t", "3", "-r", "6", "-c", "1"]);
    const coils = await mb(["-t", "0", "-r", "0", "-c", "5"]);
    const tags = await tagsNow();
    const v = (n: string) => tags.find((t) => t.name === n)!.value;
    assert.ok(Math.abs(speedSp! - (v("feed.web_speed_sp") as number)) < 1e-3, `web_speed_sp mbpoll ${speedSp} vs ${v("feed.web_speed_sp")}`);
    assert.ok(Math.abs(hopperRaw! / 100 - (v("feed.hopper_level") as number)) <= 0.05, `hopper mbpoll ${hopperRaw} raw vs ${v("feed.hopper_level")} %`);
    assert.deepEqual(
      coils.map((c) => c === 1),
      ["feed.drives_run", "feed.doser_on", "feed.index_cmd", "rinse.pump_on", "rinse.dryer_on"].map((n) => v(n)),
    );
  });

  it("lists the faults of PROCESS.md and refuses unknown faults and bad bodies", async () => {
    const r = await getJson<{ faults: { name: string; active: boolean }[] }>("/api/sim/faults");
    const names = r.body.faults.map((f) => f.name).sort();
    for (const f of ["web-break", "door-open", "argon-loss", "coolant-loss", "pyrometer-frozen", "pyrometer-bad", "htr-plc-comm-loss", "line-plc-comm-loss", "overcurrent", "hopper-empty", "estop"]) {
      assert.ok(names.includes(f), `fault ${f} listed`);
    }
    const unknown = await setFault("meteor-strike", true);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "SCADA_ERR_SIM_FAULT_UNKNOWN");
    const badBody = await api.post("/api/sim/faults/door-open", '{"active":"yes"}');
    assert.equal(badBody.status, 400);
    const malformed = await api.post("/api/sim/faults/door-open", "{not json");
    assert.equal(malformed.status, 400);
    assert.equal((await getJson<{ faults: { name: string; active: boolean }[] }>("/api/sim/faults")).body.faults.filter((f) => f.active).length, 0, "nothing changed");
  });

  it("a door-open fault shows in the tags within a second, and clears", async () => {
    assert.equal((await setFault("door-open", true)).status, 200);
    await waitFor("door open seen", 1000, async () => (await getJson<TagJson>("/api/tags/htr.door_closed")).body.value === false);
    await setFault("door-open", false);
    await waitFor("door closed again", 1000, async () => (await getJson<TagJson>("/api/tags/htr.door_closed")).body.value === true);
  });

  it("the tag listeners run in the composition root's order, interlocks first; one that throws is counted in /metrics and the others still run", async () => {
    const order = runtime.tags.listeners().map((l) => l.name);
    assert.deepEqual(order, ["interlocks", "alarms", "historian", "rolls", "socket gateway"], `listener order: ${order.join(", ")}`);
    let throws = 0;
    const off = runtime.tags.onChange((c) => {
      if (c.name === "htr.door_closed") {
        throws++;
        throw new Error("a listener that fails");
      }
    }, "e2e-throwing");
    try {
      assert.equal((await setFault("door-open", true)).status, 200);
      // The interlocks saw the door open (IL-07's cause present) and the alarm on it came up, in spite of the thrower.
      const il07 = () => runtime.interlocks.status().interlocks.find((i) => i.id === "IL-07");
      await waitFor("IL-07's cause present", 5000, () => il07()?.cause === "present", { everyMs: 20, observe: () => il07() });
      await setFault("door-open", false);
      await waitFor("door closed again", 2000, async () => (await getJson<TagJson>("/api/tags/htr.door_closed")).body.value === true);
      assert.ok(throws >= 2, `the thrower ran on both changes (${throws})`);
      const text = await (await api.get("/metrics")).text();
      const counted = Number(/scada_tag_listener_errors_total\{listener="e2e-throwing"\} (\d+)/.exec(text)?.[1]);
      assert.equal(counted, throws, "each throw counted");
      assert.match(text, /scada_tag_listener_errors_total\{listener="interlocks"\} 0/);
    } finally {
      off();
      await setFault("door-open", false);
    }
  });

  for (const [device, fault, probe] of [
    ["htr-plc", "htr-plc-comm-loss", "htr.web_temp"],
    ["line-plc", "line-plc-comm-loss", "feed.web_speed"],
  ] as const) {
    it(`${device} communication loss: its tags Bad within 1 s, DOWN in /readyz with a reason; recovers within 5 s without restart`, async () => {
      await waitFor("all Good before", 10_000, async () => (await tagsNow()).every((t) => t.quality === "Good"), 50);
      assert.equal((await setFault(fault, true)).status, 200);
      const badIn = await waitFor(`${device} tags Bad`, 1000, async () => {
        const tags = await tagsNow();
        return tags.filter((t) => t.device === device).every((t) => t.quality === "Bad");
      });
      const others = (await tagsNow()).filter((t) => t.device !== device);
      assert.ok(others.every((t) => t.quality === "Good"), "the other PLC's tags stay Good");
      const ready = await getJson<{ ready: boolean; devices: { id: string; state: string; reason: string }[] }>("/readyz");
      assert.equal(ready.status, 503);
      const d = ready.body.devices.find((x) => x.id === device)!;
      assert.equal(d.state, "DOWN");
      assert.ok(d.reason.length > 0, "DOWN has a reason");
      const probeTag = (await getJson<TagJson>(`/api/tags/${probe}`)).body;
      assert.equal(probeTag.quality, "Bad");
      assert.ok(probeTag.qualityReason.length > 0);

      assert.equal((await setFault(fault, false)).status, 200);
      const goodIn = await waitFor(`${device} tags Good again`, 5000, async () =>
        (await tagsNow()).filter((t) => t.device === device).every((t) => t.quality === "Good"), 50);
      await waitFor("ready again", 2000, async () => (await fetch(`${url}/readyz`)).status === 200);
      console.log(`      ${device}: Bad after ${badIn} ms, Good again after ${goodIn} ms`);
    });
  }
});
