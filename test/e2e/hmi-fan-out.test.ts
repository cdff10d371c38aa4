import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Socket, io as connect } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents, TagBatch } from "../../src/server/socket-contract.js";
import { ALIVE_MS } from "../../src/server/socket-cluster-contract.js";
import { CLUSTER_REQUEST_TIMEOUT_MS } from "../../src/server/socket-web-backend.js";
import { type ApiClient, adminClient, apiClient, setSimFault, TEST_ADMIN_PASSWORD } from "../helpers/api-client.js";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { startTestRedis, type TestRedis } from "../helpers/redis.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

type HmiSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Watched {
  readonly socket: HmiSocket;
  readonly values: Map<string, unknown>;
  readonly interlocks: { id: string; state: string }[][];
  readonly expired: string[];
}

/** An HMI client of `url` with a session cookie: tag values, interlock pushes and session ends kept. */
async function hmiClient(url: string, cookie: string): Promise<Watched> {
  const socket: HmiSocket = connect(url, { reconnection: false, forceNew: true, transports: ["websocket"], extraHeaders: { cookie } });
  const w: Watched = { socket, values: new Map(), interlocks: [], expired: [] };
  socket.on("tags", (b: TagBatch) => {
    for (const c of b.changes) w.values.set(c.name, c.value);
  });
  socket.on("interlocks", (s) => w.interlocks.push(s.interlocks.map((i) => ({ id: i.id, state: i.state }))));
  socket.on("session:expired", (info) => w.expired.push(info.reason));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return w;
}

const il07 = (w: Watched) => w.interlocks.at(-1)?.find((i) => i.id === "IL-07")?.state;

/**
 * One line (`htr-scada start --sim`) and two web processes (`htr-scada web`) on a real redis-server: the
 * HMI's socket served from three processes. A change made at the virtual plant reaches clients of all
 * three; an operation through a web process runs in the line's one runner as the session's user and is
 * audited; sessions are checked the same way in each (none → refused, logged out at the line → ended on
 * the web process); a web process killed with SIGKILL changes nothing for the others.
 */
