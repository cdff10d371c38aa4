// The socket gateway as the runtime wires it: the real AuthService (login over REST, session cookie), the
// real operation runner, the virtual plant's tags and the line / interlock / alarm state.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { ClientToServerEvents, ServerToClientEvents, SessionInfo, TagBatch } from "../../src/server/socket-contract.js";
import { adminClient } from "../helpers/api-client.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";

type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

describe("e2e: socket gateway in the runtime (real auth, virtual plant)", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  const clients: Client[] = [];

  before(async () => {
    tc = await realConfigOnFreePorts();
    ({ runtime, dataDir } = testRuntime(tc, { simPurged: false }));
    ({ url } = await runtime.start());
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  const open = (cookie?: string): Client => {
    const c: Client = connect(url, { reconnection: false, forceNew: true, transports: ["websocket"], ...(cookie ? { extraHeaders: { cookie } } : {}) });
    clients.push(c);
    return c;
  };

  it("refuses a socket without a login", async () => {
    const err = await new Promise<Error>((resolve, reject) => {
      const c = open();
      c.once("connect", () => reject(new Error("connected without a session")));
      c.once("connect_error", resolve);
    });
    assert.match(err.message, /^SCADA_ERR_AUTH_REQUIRED: /);
  });

  it("after a login: session info, line / interlock / alarm state, live tag values; logout ends the socket", async () => {
    const api = await adminClient(url);
    const c = open(api.cookie);
    let info: SessionInfo | undefined;
    const states: Record<string, unknown> = {};
    const batches: TagBatch[] = [];
    const expired: string[] = [];
    let disconnected = "";
    c.on("session", (s) => (info = s));
    c.on("line", (s) => (states.line = s));
    c.on("interlocks", (s) => (states.interlocks = s));
    c.on("alarms", (s) => (states.alarms = s));
    c.on("tags", (b) => batches.push(b));
    c.on("session:expired", (e) => expired.push(e.reason));
    c.on("disconnect", (r) => (disconnected = r));
    await waitFor("session and state", 5000, () => info !== undefined && Object.keys(states).length === 3);
    assert.equal(info!.user, "admin");
    assert.equal(info!.role, "admin");
    // The same JSON as the REST routes (values move on between the push and the request: compare the shape).
    const keys = (x: unknown) => Object.keys(x as object).sort();
    assert.deepEqual(keys(states.line), keys(await api.getJson("/api/line")));
    assert.deepEqual(keys(states.interlocks), keys(await api.getJson("/api/interlocks")));
    const ids = (x: unknown) => (x as { alarms: { id: string }[] }).alarms.map((a) => a.id).sort();
    assert.deepEqual(ids(states.alarms), ids(await api.getJson("/api/alarms")));

    const ack = await c.timeout(5000).emitWithAck("subscribe", ["htr.web_temp", "line-plc.heartbeat", "no.such"]);
    assert.deepEqual(ack, { ok: true, result: { subscribed: ["htr.web_temp", "line-plc.heartbeat"], unknown: ["no.such"] } });
    await waitFor("heartbeat deltas", 5000, () => batches.filter((b) => b.changes.some((x) => x.name === "line-plc.heartbeat")).length >= 3);
    assert.ok(batches.every((b) => b.changes.every((x) => x.name === "htr.web_temp" || x.name === "line-plc.heartbeat")));

    // An operation over the socket goes through the runner (a malformed one is refused with its reason).
    const bad = await c.timeout(5000).emitWithAck("operate", { op: "line.command", input: { command: "explode" } } as never);
    assert.equal(bad.ok, false);

    const out = await api.post("/api/logout");
    assert.ok(out.status === 200 || out.status === 204, `logout ${out.status}`);
    await waitFor("socket closed", 5000, () => disconnected !== "");
    assert.equal(expired.length, 1);
    assert.equal(disconnected, "io server disconnect");
  });
});
