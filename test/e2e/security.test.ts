import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import fc from "fast-check";
import { ROLES, type Permission, type Role, roleCan } from "../../src/auth/permissions.js";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { OPERATIONS } from "../../src/server/operations.js";
import type { Ack, ClientToServerEvents, OperationName, ServerToClientEvents } from "../../src/server/socket-contract.js";
import { type Socket, io as connect } from "socket.io-client";
import { type ApiClient, adminClient, newUserClient } from "../helpers/api-client.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

/** Every protected route with the permission it needs (written here by hand, from the issue and the README). */
const READS: readonly [string, Permission][] = [
  ["/api/tags", "tags:read"],
  ["/api/tags/htr.web_temp", "tags:read"],
  ["/api/line", "line:read"],
  ["/api/interlocks", "interlocks:read"],
  ["/api/alarms", "alarms:read"],
  ["/api/recipes", "recipes:read"],
  ["/api/recipes/loaded", "recipes:read"],
  ["/api/recipes/BiSb/versions/1", "recipes:read"],
  ["/api/recipes/BiSb/versions/1/preview", "recipes:read"],
  ["/api/recipes/BiSb/diff?from=1&to=1", "recipes:read"],
  ["/api/sim/faults", "sim:read"],
  ["/api/audit", "audit:read"],
  ["/api/audit/verify", "audit:read"],
  ["/api/users", "users:read"],
  ["/metrics", "metrics:read"],
];

/** Mutating routes, the operation they run (when they run one) and the permission the route asks first. */
const WRITES: readonly { method: "POST" | "PATCH" | "PUT"; path: string; permission: Permission; op?: OperationName; input?: (body: Record<string, unknown>) => unknown }[] = [
  { method: "POST", path: "/api/line/commands", permission: "line:stop", op: "line.command", input: (b) => b },
  { method: "POST", path: "/api/interlocks/reset", permission: "interlocks:reset", op: "interlock.reset", input: (b) => b },
  { method: "POST", path: "/api/interlocks/IL-05/bypass", permission: "interlocks:bypass", op: "interlock.bypass", input: (b) => ({ ...b, id: "IL-05" }) },
  { method: "POST", path: "/api/alarms/HTR-ESTOP/ack", permission: "alarms:ack", op: "alarm.ack", input: (b) => ({ ...b, id: "HTR-ESTOP" }) },
  { method: "POST", path: "/api/alarms/HTR-ESTOP/reset", permission: "alarms:ack", op: "alarm.reset", input: (b) => ({ ...b, id: "HTR-ESTOP" }) },
  { method: "POST", path: "/api/alarms/IL-07-TRIP/shelve", permission: "alarms:shelve", op: "alarm.shelve", input: (b) => ({ ...b, id: "IL-07-TRIP" }) },
  { method: "POST", path: "/api/alarms/IL-07-TRIP/unshelve", permission: "alarms:shelve", op: "alarm.unshelve", input: (b) => ({ ...b, id: "IL-07-TRIP" }) },
  { method: "POST", path: "/api/recipes/BiSb/load", permission: "recipes:load", op: "recipe.load", input: (b) => ({ ...b, alloy: "BiSb" }) },
  { method: "POST", path: "/api/recipes/loaded/verify", permission: "recipes:load", op: "recipe.verify", input: (b) => b },
  { method: "POST", path: "/api/recipes/BiSb/versions", permission: "recipes:edit", op: "recipe.create", input: (b) => ({ ...b, alloy: "BiSb" }) },
  { method: "PUT", path: "/api/recipes/BiSb/versions/1", permission: "recipes:edit", op: "recipe.save", input: (b) => ({ ...b, alloy: "BiSb", version: 1 }) },
  { method: "POST", path: "/api/recipes/BiSb/versions/1/submit", permission: "recipes:edit", op: "recipe.submit", input: (b) => ({ ...b, alloy: "BiSb", version: 1 }) },
  { method: "POST", path: "/api/recipes/BiSb/versions/1/approve", permission: "recipes:approve", op: "recipe.approve", input: (b) => ({ ...b, alloy: "BiSb", version: 1 }) },
  { method: "POST", path: "/api/recipes/BiSb/versions/1/reject", permission: "recipes:approve", op: "recipe.reject", input: (b) => ({ ...b, alloy: "BiSb", version: 1 }) },
  { method: "POST", path: "/api/recipes/BiSb/versions/1/obsolete", permission: "recipes:approve", op: "recipe.obsolete", input: (b) => ({ ...b, alloy: "BiSb", version: 1 }) },
  { method: "POST", path: "/api/line/mode", permission: "line:mode", op: "line.mode", input: (b) => b },
  { method: "POST", path: "/api/sim/faults/estop", permission: "sim:control", op: "sim.fault", input: (b) => ({ ...b, name: "estop" }) },
  { method: "POST", path: "/api/users", permission: "users:manage" },
  { method: "PATCH", path: "/api/users/op-sec", permission: "users:manage" },
];

