import assert from "node:assert/strict";
import fc from "fast-check";
import type { Actor } from "../../../src/auth/actor.js";
import type { Role } from "../../../src/auth/permissions.js";
import type { AuditEntry } from "../../../src/audit/audit-record.js";
import { silentLogger } from "../../../src/core/logger.js";
import { OPERATION_NAMES, createOperationRunner } from "../../../src/server/operations.js";
import type { OperationDeps } from "../../../src/server/operation-def.js";

const actor = (role: Role, user = `${role}1`): Actor => ({ user, role, address: "127.0.0.1", sessionId: "s1" });

/** Domain doubles that record what was asked of them. */
function world(opts: { auditThrows?: boolean; auditWritable?: boolean } = {}) {
  const calls: string[] = [];
  const records: AuditEntry[] = [];
  let state = "Idle";
  const deps: OperationDeps = {
    line: {
      status: () => ({ state }),
      command: async (c) => {
        calls.push(`line.command ${c.command} by ${c.by}`);
        if (c.command === "start" && state !== "Idle") return { accepted: false, reason: "not idle", state };
        state = c.command === "start" ? "Starting" : c.command === "stop" ? "Stopping" : c.command === "abort" ? "Aborting" : state;
        return { accepted: true, state };
      },
      loadRecipe: async () => ({ ok: false, problems: ["no recipes in this world"], status: null }),
      mode: () => "Production",
      setMode: (mode) => ({ accepted: true, mode }),
    },
    interlocks: {
      status: () => ({ tripped: [], bypassed: [] }),
      bypass: (id, r) => {
        calls.push(`bypass ${id} ${r.minutes} by ${r.by}`);
        return id === "IL-05" ? { ok: true, bypass: { id, until: 1 } } : { ok: false, reason: "not bypassable" };
      },
      reset: (by) => {
        calls.push(`reset by ${by}`);
        return { ok: true };
      },
    },
    alarms: {
      list: () => ({ alarms: [{ id: "HTR-ESTOP", state: "unack-active" }] }),
      exists: (id) => id === "HTR-ESTOP",
      ack: (id) => (calls.push(`ack ${id}`), { ok: true, events: [] }),
      shelve: (id, m, reason) => (calls.push(`shelve ${id} ${m} ${reason}`), { ok: true, events: [] }),
      unshelve: (id) => (calls.push(`unshelve ${id}`), { ok: true, events: [] }),
      reset: (id) => (calls.push(`reset ${id}`), { ok: true, events: [] }),
    },
    sim: {
      faults: () => [{ name: "web-break", description: "", active: false }],
      setFault: (name, active) => (calls.push(`fault ${name} ${active}`), { name, description: "", active }),
    },
    sessions: {
      verifyPassword: async (user, password) => (password === "right password" ? { ok: true, role: "engineer" } : { ok: false, reason: `wrong password for ${user}` }),
    },
    audit: {
      record: (e) => {
        if (opts.auditThrows) throw new Error("ENOSPC: no space left on device");
        records.push(e);
      },
      writable: () => opts.auditWritable ?? true,
    },
    logger: silentLogger(),
    now: () => 1_700_000_000_000,
  };
  return { deps, calls, records, runner: createOperationRunner(deps) };
}

