// The realtime gateway over loopback: a real http server on port 0, real socket.io-client sockets, a real
// TagTable; the session port and the operation runner are doubles written here (they record what they get).
import assert from "node:assert/strict";
import { type Server as HttpServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { Registry } from "prom-client";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { WebSocket } from "ws";
import type { Actor } from "../../src/auth/actor.js";
import { type Role, permissionsOf, roleCan } from "../../src/auth/permissions.js";
import { SESSION_COOKIE, type SessionCheck, type SessionPort } from "../../src/auth/session-port.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { GOOD, bad } from "../../src/core/tag-value.js";
import type { OperationChannel, OperationRunner } from "../../src/server/operation-port.js";
import type { Ack, AlarmsJson, ClientToServerEvents, InterlocksJson, LineJson, ServerToClientEvents, SessionInfo, TagBatch } from "../../src/server/socket-contract.js";
import { type SocketGateway, attachSocketGateway } from "../../src/server/socket-gateway.js";
import { TagTable } from "../../src/tags/tag-table.js";
import type { TagConfig } from "../../src/tags/tag-schema.js";
import { waitFor } from "../helpers/wait-for.js";

type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

interface FakeSession {
  readonly id: string;
  user: string;
  role: Role;
  expiresAt: number;
  idleTimeoutMs: number;
  lastActive: number;
  ended?: string;
}

/** A SessionPort double: cookie value → session; idle and absolute expiry on the real clock. */
class FakeSessions implements SessionPort {
  readonly byCookie = new Map<string, FakeSession>();
  readonly byId = new Map<string, FakeSession>();
  readonly touches: string[] = [];
  readonly checks: string[] = [];
  readonly lookups: { cookie: string | undefined; address: string; touch: boolean }[] = [];
  private listeners: ((id: string, reason: string) => void)[] = [];

  add(cookie: string, user: string, role: Role, opts: { idleTimeoutMs?: number; lifetimeMs?: number } = {}): FakeSession {
    const s: FakeSession = {
      id: `sid-${cookie}`,
      user,
      role,
      expiresAt: Date.now() + (opts.lifetimeMs ?? 3_600_000),
      idleTimeoutMs: opts.idleTimeoutMs ?? 900_000,
      lastActive: Date.now(),
    };
    this.byCookie.set(cookie, s);
    this.byId.set(s.id, s);
    return s;
  }

  end(id: string, reason: string): void {
    const s = this.byId.get(id);
    if (s) s.ended = reason;
    for (const l of this.listeners) l(id, reason);
  }

  private verdict(s: FakeSession | undefined, address: string): SessionCheck {
    if (!s) return { ok: false, reason: "unknown session" };
    const now = Date.now();
    if (s.ended) return { ok: false, reason: s.ended };
    if (now >= s.expiresAt) return { ok: false, reason: "absolute lifetime reached" };
    if (now - s.lastActive >= s.idleTimeoutMs) return { ok: false, reason: "idle timeout" };
    const actor: Actor = { user: s.user, role: s.role, address, sessionId: s.id };
    const permissions = roleCanAny(s.role) ? permissionsOf(s.role) : [];
    return { ok: true, session: { actor, csrfToken: "csrf", expiresAt: s.expiresAt, idleTimeoutMs: s.idleTimeoutMs, permissions } };
  }

  sessionFromCookie(cookieHeader: string | undefined, address: string, touch: boolean): SessionCheck {
    this.lookups.push({ cookie: cookieHeader, address, touch });
    const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]*)`).exec(cookieHeader ?? "");
    if (!m) return { ok: false, reason: "no session cookie" };
    return this.verdict(this.byCookie.get(m[1]!), address);
  }
  check(sessionId: string): SessionCheck {
    this.checks.push(sessionId);
    return this.verdict(this.byId.get(sessionId), "10.0.0.1");
  }
  touch(sessionId: string): void {
    this.touches.push(sessionId);
    const s = this.byId.get(sessionId);
    if (s) s.lastActive = Date.now();
  }
  async verifyPassword(): Promise<{ ok: false; reason: string }> {
    return { ok: false, reason: "not in this double" };
  }
  onSessionEnded(listener: (sessionId: string, reason: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}

function roleCanAny(role: string): role is Role {
  return ["viewer", "operator", "engineer", "qa", "admin"].includes(role);
}

/** An OperationRunner double: records every call; runs line.command when the role may. */
class RecordingRunner implements OperationRunner {
  readonly calls: { actor: Actor; channel: OperationChannel; request: unknown }[] = [];
  async run(actor: Actor, channel: OperationChannel, request: unknown): Promise<Ack> {
    this.calls.push({ actor, channel, request });
    const op = (request as { op?: unknown } | null)?.op;
    if (op !== "line.command") return { ok: false, error: { code: "SCADA_ERR_OPERATION_UNKNOWN", message: `unknown operation '${String(op)}'` } };
    if (!roleCan(actor.role, "line:command")) {
      return { ok: false, error: { code: "SCADA_ERR_AUTH_FORBIDDEN", message: `line.command needs permission 'line:command', which role '${actor.role}' does not have` } };
    }
    return { ok: true, result: { accepted: true } };
  }
}

const tag = (name: string, extra: Partial<TagConfig> = {}): TagConfig => ({
  name,
  description: "",
  device: "dev",
  type: "float64",
  quantity: "temperature",
  units: "K",
  updateMs: 100,
  writable: false,
  ...extra,
});
const TAGS = [tag("htr.web_temp"), tag("htr.o2"), tag("quench.gas_flow"), tag("htr.door_closed", { type: "bool", quantity: "state", units: "" })];

/** How long a wait for something the gateway sends may take. */
const WAIT_MS = 3000;
/** Only where a test checks that nothing more happens (or paces a stream): every other wait polls its condition. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("socket gateway (socket.io over loopback)", function () {
  this.timeout(60_000);

  let http: HttpServer;
  let url: string;
  let sessions: FakeSessions;
  let runner: RecordingRunner;
  let table: TagTable;
  let gateway: SocketGateway;
  let registry: Registry;
  /** Partial JSON (the gateway forwards whatever the sources give), typed as the contract's for the sources. */
  let state: { line: unknown; interlocks: unknown; alarms: unknown };
  const clients: Client[] = [];

  const put = (name: string, value: number | boolean, quality = GOOD) =>
    table.onUpdates([{ name, value, quality, sourceTs: Date.now() - 3, serverTs: Date.now() }]);

  async function start(opts: { tickMs?: number; minGapMs?: number; sessionCheckMs?: number } = {}): Promise<void> {
    http = createServer((_req, res) => res.writeHead(404).end());
    sessions = new FakeSessions();
    runner = new RecordingRunner();
    table = new TagTable(TAGS, systemClock);
    registry = new Registry();
    state = { line: { state: "Idle", mode: "auto" }, interlocks: { tripped: [] }, alarms: { alarms: [], counts: {} } };
    gateway = attachSocketGateway(http, {
      auth: sessions,
      operations: runner,
      tags: table,
      state: { line: () => state.line as LineJson, interlocks: () => state.interlocks as InterlocksJson, alarms: () => state.alarms as AlarmsJson },
      logger: silentLogger(),
      registry,
      tickMs: opts.tickMs ?? 50,
      ...(opts.minGapMs === undefined ? {} : { minGapMs: opts.minGapMs }),
      sessionCheckMs: opts.sessionCheckMs ?? 50,
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  function client(cookie: string | undefined, opts: { transports?: ("websocket" | "polling")[]; origin?: string } = {}): Client {
    const headers: Record<string, string> = {};
    if (cookie !== undefined) headers.cookie = `${SESSION_COOKIE}=${cookie}`;
    if (opts.origin) headers.origin = opts.origin;
    const c: Client = connect(url, { reconnection: false, forceNew: true, extraHeaders: headers, ...(opts.transports ? { transports: opts.transports } : {}) });
    clients.push(c);
    return c;
  }

  /** Connects and collects what the server pushes. */
  async function connected(cookie: string, transports?: ("websocket" | "polling")[]) {
    const c = client(cookie, transports ? { transports } : {});
    const got = {
      session: [] as SessionInfo[],
      tags: [] as TagBatch[],
      line: [] as unknown[],
      interlocks: [] as unknown[],
      alarms: [] as unknown[],
      expired: [] as { reason: string }[],
      disconnects: [] as string[],
      order: [] as string[],
    };
    c.on("session", (s) => (got.session.push(s), got.order.push("session")));
    c.on("tags", (b) => (got.tags.push(b), got.order.push("tags")));
    c.on("line", (s) => (got.line.push(s), got.order.push("line")));
    c.on("interlocks", (s) => (got.interlocks.push(s), got.order.push("interlocks")));
    c.on("alarms", (s) => (got.alarms.push(s), got.order.push("alarms")));
    c.on("session:expired", (e) => (got.expired.push(e), got.order.push("session:expired")));
    c.on("disconnect", (reason) => (got.disconnects.push(reason), got.order.push("disconnect")));
    await new Promise<void>((resolve, reject) => {
      c.once("connect", () => resolve());
      c.once("connect_error", reject);
    });
    await waitFor("session info", WAIT_MS, () => got.session.length === 1);
    return { c, got };
  }

  function refusal(c: Client): Promise<Error & { data?: unknown }> {
    return new Promise((resolve, reject) => {
      c.once("connect", () => reject(new Error("connected, expected a refusal")));
      c.once("connect_error", resolve);
    });
  }

  const subscribe = (c: Client, tags: unknown): Promise<Ack<{ subscribed: string[]; unknown: string[] }>> =>
    c.timeout(3000).emitWithAck("subscribe", tags as string[]);

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await gateway?.close();
    http?.closeAllConnections();
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  });

  describe("handshake", () => {
    beforeEach(() => start());

    it("refuses a handshake without a session cookie, with an unknown one, and from another origin", async () => {
      sessions.add("good", "ann", "operator");
      const none = await refusal(client(undefined));
      assert.match(none.message, /^SCADA_ERR_AUTH_REQUIRED: no session cookie$/);
      assert.deepEqual(none.data, { code: "SCADA_ERR_AUTH_REQUIRED", message: "no session cookie" });
      const badCookie = await refusal(client("forged"));
      assert.equal(badCookie.message, "SCADA_ERR_AUTH_REQUIRED: unknown session");
      const ws = await refusal(client("forged", { transports: ["websocket"] }));
      assert.equal(ws.message, "SCADA_ERR_AUTH_REQUIRED: unknown session");
      // A good cookie from a foreign page: refused at the transport, before any session lookup.
      const lookupsBefore = sessions.lookups.length;
      await refusal(client("good", { origin: "http://evil.example" }));
      assert.equal(sessions.lookups.length, lookupsBefore);
      assert.equal(gateway.stats().refusedHandshakes, 4);
      assert.equal(gateway.stats().connected, 0);
      assert.ok(sessions.lookups.every((l) => l.touch === false), "a handshake never extends the session");
      const text = await registry.metrics();
      assert.match(text, /scada_socket_handshakes_refused_total\{reason="auth"\} 3/);
      assert.match(text, /scada_socket_handshakes_refused_total\{reason="origin"\} 1/);
    });

    it("a good cookie (same origin) connects, gets its session info and the current state at once", async () => {
      const s = sessions.add("good", "ann", "viewer", { idleTimeoutMs: 60_000 });
      const c = client("good", { origin: url });
      const got: string[] = [];
      let info: SessionInfo | undefined;
      c.on("session", (i) => (info = i));
      c.on("line", (l) => got.push(`line ${JSON.stringify(l)}`));
      c.on("interlocks", () => got.push("interlocks"));
      c.on("alarms", () => got.push("alarms"));
      await waitFor("state", WAIT_MS, () => got.length === 3 && info !== undefined);
      assert.deepEqual(info, { user: "ann", role: "viewer", permissions: permissionsOf("viewer"), expiresAt: s.expiresAt, idleTimeoutMs: 60_000 });
      assert.ok(got.includes(`line {"state":"Idle","mode":"auto"}`));
      assert.equal(gateway.stats().connected, 1);
      assert.match(await registry.metrics(), /scada_socket_connected 1/);
    });
  });

  describe("tags", () => {
    // A fixed 50 ms tick (minGapMs = tickMs): the batching rules at a known spacing. The adaptive spacing of
    // the default gateway is tested below and in test/unit/server/socket-tag-push.test.ts.
    beforeEach(() => start({ tickMs: 50, minGapMs: 50 }));

    it("subscribe gets the current values, then only deltas of subscribed tags, many changes in a tick → one batch", async () => {
      sessions.add("good", "ann", "viewer");
      put("htr.web_temp", 300);
      put("htr.door_closed", true);
      const { c, got } = await connected("good");
      const ack = await subscribe(c, ["htr.web_temp", "htr.door_closed", "nope.tag", "htr.web_temp"]);
      assert.deepEqual(ack, { ok: true, result: { subscribed: ["htr.web_temp", "htr.door_closed"], unknown: ["nope.tag"] } });
      await waitFor("initial values", WAIT_MS, () => got.tags.length === 1);
      const initial = got.tags[0]!;
      assert.deepEqual(
        [...initial.changes].sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: "htr.door_closed", value: true, quality: "Good", ts: initial.changes.find((x) => x.name === "htr.door_closed")!.ts },
          { name: "htr.web_temp", value: 300, quality: "Good", ts: initial.changes.find((x) => x.name === "htr.web_temp")!.ts },
        ],
      );
      assert.ok(initial.changes.every((x) => x.ts > 0 && x.ts <= Date.now()), "source time included");

      // Many changes within one tick, subscribed and not → one batch, latest values, subscribed tags only.
      for (let i = 1; i <= 100; i++) {
        put("htr.web_temp", 300 + i);
        put("htr.o2", i);
      }
      put("htr.door_closed", false, bad("link down"));
      await waitFor("one batch", WAIT_MS, () => got.tags.length === 2);
      await sleep(150); // nothing more comes for the burst
      assert.equal(got.tags.length, 2, "one message for the whole burst");
      assert.deepEqual(
        got.tags[1]!.changes.map((x) => [x.name, x.value, x.quality]),
        [
          ["htr.web_temp", 400, "Good"],
          ["htr.door_closed", false, "Bad"],
        ],
      );

      // A stream of changes: at most one batch per tick, nothing lost at the end.
      const before = got.tags.length;
      const t0 = Date.now();
      for (let i = 0; i < 50; i++) {
        put("htr.web_temp", 1000 + i);
        await sleep(5); // paces the stream over several ticks (not a wait for anything)
      }
      const elapsed = Date.now() - t0;
      await waitFor("the latest value", WAIT_MS, () => got.tags.at(-1)?.changes.at(-1)?.value === 1049);
      const batches = got.tags.slice(before);
      assert.ok(batches.length <= Math.ceil(elapsed / 50) + 2, `${batches.length} batches in ${elapsed} ms at a 50 ms tick`);
      assert.equal(batches.at(-1)!.changes.at(-1)!.value, 1049, "the latest value arrives");
      assert.ok(batches.every((b) => b.changes.every((x) => x.name === "htr.web_temp")));

      // No change → no batch.
      const quiet = got.tags.length;
      await sleep(200); // nothing more comes
      assert.equal(got.tags.length, quiet);
    });

    it("two clients with different subscriptions each get only their tags; a replaced subscription takes effect", async () => {
      sessions.add("a", "ann", "viewer");
      sessions.add("b", "bob", "operator");
      const A = await connected("a", ["websocket"]);
      const B = await connected("b");
      await subscribe(A.c, ["htr.web_temp"]);
      await subscribe(B.c, ["htr.o2", "htr.web_temp"]);
      await waitFor("initial values", WAIT_MS, () => A.got.tags.length === 1 && B.got.tags.length === 1);
      put("htr.o2", 5);
      await waitFor("B's delta", WAIT_MS, () => B.got.tags.length === 2);
      await sleep(100); // nothing comes to A
      assert.equal(A.got.tags.length, 1, "A did not subscribe to htr.o2");
      put("htr.web_temp", 301);
      await waitFor("both", WAIT_MS, () => A.got.tags.length === 2 && B.got.tags.length === 3);
      assert.deepEqual(A.got.tags[1]!.changes.map((x) => x.name), ["htr.web_temp"]);

      const ack = await subscribe(A.c, ["quench.gas_flow"]);
      assert.equal(ack.ok, true);
      await waitFor("A's new initial values", WAIT_MS, () => A.got.tags.length === 3);
      assert.deepEqual(A.got.tags[2]!.changes.map((x) => x.name), ["quench.gas_flow"]);
      put("htr.web_temp", 302);
      await waitFor("B", WAIT_MS, () => B.got.tags.length === 4);
      await sleep(100); // nothing comes to A
      assert.equal(A.got.tags.length, 3, "A no longer gets htr.web_temp");
      assert.equal(gateway.stats().groups, 2);
      const empty = await subscribe(A.c, []);
      assert.deepEqual(empty, { ok: true, result: { subscribed: [], unknown: [] } });
      assert.equal(gateway.stats().groups, 1);
    });

    it("clients with the same subscription share one emit per tick", async () => {
      for (const k of ["a", "b", "c"]) sessions.add(k, k, "viewer");
      const all = await Promise.all(["a", "b", "c"].map((k) => connected(k)));
      for (const x of all) await subscribe(x.c, ["htr.web_temp", "htr.o2"]);
      await waitFor("initial", WAIT_MS, () => all.every((x) => x.got.tags.length === 1));
      const emitsBefore = gateway.stats().emits;
      put("htr.web_temp", 555);
      await waitFor("deltas", WAIT_MS, () => all.every((x) => x.got.tags.length === 2));
      assert.equal(gateway.stats().emits - emitsBefore, 1);
      assert.equal(gateway.stats().groups, 1);
    });

    it("refuses malformed subscriptions with a clear reason and keeps the previous one", async () => {
      sessions.add("good", "ann", "viewer");
      const { c, got } = await connected("good");
      await subscribe(c, ["htr.web_temp"]);
      await waitFor("initial", WAIT_MS, () => got.tags.length === 1);
      const cases: [unknown, RegExp][] = [
        ["htr.web_temp", /array of tag names, got string/],
        [null, /got null/],
        [{ 0: "htr.o2", length: 1 }, /got object/],
        [[1, 2], /every tag name must be a string/],
        [[""], /every tag name must be a string/],
        [["x".repeat(201)], /every tag name must be a string/],
        [Array.from({ length: 501 }, (_, i) => `t${i}`), /at most 500 tags per subscription, got 501/],
      ];
      for (const [payload, why] of cases) {
        const r = await subscribe(c, payload);
        assert.equal(r.ok, false, JSON.stringify(payload).slice(0, 80));
        if (!r.ok) {
          assert.equal(r.error.code, "SCADA_ERR_SOCKET_BAD_EVENT");
          assert.match(r.error.message, why);
        }
      }
      const ok500 = await subscribe(c, Array.from({ length: 500 }, (_, i) => (i === 0 ? "htr.web_temp" : `unknown.t${i}`)));
      assert.equal(ok500.ok, true);
      if (ok500.ok) assert.equal(ok500.result.unknown.length, 499);
      put("htr.web_temp", 777);
      await waitFor("delta after refusals", WAIT_MS, () => got.tags.some((b) => b.changes.some((x) => x.value === 777)));
      assert.ok(gateway.stats().refusedEvents >= cases.length);
    });
  });

  describe("tags, adaptive spacing (the default gateway)", () => {
    beforeEach(() => start({ tickMs: 50 }));

    it("a stream of cheap batches goes out far more often than the 50 ms tick, the latest value last", async () => {
      sessions.add("good", "ann", "viewer");
      put("htr.web_temp", 300);
      const { c, got } = await connected("good");
      await subscribe(c, ["htr.web_temp"]);
      await waitFor("initial values", WAIT_MS, () => got.tags.length === 1);
      const t0 = Date.now();
      for (let i = 0; i < 50; i++) {
        put("htr.web_temp", 2000 + i);
        await sleep(5); // paces the stream (not a wait for anything)
      }
      const elapsed = Date.now() - t0;
      await waitFor("the latest value", WAIT_MS, () => got.tags.at(-1)?.changes.at(-1)?.value === 2049);
      const batches = got.tags.length - 1;
      assert.ok(batches > Math.ceil(elapsed / 50) + 2, `${batches} batches in ${elapsed} ms: spaced by what a flush costs, not by the tick`);
    });
  });

  describe("operations and authorisation", () => {
    beforeEach(() => start());

    it("a viewer's operate is refused by the runner and the reason comes back; an operator's runs", async () => {
      sessions.add("v", "vic", "viewer");
      sessions.add("o", "oli", "operator");
      const V = await connected("v");
      const O = await connected("o");
      const r1 = await V.c.timeout(3000).emitWithAck("operate", { op: "line.command", input: { command: "start" } });
      assert.deepEqual(r1, { ok: false, error: { code: "SCADA_ERR_AUTH_FORBIDDEN", message: "line.command needs permission 'line:command', which role 'viewer' does not have" } });
      const r2 = await O.c.timeout(3000).emitWithAck("operate", { op: "line.command", input: { command: "start" } });
      assert.deepEqual(r2, { ok: true, result: { accepted: true } });
      assert.equal(runner.calls.length, 2);
      assert.deepEqual(
        runner.calls.map((c) => [c.actor.user, c.actor.role, c.actor.sessionId, c.channel]),
        [
          ["vic", "viewer", "sid-v", "socket"],
          ["oli", "operator", "sid-o", "socket"],
        ],
      );
      assert.match(runner.calls[0]!.actor.address, /127\.0\.0\.1/);
      assert.ok(sessions.touches.includes("sid-v") && sessions.touches.includes("sid-o"), "user actions extend the idle timeout");
    });

    it("a role without read permissions gets no state pushes and may not subscribe (deny by default)", async () => {
      sessions.add("n", "nobody", "ghost" as Role);
      const { c, got } = await connected("n");
      assert.deepEqual(got.session[0]!.permissions, []);
      const r = await subscribe(c, ["htr.web_temp"]);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
      state.line = { state: "Execute" };
      await sleep(150); // nothing is pushed
      assert.deepEqual([got.line.length, got.interlocks.length, got.alarms.length, got.tags.length], [0, 0, 0, 0]);
    });

    it("pushes line / interlocks / alarms only when their JSON changed", async () => {
      sessions.add("v", "vic", "viewer");
      const { got } = await connected("v");
      await waitFor("initial state", WAIT_MS, () => got.line.length >= 1 && got.alarms.length >= 1 && got.interlocks.length >= 1);
      await sleep(250); // several push periods: nothing more for an unchanged state
      const n = got.line.length;
      assert.ok(n <= 2, `unchanged state pushed ${n} times`);
      state.line = { state: "Execute", mode: "auto" };
      state.alarms = { alarms: [{ id: "A1", state: "active", priority: "high" }], counts: { active: 1 } };
      await waitFor("pushes", WAIT_MS, () => got.line.length === n + 1 && (got.alarms.at(-1) as { counts: { active?: number } }).counts.active === 1);
      assert.deepEqual(got.line.at(-1), { state: "Execute", mode: "auto" });
      await sleep(250); // nothing more once pushed
      assert.equal(got.line.length, n + 1);
    });

    it("refuses unknown events, missing acks and wrong argument counts without calling the runner", async () => {
      sessions.add("o", "oli", "operator");
      const { c } = await connected("o");
      const raw = c as unknown as { timeout(ms: number): { emitWithAck(ev: string, ...a: unknown[]): Promise<Ack> }; emit(ev: string, ...a: unknown[]): void };
      const unknownEv = await raw.timeout(3000).emitWithAck("delete_everything", { op: "line.command" });
      assert.deepEqual(unknownEv, { ok: false, error: { code: "SCADA_ERR_SOCKET_BAD_EVENT", message: "unknown event 'delete_everything'" } });
      const extra = await raw.timeout(3000).emitWithAck("operate", { op: "line.command", input: { command: "start" } }, "extra");
      assert.equal(extra.ok, false);
      const none = await raw.timeout(3000).emitWithAck("operate");
      assert.equal(none.ok, false);
      raw.emit("operate", { op: "line.command", input: { command: "start" } }); // no ack: dropped
      raw.emit("error", "boom"); // an event named like Node's 'error'
      raw.emit("subscribe", ["htr.web_temp"]); // no ack: dropped
      // One client's events are handled in order: once the last one is counted, all of them were handled.
      await waitFor("the ack-less events refused", WAIT_MS, async () => /scada_socket_events_refused_total\{reason="no-ack"\} 2/.test(await registry.metrics()));
      assert.equal(runner.calls.length, 0);
      assert.equal(c.connected, true);
      assert.equal(gateway.stats().groups, 0, "an ack-less subscribe changed nothing");
      assert.match(await registry.metrics(), /scada_socket_events_refused_total\{reason="no-ack"\} 2/);
    });

    it("survives ≥ 1000 random payloads across events and still serves a good client", async function () {
      this.timeout(120_000);
      sessions.add("fuzz", "fuzz", "operator");
      sessions.add("good", "ann", "viewer");
      const { c } = await connected("fuzz");
      const raw = c as unknown as { timeout(ms: number): { emitWithAck(ev: unknown, ...a: unknown[]): Promise<unknown> }; emit(ev: unknown, ...a: unknown[]): void };
      const junk = fc.oneof(
        fc.anything({ maxDepth: 3, maxKeys: 5 }),
        fc.array(fc.string({ maxLength: 8 }), { minLength: 400, maxLength: 900 }),
        fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 20 }),
        fc.record({ op: fc.oneof(fc.constantFrom("line.command", "alarm.ack", "interlock.bypass", "__proto__", "constructor"), fc.string()), input: fc.anything({ maxDepth: 3 }) }),
        fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') as unknown),
      );
      const eventName = fc.oneof(
        fc.constantFrom("subscribe", "operate", "error", "session", "tags", "toString", "__proto__", "hasOwnProperty", "constructor"),
        fc.string({ maxLength: 20 }),
        fc.integer(),
      );
      let acked = 0;
      let sent = 0;
      let wellFormedOperates = 0;
      await fc.assert(
        fc.asyncProperty(eventName, fc.array(junk, { maxLength: 3 }), fc.boolean(), async (event, args, withAck) => {
          if (["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"].includes(String(event))) return;
          sent++;
          if (event === "operate" && withAck && args.length === 1) wellFormedOperates++;
          if (withAck) {
            const r = (await raw.timeout(5000).emitWithAck(event, ...args)) as Ack;
            assert.equal(typeof r.ok, "boolean");
            if (!r.ok) assert.match(r.error.code, /^SCADA_ERR_/);
            acked++;
          } else {
            raw.emit(event, ...args);
          }
          assert.equal(c.connected, true);
        }),
        { numRuns: 1200, seed: 20240605 },
      );
      assert.ok(sent >= 1000, `${sent} payloads`);
      assert.ok(acked > 300);
      // One client's events are handled in order: once this ack is back, every event the fuzzer sent was handled.
      assert.equal((await subscribe(c, [])).ok, true);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      // Only well-formed operate events (one argument + ack) reached the runner.
      assert.equal(runner.calls.length, wellFormedOperates);
      assert.ok(runner.calls.every((x) => x.channel === "socket" && x.actor.user === "fuzz"));
      // A good client is still served.
      const good = await connected("good");
      const ack = await subscribe(good.c, ["htr.web_temp"]);
      assert.equal(ack.ok, true);
      put("htr.web_temp", 4242);
      await waitFor("good client's delta", WAIT_MS, () => good.got.tags.some((b) => b.changes.some((x) => x.value === 4242)));
      assert.equal(c.connected, true, "the fuzzing client itself was not thrown out");
    });

    it("an oversized message closes that connection only; garbage frames on a raw WebSocket crash nothing", async () => {
      sessions.add("big", "big", "viewer");
      sessions.add("good", "ann", "viewer");
      const big = await connected("big", ["websocket"]);
      big.c.emit("subscribe", ["x".repeat(100_000)], () => undefined);
      await waitFor("oversized client dropped", WAIT_MS, () => big.got.disconnects.length === 1);

      for (const frame of ["", "4", "40", "42", '42["subscribe"', '42[{"a":1}]', "451-[]", '2["x"]', "\u0000\u00ff", "4" + "[".repeat(5000), '42[1,2,3]', "41", "6"]) {
        const ws = new WebSocket(`${url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, { headers: { cookie: `${SESSION_COOKIE}=good` } });
        await new Promise<void>((resolve) => {
          ws.on("open", () => {
            ws.send(frame);
            ws.send('40{"x":[]}');
            ws.send(frame);
          });
          // Closed once the server has answered the connect packet (the frames before our close are read first),
          // unless a broken frame made the server close it already.
          ws.on("message", (m: Buffer) => {
            if (/^4[04]/.test(m.toString())) ws.close();
          });
          ws.on("close", () => resolve());
          ws.on("error", () => resolve());
        });
      }
      const good = await connected("good");
      assert.equal((await subscribe(good.c, ["htr.o2"])).ok, true);
    });
  });

  describe("session expiry", () => {
    it("a session ended (logout, user disabled) → session:expired with the reason, then disconnect", async () => {
      await start({ sessionCheckMs: 60_000 });
      sessions.add("s", "ann", "operator");
      sessions.add("other", "bob", "operator");
      const one = await connected("s");
      const two = await connected("s", ["websocket"]);
      const other = await connected("other");
      sessions.end("sid-s", "logged out");
      await waitFor("both sockets closed", WAIT_MS, () => one.got.disconnects.length === 1 && two.got.disconnects.length === 1);
      for (const x of [one, two]) {
        assert.deepEqual(x.got.expired, [{ reason: "logged out" }]);
        assert.deepEqual(x.got.order.slice(-2), ["session:expired", "disconnect"]);
        assert.equal(x.got.disconnects[0], "io server disconnect");
      }
      assert.equal(other.c.connected, true);
      assert.equal(gateway.stats().connected, 1);
    });

    it("idle expiry is caught by the periodic check; activity over the socket extends the session", async () => {
      await start({ sessionCheckMs: 40 });
      sessions.add("busy", "ann", "viewer", { idleTimeoutMs: 400 });
      sessions.add("idle", "bob", "viewer", { idleTimeoutMs: 400 });
      const busy = await connected("busy");
      const idle = await connected("idle");
      const t0 = Date.now();
      // Busy every 50 ms until the idle socket is closed.
      await waitFor(
        "the idle socket closed",
        3000,
        async () => {
          if (idle.got.disconnects.length > 0) return true;
          await subscribe(busy.c, ["htr.o2"]);
          return false;
        },
        50,
      );
      assert.deepEqual(idle.got.expired, [{ reason: "idle timeout" }]);
      assert.deepEqual(idle.got.order.slice(-2), ["session:expired", "disconnect"]);
      const after = Date.now() - t0;
      assert.ok(after >= 300 && after < 1500, `idle socket closed after ${after} ms`);
      assert.equal(busy.c.connected, true, "touch on each event kept the busy session alive");
    });

    it("an event on a session that has ended is refused and closes the socket (even before the periodic check)", async () => {
      await start({ sessionCheckMs: 60_000 });
      const s = sessions.add("s", "ann", "operator");
      const x = await connected("s");
      s.expiresAt = Date.now() - 1;
      const r = await x.c.timeout(3000).emitWithAck("operate", { op: "line.command", input: { command: "stop" } }).catch((e: Error) => e);
      // The ack may or may not beat the close; either way nothing ran.
      if (!(r instanceof Error)) assert.deepEqual(r, { ok: false, error: { code: "SCADA_ERR_AUTH_REQUIRED", message: "the session has ended" } });
      await waitFor("closed", WAIT_MS, () => x.got.disconnects.length === 1);
      assert.deepEqual(x.got.expired, [{ reason: "absolute lifetime reached" }]);
      assert.equal(runner.calls.length, 0);
    });

    it("a role change seen by the check re-sends the session info and applies the new role", async () => {
      await start({ sessionCheckMs: 40 });
      const s = sessions.add("s", "ann", "operator");
      const x = await connected("s");
      s.role = "ghost" as Role;
      await waitFor("new session info", WAIT_MS, () => x.got.session.length === 2);
      assert.equal(x.got.session[1]!.role, "ghost");
      const r = await subscribe(x.c, ["htr.o2"]);
      assert.equal(r.ok, false);
    });
  });

  it("close() drops every socket (clients may reconnect later) and refuses new handshakes", async () => {
    await start();
    sessions.add("s", "ann", "operator");
    const x = await connected("s");
    // On the final transport: a close while still long-polling reaches the client as "transport error".
    await waitFor("the upgrade to WebSocket", WAIT_MS, () => x.c.io.engine.transport.name === "websocket");
    await gateway.close();
    await waitFor("closed", WAIT_MS, () => x.got.disconnects.length === 1);
    assert.equal(x.got.disconnects[0], "transport close");
    const again = client("s");
    await refusal(again);
  });
});
