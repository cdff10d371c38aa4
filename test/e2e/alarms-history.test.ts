import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";
import { type ApiClient, adminClient, newUserClient, setSimFault } from "../helpers/api-client.js";

interface AlarmJson {
  id: string;
  state: string;
  ackedBy: string | null;
  shelvedUntil: number | null;
  shelveReason: string | null;
}
interface EventRowJson {
  t: number;
  values: Record<string, string | number | null>;
}

/**
 * Alarms raised by faults injected into the virtual plant, acknowledged and shelved through the REST API,
 * every transition in the historian (a managed local influxd, as `npm start` runs it), the KPIs over the
 * run, and trends / CSV / state history from the same historian.
 */
describe("e2e: alarms from injected faults, their history and KPIs; trends from the managed historian", function () {
  this.timeout(180_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let dataDir: string;
  let url: string;
  /** Logged in as a process engineer (drives the plant's faults, acknowledges and shelves alarms). */
  let api: ApiClient;
  const t0 = Date.now();
  /** From when the historian has data. */
  let tData = 0;

  const get = async <T>(path: string) => {
    const res = await api.get(path);
    return { status: res.status, body: (await res.json()) as T };
  };
  const post = async (path: string, body: unknown) => {
    const res = await api.post(path, body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const alarm = async (id: string) => (await get<{ alarms: AlarmJson[] }>("/api/alarms")).body.alarms.find((a) => a.id === id)!;
  const setFault = (name: string, active: boolean) => setSimFault(api, name, active);

  before(async () => {
    tc = await realConfigOnFreePorts();
    ({ runtime, dataDir } = testRuntime(tc, {
      historian: "auto",
      historianTuning: { cqRunInterval: "1s", cq1s: { every: "1s", for: "30s" }, cq1m: { every: "10s", for: "5m" }, flushIntervalMs: 200 },
    }));
    ({ url } = await runtime.start());
    api = await newUserClient(await adminClient(url), "eng1", "engineer");
    await waitForTagsGood(runtime, 15_000);
    await waitFor("managed historian online", 15_000, () => runtime.historian?.status().online === true && runtime.historian.status().schemaReady, 100);
    assert.equal(runtime.historian!.status().mode, "managed");
    tData = Date.now();
  });

  after(async () => {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("e-stop: HTR-ESTOP and IL-01-TRIP active; ack through the API; back to normal once released, acked and the interlock reset", async () => {
    await setFault("estop", true);
    await waitFor("HTR-ESTOP unack-active", 5000, async () => (await alarm("HTR-ESTOP")).state === "unack-active");
    await waitFor("IL-01-TRIP unack-active", 5000, async () => (await alarm("IL-01-TRIP")).state === "unack-active");
    const ack = await post("/api/alarms/HTR-ESTOP/ack", {});
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const acked = await alarm("HTR-ESTOP");
    assert.equal(acked.state, "ack-active");
    assert.equal(acked.ackedBy, "eng1 (engineer)", "who acknowledged: the logged-in user and role");
    const again = await post("/api/alarms/HTR-ESTOP/ack", {});
    assert.equal(again.status, 409, "an acknowledged alarm cannot be acknowledged again");
    await setFault("estop", false);
    await waitFor("HTR-ESTOP normal", 5000, async () => (await alarm("HTR-ESTOP")).state === "normal");
    await post("/api/interlocks/reset", {});
    await post("/api/alarms/IL-01-TRIP/ack", {});
    await waitFor("IL-01-TRIP normal", 5000, async () => (await alarm("IL-01-TRIP")).state === "normal");
  });

  it("shelve with a reason and an expiry, unshelve; refusals (unknown alarm, no reason, bad minutes) change nothing", async () => {
    await setFault("door-open", true);
    await waitFor("HTR-DOOR-OPEN active or suppressed by design", 5000, async () => ["unack-active", "suppressed"].includes((await alarm("HTR-DOOR-OPEN")).state));
    await waitFor("IL-07-TRIP unack-active", 5000, async () => (await alarm("IL-07-TRIP")).state === "unack-active");
    const before = await alarm("IL-07-TRIP");
    assert.equal((await post("/api/alarms/NO-SUCH/shelve", { minutes: 10, reason: "test" })).status, 404);
    const noReason = await post("/api/alarms/IL-07-TRIP/shelve", { minutes: 10 });
    assert.equal(noReason.status, 400);
    assert.match(String((noReason.body.error as { message: string }).message), /reason/);
    assert.equal((await post("/api/alarms/IL-07-TRIP/shelve", { minutes: 0, reason: "maintenance" })).status, 400);
    assert.equal((await post("/api/alarms/IL-07-TRIP/shelve", { minutes: 10, reason: "x", extra: 1 })).status, 400);
    assert.deepEqual(await alarm("IL-07-TRIP"), before, "refusals changed nothing");
    const shelved = await post("/api/alarms/IL-07-TRIP/shelve", { minutes: 30, reason: "door open for the pyrometer window clean" });
    assert.equal(shelved.status, 200, JSON.stringify(shelved.body));
    const s = await alarm("IL-07-TRIP");
    assert.equal(s.state, "shelved");
    assert.equal(s.shelveReason, "door open for the pyrometer window clean");
    assert.ok(s.shelvedUntil! > Date.now() + 29 * 60_000 && s.shelvedUntil! < Date.now() + 31 * 60_000);
    assert.equal((await post("/api/alarms/IL-07-TRIP/unshelve", {})).status, 200);
    assert.equal((await alarm("IL-07-TRIP")).state, "unack-active", "still tripped: back unacknowledged");
    await setFault("door-open", false);
    await post("/api/interlocks/reset", {});
    await post("/api/alarms/IL-07-TRIP/ack", {});
  });

  it("a chattering e-stop (3 activations in a minute): the alarm history has every transition with who; the KPIs name it", async () => {
    for (let i = 0; i < 3; i++) {
      await setFault("estop", true);
      await waitFor("HTR-ESTOP active", 5000, async () => (await alarm("HTR-ESTOP")).state === "unack-active");
      await setFault("estop", false);
      await waitFor("HTR-ESTOP rtn-unack", 5000, async () => (await alarm("HTR-ESTOP")).state === "rtn-unack");
    }
    await post("/api/alarms/HTR-ESTOP/ack", {});
    await post("/api/interlocks/reset", {});
    // The historian flushes every 200 ms: until the 4 activations and both acknowledgements are stored.
    const stored = async () => {
      const events = (await get<{ events?: EventRowJson[] }>(`/api/alarms/history?alarm=HTR-ESTOP&from=${t0}`)).body.events ?? [];
      return events.map((e) => `${e.values.transition}:${e.values.to}`);
    };
    await waitFor("HTR-ESTOP's transitions in the alarm history", 10_000, async () => {
      const transitions = await stored();
      return transitions.filter((t) => t === "activate:unack-active").length >= 4 && transitions.filter((t) => t.startsWith("ack:")).length >= 2;
    }, { everyMs: 100, observe: stored });
    const hist = await get<{ events: EventRowJson[] }>(`/api/alarms/history?alarm=HTR-ESTOP&from=${t0}`);
    assert.equal(hist.status, 200, JSON.stringify(hist.body));
    const transitions = hist.body.events.map((e) => `${e.values.transition}:${e.values.to}`).reverse();
    assert.equal(transitions.filter((t) => t === "activate:unack-active").length, 4, transitions.join(" "));
    assert.ok(transitions.includes("ack:ack-active"), transitions.join(" "));
    const ackEvent = hist.body.events.find((e) => e.values.transition === "ack");
    assert.equal(ackEvent?.values.user, "eng1 (engineer)", "the alarm history names who acknowledged");
    const byPriority = await get<{ events: EventRowJson[] }>(`/api/alarms/history?priority=critical&from=${t0}`);
    assert.ok(byPriority.body.events.length > 0 && byPriority.body.events.every((e) => e.values.priority === "critical"));
    assert.equal((await get(`/api/alarms/history?priority=crit'ical`)).status, 400, "filter values are checked");

    const kpis = await get<{
      alarms: number;
      chattering: { alarmId: string; activations: number }[];
      badActors: { alarmId: string; count: number }[];
      priorities: Record<string, { count: number }>;
      floods: unknown[];
    }>(`/api/alarms/kpis?from=${t0}`);
    assert.equal(kpis.status, 200, JSON.stringify(kpis.body));
    assert.ok(kpis.body.chattering.some((c) => c.alarmId === "HTR-ESTOP"), JSON.stringify(kpis.body.chattering));
    assert.equal(kpis.body.badActors[0]?.alarmId, "HTR-ESTOP", JSON.stringify(kpis.body.badActors));
    assert.ok(kpis.body.priorities.critical!.count >= 4);
    console.log(`      KPIs over the run: ${kpis.body.alarms} alarms, chattering ${JSON.stringify(kpis.body.chattering)}, top ${JSON.stringify(kpis.body.badActors.slice(0, 3))}`);
  });

  it("trends: about N points per tag with min / max; CSV export; line and interlock state history; bad queries are 400 / 404", async () => {
    // The condition is the clock itself: 12 s of recorded history, to be cut into 40 buckets.
    await new Promise((r) => setTimeout(r, Math.max(0, tData + 12_000 - Date.now())));
    const h = await get<{ source: string; series: { tag: string; points: { t: number; value: number | null; min: number | null; max: number | null }[] }[] }>(
      `/api/history?tags=htr.web_temp,htr-plc.heartbeat&from=${tData}&to=${Date.now() - 500}&points=40`,
    );
    assert.equal(h.status, 200, JSON.stringify(h.body));
    for (const s of h.body.series) {
      assert.ok(s.points.length >= 32 && s.points.length <= 48, `${s.tag}: ${s.points.length} points for 40 asked (${JSON.stringify({ ...h.body, series: undefined })})`);
      // min ≤ mean ≤ max in every bucket (the mean of equal values may differ from them in the last bit).
      const eps = (x: number) => Math.abs(x) * 1e-9;
      for (const p of s.points.filter((x) => x.value !== null)) {
        assert.ok(p.min! - eps(p.min!) <= p.value! && p.value! <= p.max! + eps(p.max!), `${s.tag}: min ≤ mean ≤ max in ${JSON.stringify(p)}`);
      }
    }
    const csv = await api.get(`/api/history?tags=htr.web_temp&from=${tData}&points=10&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /text\/csv/);
    const lines = (await csv.text()).trim().split("\n");
    assert.match(lines[0]!, /^tag,time,t_ms,value,min,max,quality/);
    assert.ok(lines.length >= 9, `header + about 10 buckets: ${lines.length} lines`);
    const states = await get<{ transitions: EventRowJson[] }>(`/api/line/history?from=${t0}&scope=IL-01`);
    assert.ok(states.body.transitions.some((t) => t.values.to === "trip"), JSON.stringify(states.body).slice(0, 300));
    assert.equal((await get("/api/history?tags=no.such_tag")).status, 404);
    assert.equal((await get("/api/history?tags=htr.web_temp&points=0")).status, 400);
    assert.equal((await get("/api/history?tags=htr.web_temp&from=yesterday-ish")).status, 400);
    assert.equal((await get("/api/history")).status, 400);
  });
});