describe("operation runner (one path for REST and socket, audited)", () => {
  it("runs a permitted command and records who, what, old and new value", async () => {
    const w = world();
    const ack = await w.runner.run(actor("operator", "olga"), "socket", { op: "line.command", input: { command: "start", recipe: "BiSb" } });
    assert.equal(ack.ok, true);
    assert.deepEqual(w.calls, ["line.command start by olga (operator)"]);
    assert.equal(w.records.length, 1);
    const r = w.records[0]!;
    assert.equal(r.user, "olga");
    assert.equal(r.role, "operator");
    assert.equal(r.clientAddress, "127.0.0.1");
    assert.equal(r.action, "line.command");
    assert.equal(r.result, "ok");
    assert.equal(r.oldValue, "Idle");
    assert.deepEqual(r.newValue, { command: "start", recipe: "BiSb", state: "Starting" });
  });

  it("gives the same record over REST and over the socket", async () => {
    const a = world();
    const b = world();
    await a.runner.run(actor("operator"), "rest", { op: "alarm.ack", input: { id: "HTR-ESTOP" } });
    await b.runner.run(actor("operator"), "socket", { op: "alarm.ack", input: { id: "HTR-ESTOP" } });
    assert.deepEqual(a.records, b.records);
  });

  it("refuses a viewer's command, changes nothing and records the refusal", async () => {
    const w = world();
    const ack = await w.runner.run(actor("viewer", "vic"), "socket", { op: "line.command", input: { command: "start" } });
    assert.equal(ack.ok, false);
    assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.match(!ack.ok ? ack.error.message : "", /line:stop|line:command/);
    assert.deepEqual(w.calls, []);
    assert.equal(w.records[0]?.result, "refused");
    assert.equal(w.records[0]?.user, "vic");
    assert.match(String(w.records[0]?.resultReason), /SCADA_ERR_AUTH_FORBIDDEN/);
  });

  it("lets a QA user do nothing but a refused record", async () => {
    const w = world();
    for (const name of OPERATION_NAMES) {
      const ack = await w.runner.run(actor("qa"), "rest", { op: name, input: {} });
      assert.equal(ack.ok, false, name);
    }
    assert.deepEqual(w.calls, []);
    assert.equal(w.records.length, OPERATION_NAMES.length);
  });

  it("refuses unknown operations and malformed requests with a reason, and records them", async () => {
    const w = world();
    for (const req of [null, 42, "start", [], { op: "line.explode", input: {} }, { op: "line.command", input: { command: "launch" } }, { op: "line.command", extra: 1 }]) {
      const ack = await w.runner.run(actor("admin"), "socket", req);
      assert.equal(ack.ok, false, JSON.stringify(req));
      assert.ok(!ack.ok && ack.error.message.length > 10);
    }
    assert.deepEqual(w.calls, []);
    assert.equal(w.records.length, 7);
    assert.ok(w.records.every((r) => r.result === "refused"));
  });

  it("records a domain refusal with the domain's reason", async () => {
    const w = world();
    await w.runner.run(actor("operator"), "rest", { op: "line.command", input: { command: "start" } });
    const ack = await w.runner.run(actor("operator"), "rest", { op: "line.command", input: { command: "start" } });
    assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_LINE_COMMAND_REFUSED");
    assert.match(String(w.records[1]?.resultReason), /not idle/);
  });

  it("signs a bypass with the re-entered password, never records the password", async () => {
    const w = world();
    const input = { id: "IL-05", minutes: 30, reason: "coolant sensor swap", signature: { password: "wrong", meaning: "responsibility" } };
    const bad = await w.runner.run(actor("engineer", "erin"), "socket", { op: "interlock.bypass", input });
    assert.equal(!bad.ok && bad.error.code, "SCADA_ERR_SIGNATURE_INVALID");
    assert.deepEqual(w.calls, []);
    const unsigned = await w.runner.run(actor("engineer", "erin"), "socket", { op: "interlock.bypass", input: { ...input, signature: undefined } });
    assert.equal(!unsigned.ok && unsigned.error.code, "SCADA_ERR_HTTP_BAD_REQUEST");
    const ok = await w.runner.run(actor("engineer", "erin"), "socket", { op: "interlock.bypass", input: { ...input, signature: { password: "right password", meaning: "responsibility" } } });
    assert.equal(ok.ok, true);
    assert.deepEqual(w.calls, ["bypass IL-05 30 by erin (engineer)"]);
    const signed = w.records.at(-1)!;
    assert.deepEqual(signed.signature, { name: "erin", meaning: "responsibility", time: 1_700_000_000_000 });
    assert.equal(signed.reason, "coolant sensor swap");
    assert.ok(!JSON.stringify(w.records).includes("right password"));
    assert.ok(!JSON.stringify(w.records).includes('"wrong"'));
  });

  it("an operator cannot bypass, even with a signature", async () => {
    const w = world();
    const ack = await w.runner.run(actor("operator"), "rest", { op: "interlock.bypass", input: { id: "IL-05", minutes: 5, reason: "xyz", signature: { password: "right password", meaning: "approval" } } });
    assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.deepEqual(w.calls, []);
  });

  it("Stop and Abort are never blocked by the audit trail; everything else is", async () => {
    const down = world({ auditWritable: false });
    const start = await down.runner.run(actor("operator"), "rest", { op: "line.command", input: { command: "start" } });
    assert.equal(!start.ok && start.error.code, "SCADA_ERR_AUDIT_UNAVAILABLE");
    assert.deepEqual(down.calls, []);
    const stop = await down.runner.run(actor("operator"), "rest", { op: "line.command", input: { command: "stop" } });
    assert.equal(stop.ok, true);
    const throwing = world({ auditThrows: true });
    const abort = await throwing.runner.run(actor("operator"), "rest", { op: "line.command", input: { command: "abort" } });
    assert.equal(abort.ok, true);
    assert.deepEqual(throwing.calls, ["line.command abort by operator1 (operator)"]);
  });

  it("a recipe download records the load and one setpoint.write per setpoint with the PLC's old value", async () => {
    const w = world();
    let status: unknown = { alloy: null, state: "none", setpoints: [] };
    const deps: OperationDeps = {
      ...w.deps,
      // Loads go through the line (refused while it runs), which hands them to the recipe service.
      line: {
        ...w.deps.line!,
        loadRecipe: async (alloy) => {
          status = { alloy, state: "verified", setpoints: [{ tag: "htr.peak_sp", value: 1340, status: "Good" }, { tag: "feed.doser_sp", value: 2.5, status: "write failed: timeout" }] };
          return { ok: true, status };
        },
      },
      recipes: {
        list: () => [],
        get: (alloy) => (alloy === "BiSb" ? {} : undefined),
        status: () => status,
        verify: async () => status,
      },
      tagValues: () => new Map<string, unknown>([["htr.peak_sp", 1200], ["feed.doser_sp", 0]]),
    };
    const ack = await createOperationRunner(deps).run(actor("operator", "olga"), "rest", { op: "recipe.load", input: { alloy: "BiSb" } });
    assert.equal(ack.ok, true);
    assert.deepEqual(
      w.records.map((r) => [r.action, r.target, r.oldValue, r.newValue, r.result]),
      [
        ["recipe.load", "BiSb", null, { alloy: "BiSb", state: "verified" }, "ok"],
        ["setpoint.write", "htr.peak_sp", 1200, 1340, "ok"],
        ["setpoint.write", "feed.doser_sp", 0, 2.5, "failed"],
      ],
    );
  });

  it("never throws, and never reaches a domain, for thousands of random requests from a viewer", async () => {
    const w = world();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.record({ op: fc.constantFrom(...OPERATION_NAMES, "x", "__proto__", "constructor"), input: fc.anything() })), async (req) => {
        const ack = await w.runner.run(actor("viewer"), "socket", req);
        assert.equal(ack.ok, false);
      }),
      { numRuns: 2000 },
    );
    assert.deepEqual(w.calls, []);
  });

  it("an operator's random inputs are either valid (and run) or refused with a reason", async () => {
    const w = world();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATION_NAMES), fc.anything(), async (opName, input) => {
        const before = w.calls.length;
        const ack = await w.runner.run(actor("operator"), "rest", { op: opName, input });
        if (!ack.ok) assert.equal(w.calls.length, before, `${opName} refused but called the domain`);
        if (!ack.ok) assert.ok(ack.error.code.startsWith("SCADA_ERR_"));
      }),
      { numRuns: 2000 },
    );
  });
});