describe("e2e: HMI fan-out — two web processes behind the Redis streams adapter (real redis-server)", function () {
  this.timeout(150_000);
  let tc: TestConfig;
  let redis: TestRedis;
  let dataDir: string;
  let line: Child;
  const webs: Child[] = [];
  const webUrls: string[] = [];
  let lineUrl = "";
  let admin: ApiClient;
  const clients: Watched[] = [];
  let websStartedAt = 0;

  before(async () => {
    tc = await realConfigOnFreePorts();
    redis = await startTestRedis();
    dataDir = mkdtempSync(join(tmpdir(), "scada-fanout-"));
    const port = await freePort();
    lineUrl = `http://127.0.0.1:${port}`;
    line = spawnScada(["start", "--sim", "--purged"], { PORT: String(port), SCADA_CONFIG_DIR: tc.dir, SCADA_DATA_DIR: dataDir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_REDIS_URL: redis.url });
    await line.waitForOutput("HTR SCADA", 60_000);
    websStartedAt = Date.now();
    for (const _ of [0, 1]) {
      const p = await freePort();
      const web = spawnScada(["web", "--port", String(p)], { SCADA_CONFIG_DIR: tc.dir, SCADA_DATA_DIR: dataDir, SCADA_REDIS_URL: redis.url });
      webs.push(web);
      webUrls.push(`http://127.0.0.1:${p}`);
    }
    for (const web of webs) await web.waitForOutput("HMI web process ready", 30_000);
    admin = await adminClient(lineUrl);
  });

  after(async () => {
    for (const c of clients) c.socket.close();
    for (const w of webs) await w.kill("SIGTERM");
    await line?.kill("SIGTERM");
    await redis?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("a door opened at the virtual plant reaches clients of both web processes and of the line: the tag and the IL-07 trip", async () => {
    for (const url of [...webUrls, lineUrl]) clients.push(await hmiClient(url, admin.cookie));
    for (const c of clients) {
      const ack = await c.socket.emitWithAck("subscribe", ["htr.door_closed", "no.such_tag"]);
      assert.deepEqual(ack, { ok: true, result: { subscribed: ["htr.door_closed"], unknown: ["no.such_tag"] } }, "the line's answer, through Redis for the web processes");
    }
    await waitFor("the first value and interlock state at every client", 10_000, () => clients.every((c) => c.values.get("htr.door_closed") === true && il07(c) !== undefined), {
      everyMs: 50,
      observe: () => clients.map((c) => [c.values.get("htr.door_closed"), il07(c)]),
    });
    await setSimFault(admin, "door-open", true);
    await waitFor("the open door and the IL-07 trip at every client", 10_000, () => clients.every((c) => c.values.get("htr.door_closed") === false && il07(c) === "tripped"), {
      everyMs: 50,
      observe: () => clients.map((c) => [c.values.get("htr.door_closed"), il07(c)]),
    });
    await setSimFault(admin, "door-open", false);
    await waitFor("the door closed again at every client", 10_000, () => clients.every((c) => c.values.get("htr.door_closed") === true), { everyMs: 50, observe: () => clients.map((c) => c.values.get("htr.door_closed")) });

    // Clients that connected once a web process said "ready" stay connected through its start: an alive sent
    // before its stream reader was up (never answered) must not mark the line unreachable and close them.
    const settled = websStartedAt + CLUSTER_REQUEST_TIMEOUT_MS + 2 * ALIVE_MS + 500 - Date.now();
    if (settled > 0) await new Promise((r) => setTimeout(r, settled)); // nothing more may happen meanwhile
    assert.deepEqual(clients.map((c) => c.socket.connected), [true, true, true], "no client closed by its web process during the start");
    for (const web of webs) assert.doesNotMatch(web.output(), /does not answer/, "no gap seen by a web process at its start");
  });

  it("an operation through a web process runs in the line's runner as the session's user and is audited; a viewer's is refused", async () => {
    const viaWeb = clients[1]!;
    const ok = await viaWeb.socket.emitWithAck("operate", { op: "line.mode", input: { mode: "Maintenance" } });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    await waitFor("the line in Maintenance", 5000, async () => (await admin.getJson<{ mode: string }>("/api/line")).mode === "Maintenance", 100);
    const back = await viaWeb.socket.emitWithAck("operate", { op: "line.mode", input: { mode: "Production" } });
    assert.equal(back.ok, true, JSON.stringify(back));

    const created = await admin.post("/api/users", { name: "ann", role: "viewer", password: "viewer-secret-2026-x" });
    assert.equal(created.status, 201, await created.text());
    const viewer = await apiClient(lineUrl, "ann", "viewer-secret-2026-x");
    const v = await hmiClient(webUrls[0]!, viewer.cookie);
    clients.push(v);
    const refused = await v.socket.emitWithAck("operate", { op: "line.mode", input: { mode: "Maintenance" } });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
    const bad = await v.socket.emitWithAck("operate", { op: "no.such", input: {} } as never);
    assert.equal(!bad.ok && bad.error.code, "SCADA_ERR_OPERATION_UNKNOWN", "the line's own validation, answered through Redis");

    const records = (await admin.getJson<{ records: { user: string; action: string; result: string; newValue: unknown }[] }>("/api/audit?action=line.mode&limit=50")).records;
    assert.ok(records.some((r) => r.user === "admin" && r.result === "ok" && JSON.stringify(r.newValue).includes("Maintenance")), "the change through the web process recorded under admin");
    assert.ok(records.some((r) => r.user === "ann" && r.result === "refused"), "the viewer's refusal recorded");
  });

  it("sessions are checked the same way in each process: no cookie refused at a web process; a logout at the line ends its socket there", async () => {
    const anonymous: HmiSocket = connect(webUrls[0]!, { reconnection: false, forceNew: true, transports: ["websocket"] });
    const refusal = await new Promise<string>((resolve) => {
      anonymous.once("connect", () => resolve("connected"));
      anonymous.once("connect_error", (err) => resolve(err.message));
    });
    anonymous.close();
    assert.notEqual(refusal, "connected");
    assert.match(refusal, /session|log in/i);

    const user = await adminClient(lineUrl);
    const c = await hmiClient(webUrls[1]!, user.cookie);
    clients.push(c);
    const out = await user.post("/api/logout");
    assert.equal(out.status, 200, await out.text());
    await waitFor("the web process's socket told and closed", 5000, () => c.expired.length > 0 && c.socket.disconnected, { everyMs: 50, observe: () => [c.expired, c.socket.connected] });
  });

  it("a web process killed with SIGKILL: the other's clients still get every change, and its /readyz stays ready", async () => {
    await webs[0]!.kill("SIGKILL");
    const survivor = clients[1]!;
    await setSimFault(admin, "door-open", true);
    await waitFor("the open door at the other web process's client", 10_000, () => survivor.values.get("htr.door_closed") === false, { everyMs: 50, observe: () => survivor.values.get("htr.door_closed") });
    await setSimFault(admin, "door-open", false);
    await waitFor("closed again", 10_000, () => survivor.values.get("htr.door_closed") === true, 50);
    const ready = await fetch(`${webUrls[1]}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
    const api = await fetch(`${webUrls[1]}/api/line`);
    assert.equal(api.status, 404, "a web process serves no REST: the proxy sends /api to the line");
    await api.text();
  });

  it("Redis stopped: the line's own clients still get every change, the web process says not ready; Redis back: its clients reconnect to a fresh state", async () => {
    const own = clients[2]!;
    const old = await hmiClient(webUrls[1]!, admin.cookie);
    clients.push(old);
    await redis.stop();
    await waitFor("the web process not ready", 10_000, async () => (await fetch(`${webUrls[1]}/readyz`)).status === 503, 200);
    await setSimFault(admin, "door-open", true);
    await waitFor("the open door at the line's own client", 10_000, () => own.values.get("htr.door_closed") === false, { everyMs: 50, observe: () => own.values.get("htr.door_closed") });
    assert.equal((await admin.getJson<{ state: string }>("/api/line")).state !== undefined, true, "the line answers REST meanwhile");
    await redis.start();
    await waitFor("the web process ready again", 20_000, async () => (await fetch(`${webUrls[1]}/readyz`)).status === 200, 200);
    await waitFor("its old client closed (it would show values from before the gap)", 10_000, () => old.socket.disconnected, 50);
    const fresh = await hmiClient(webUrls[1]!, admin.cookie);
    clients.push(fresh);
    assert.equal((await fresh.socket.emitWithAck("subscribe", ["htr.door_closed"])).ok, true);
    await waitFor("the open door at a client that connected after the gap", 10_000, () => fresh.values.get("htr.door_closed") === false && il07(fresh) === "tripped", { everyMs: 50, observe: () => [fresh.values.get("htr.door_closed"), il07(fresh)] });
    await setSimFault(admin, "door-open", false);
    await waitFor("closed again, through Redis", 10_000, () => fresh.values.get("htr.door_closed") === true, 50);
    // One line per Redis client and transition (publisher, stream reader, subscriber), not one per retry.
    const lost = line.output().split("\n").filter((l) => l.includes("Redis connection lost")).length;
    assert.ok(lost >= 1 && lost <= 3, `the line logged the outage ${lost} times:\n${line.output().slice(-2000)}`);
    assert.doesNotMatch(line.output(), /unhandled|uncaught/i);
  });
});