/** Whether a body would be taken by the operation's own input rules (such bodies are left out of the fuzzing). */
function valid(route: (typeof WRITES)[number], body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  if (!route.op || !route.input) {
    // The user routes (not operations): a body made only of their own fields might be taken — left out.
    const keys = Object.keys(body);
    return route.method === "PATCH" ? keys.every((k) => ["role", "disabled", "password"].includes(k)) : ["name", "role", "password"].every((k) => keys.includes(k)) && keys.length === 3;
  }
  return (OPERATIONS[route.op] as unknown as { input: { safeParse(v: unknown): { success: boolean } } }).input.safeParse(route.input(body as Record<string, unknown>)).success;
}

/**
 * Security over real HTTP against the virtual plant: every role × every route against the permission table;
 * thousands of fuzzed bodies on every mutating route → a clear 4xx, no crash, no state change, every refusal
 * in the audit trail.
 */
describe("e2e: security — roles × routes, fuzzed bodies", function () {
  this.timeout(240_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let dispose: () => Promise<void>;
  let admin: ApiClient;
  const clients = new Map<Role, ApiClient>();

  /** Everything an operator action could change, as one comparable string. */
  const stateSnapshot = async (api: ApiClient): Promise<string> => {
    const line = (await api.getJson<{ state: string; mode: string; loadedRecipe: unknown }>("/api/line"));
    const il = await api.getJson<{ tripped: string[]; bypassed: string[]; missingPermissives: string[] }>("/api/interlocks");
    const alarms = await api.getJson<{ alarms: { id: string; state: string }[] }>("/api/alarms");
    const faults = await api.getJson<{ faults: { name: string; active: boolean }[] }>("/api/sim/faults");
    const users = await api.getJson<{ users: unknown[] }>("/api/users");
    return JSON.stringify({
      line: [line.state, line.mode, line.loadedRecipe],
      il: [il.tripped, il.bypassed],
      alarms: alarms.alarms.filter((a) => a.id === "IL-07-TRIP" || a.id === "HTR-ESTOP").map((a) => [a.id, a.state]),
      faults: faults.faults.filter((f) => f.active).map((f) => f.name),
      users,
    });
  };

  before(async () => {
    tc = await realConfigOnFreePorts();
    ({ runtime, dispose } = testRuntime(tc));
    const { url } = await runtime.start();
    admin = await adminClient(url);
    for (const role of ROLES) clients.set(role, role === "admin" ? admin : await newUserClient(admin, `sec-${role}`, role));
    await newUserClient(admin, "op-sec", "operator");
    await waitForTagsGood(runtime, 15_000);
  });

  after(async () => {
    await dispose?.();
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("every role × every read route: 200 exactly when the role holds the permission, else 403", async () => {
    const mismatches: string[] = [];
    for (const role of ROLES) {
      for (const [path, permission] of READS) {
        const status = (await clients.get(role)!.get(path)).status;
        const expected = roleCan(role, permission) ? 200 : 403;
        if (status !== expected) mismatches.push(`${role} GET ${path}: ${status}, expected ${expected}`);
      }
    }
    assert.deepEqual(mismatches, []);
  });

  it("every role × every mutating route: refused with 403 exactly when the role lacks the permission, the refusal audited; nothing changes", async () => {
    const before = await stateSnapshot(admin);
    const refusedCount = async () => (await admin.getJson<{ count: number }>("/api/audit?result=refused&limit=10000")).count;
    const deniedBefore = await refusedCount();
    const mismatches: string[] = [];
    let denied = 0;
    for (const role of ROLES) {
      for (const w of WRITES) {
        // A body no route accepts: allowed roles get a 400 (or 404), never a change.
        const res = await clients.get(role)!.request(w.path, { method: w.method, headers: { "content-type": "application/json" }, body: JSON.stringify({ "not-a-field": 1 }) });
        const body = (await res.json()) as { error?: { code: string; message: string } };
        const may = roleCan(role, w.permission);
        if (!may) denied++;
        if (may ? res.status === 403 || res.status < 400 : res.status !== 403) mismatches.push(`${role} ${w.method} ${w.path}: ${res.status} ${body.error?.code}`);
        if (!body.error?.code.startsWith("SCADA_ERR_") || !(body.error.message.length > 5)) mismatches.push(`${role} ${w.method} ${w.path}: no clear error`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.equal(await stateSnapshot(admin), before, "refused requests changed nothing");
    // Operations are refused by the runner (the operation's own action, result refused), the user routes by the
    // route guard (access.denied): every refusal is a record either way.
    await waitFor("the refusals in the audit trail", 3000, async () => (await refusedCount()) - deniedBefore >= denied);
  });

  it("the same refusal over REST and over the socket leaves the same audit record", async () => {
    const viewer = clients.get("viewer")!;
    const rest = await viewer.post("/api/line/commands", { command: "start", recipe: "BiSb" });
    assert.equal(rest.status, 403);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(viewer.url, { reconnection: false, forceNew: true, transports: ["websocket"], extraHeaders: { cookie: viewer.cookie } });
    try {
      const ack = await new Promise<Ack>((resolve) => socket.emit("operate", { op: "line.command", input: { command: "start", recipe: "BiSb" } }, resolve));
      assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
    } finally {
      socket.disconnect();
    }
    type Rec = Record<string, unknown>;
    const { records } = await admin.getJson<{ records: Rec[] }>("/api/audit?action=line.command&user=sec-viewer&limit=2");
    assert.equal(records.length, 2);
    const strip = ({ sequence: _s, serverTime: _t, hash: _h, prevHash: _p, ...rest }: Rec) => rest;
    assert.deepEqual(strip(records[0]!), strip(records[1]!));
    assert.equal(records[0]!.result, "refused");
  });

  it("Stop and Abort: any operating role may, a viewer or QA may not", async () => {
    for (const role of ROLES) {
      const res = await clients.get(role)!.post("/api/line/commands", { command: "stop" });
      const may = role === "operator" || role === "engineer" || role === "admin";
      // Stopped already: an allowed stop is refused by the state machine (409), never by the permission table.
      assert.ok(may ? res.status !== 403 : res.status === 403, `${role}: ${res.status}`);
    }
  });

  it("thousands of fuzzed bodies on every mutating route (as admin): a clear 4xx, no crash, no state change", async () => {
    const before = await stateSnapshot(admin);
    const statuses = new Map<number, number>();
    let cases = 0;
    for (const w of WRITES) {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue(),
            fc.dictionary(fc.constantFrom("command", "recipe", "minutes", "reason", "signature", "active", "name", "role", "password", "disabled", "id", "__proto__", "constructor"), fc.jsonValue()),
            fc.record({ command: fc.string(), recipe: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }),
            fc.record({ minutes: fc.oneof(fc.integer(), fc.double(), fc.string()), reason: fc.string({ maxLength: 600 }) }, { requiredKeys: [] }),
          ).filter((b) => !valid(w, b)),
          async (body) => {
            cases++;
            const res = await admin.request(w.path, { method: w.method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const json = (await res.json()) as { error?: { code: string; message: string } };
            assert.ok(res.status >= 400 && res.status < 500, `${w.method} ${w.path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(json)}`);
            assert.ok(json.error?.code.startsWith("SCADA_ERR_") && json.error.message.length > 5, `${w.path}: unclear error ${JSON.stringify(json)}`);
          },
        ),
        { numRuns: 120 },
      );
    }
    // Not JSON at all, the wrong content type, an oversized body.
    for (const w of WRITES) {
      for (const [type, text] of [["application/json", "{not json"], ["application/json", "[" .repeat(5000)], ["text/plain", "command=start"], ["application/json", JSON.stringify({ reason: "x".repeat(70_000) })]] as const) {
        cases++;
        const res = await admin.request(w.path, { method: w.method, headers: { "content-type": type }, body: text });
        const json = (await res.json()) as { error?: { code: string } };
        assert.ok(res.status >= 400 && res.status < 500, `${w.path} ${type} ${text.slice(0, 20)} → ${res.status} ${JSON.stringify(json)}`);
        assert.ok(json.error?.code.startsWith("SCADA_ERR_"));
      }
    }
    console.log(`      ${cases} fuzzed REST requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    assert.ok(cases >= 2000, `${cases} cases`);
    assert.equal(await stateSnapshot(admin), before, "no fuzzed body changed anything");
    const health = await fetch(`${admin.url}/healthz`);
    assert.equal(health.status, 200, "the server still answers");
  });

  it("thousands of fuzzed socket events (as admin and as viewer): an ack with a clear error or nothing, no crash, no state change", async () => {
    const before = await stateSnapshot(admin);
    const open = (api: ApiClient): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> =>
      new Promise((resolve, reject) => {
        const c: Socket<ServerToClientEvents, ClientToServerEvents> = connect(api.url, { reconnection: false, forceNew: true, transports: ["websocket"], extraHeaders: { cookie: api.cookie } });
        c.once("connect", () => resolve(c));
        c.once("connect_error", reject);
      });
    const sockets = [await open(admin), await open(clients.get("viewer")!)];
    const opNames = Object.keys(OPERATIONS);
    let acks = 0;
    let cases = 0;
    try {
      for (const socket of sockets) {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.record({ event: fc.constant("operate"), payload: fc.oneof(fc.anything(), fc.record({ op: fc.constantFrom(...opNames, "line.explode", "__proto__"), input: fc.anything() })) }),
              fc.record({ event: fc.constant("subscribe"), payload: fc.oneof(fc.anything(), fc.array(fc.string(), { maxLength: 600 })) }),
              fc.record({ event: fc.constantFrom("line", "tags", "session", "admin", "constructor"), payload: fc.anything() }),
            ),
            async ({ event, payload }) => {
              cases++;
              if (event === "operate" && typeof payload === "object" && payload !== null && "op" in payload) {
                // Valid inputs are left out: they would run (an admin may do everything).
                const name = String((payload as { op: unknown }).op);
                const def = Object.hasOwn(OPERATIONS, name) ? (OPERATIONS as Record<string, { input: { safeParse(v: unknown): { success: boolean } } }>)[name] : undefined;
                if (def && socket === sockets[0] && def.input.safeParse((payload as { input?: unknown }).input ?? {}).success) return;
              }
              const ack = await new Promise<Ack | "none">((resolve) => {
                const timer = setTimeout(() => resolve("none"), 1000);
                (socket.emit as (e: string, p: unknown, cb: (r: Ack) => void) => void)(event, payload, (r) => {
                  clearTimeout(timer);
                  resolve(r);
                });
              });
              if (ack === "none") return; // unknown events without a handler may stay unanswered
              acks++;
              if (event === "subscribe" && ack.ok) return; // a list of (unknown) tag names is a valid subscription
              assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload)?.slice(0, 200)} was accepted`);
              assert.ok(!ack.ok && ack.error.code.startsWith("SCADA_ERR_") && ack.error.message.length > 5, JSON.stringify(ack));
            },
          ),
          { numRuns: 800 },
        );
        assert.ok(socket.connected, "the socket survived");
      }
    } finally {
      for (const s of sockets) s.disconnect();
    }
    console.log(`      ${cases} fuzzed socket events (${acks} answered with an ack, the rest unknown events left unanswered)`);
    assert.ok(cases >= 1600 && acks >= 1000, `${cases} cases, ${acks} acks`);
    assert.equal(await stateSnapshot(admin), before, "no fuzzed event changed anything");
  });
});
