import assert from "node:assert/strict";
import type { Role } from "../../../src/auth/permissions.js";
import type { AuditEntry } from "../../../src/audit/audit-record.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNorthCommandHandler, type NorthCommandsOptions } from "../../../src/server/north-commands.js";
import type { OperationDeps } from "../../../src/server/operation-def.js";
import { createOperationRunner } from "../../../src/server/operations.js";

/** The real operation runner over domain doubles that record what they were asked; a clock the test moves. */
function world({ users: table, ...options }: Partial<Omit<NorthCommandsOptions, "users">> & { users?: Record<string, { role: Role; disabled: boolean }> } = {}) {
  const calls: string[] = [];
  const records: AuditEntry[] = [];
  let now = 1_700_000_000_000;
  const deps: OperationDeps = {
    line: {
      status: () => ({ state: "Stopped" }),
      command: async (c) => (calls.push(`line.command ${c.command} by ${c.by}`), { accepted: true, state: "Resetting" }),
      loadRecipe: async () => ({ ok: false, problems: ["none"], status: null }),
      mode: () => "Production",
      setMode: (mode) => ({ accepted: true, mode }),
    },
    alarms: {
      list: () => ({ alarms: [{ id: "HTR-O2-H", state: "unack-active" }] }),
      exists: (id) => id === "HTR-O2-H",
      ack: (id, by) => (calls.push(`ack ${id} by ${by}`), { ok: true, events: [] }),
      shelve: () => ({ ok: true, events: [] }),
      unshelve: () => ({ ok: true, events: [] }),
      reset: () => ({ ok: true, events: [] }),
    },
    sessions: { verifyPassword: async () => ({ ok: false, reason: "no" }) },
    audit: { record: (e) => void records.push(e), writable: () => true },
    logger: silentLogger(),
    now: () => now,
  };
  const users = table ?? { mes: { role: "operator", disabled: false } };
  const handler = createNorthCommandHandler({
    accept: true,
    serviceUser: "mes",
    source: "sparkplug htr-site/htr-line-1",
    runner: createOperationRunner(deps),
    users: { get: (n) => users[n] },
    audit: deps.audit,
    now: () => now,
    logger: silentLogger(),
    ...options,
  });
  const request = (op: string, input: unknown, id = "") => handler({ device: "htr", metric: "Operation/Request", value: JSON.stringify({ op, input }), id });
  return { handler, request, calls, records, advance: (ms: number) => (now += ms) };
}

describe("commands from the north (DCMD → operation runner as the service user)", () => {
  it("refused by default: nothing runs; the refusal is answered and recorded as access.denied", async () => {
    const w = world({ accept: false });
    const ack = await w.request("alarm.ack", { id: "HTR-O2-H" });
    assert.equal(ack.ok, false);
    assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED");
    assert.match(!ack.ok ? ack.error.message : "", /acceptCommands is false/);
    assert.deepEqual(w.calls, []);
    assert.equal(w.records.length, 1);
    assert.equal(w.records[0]!.action, "access.denied");
    assert.equal(w.records[0]!.result, "refused");
    assert.equal(w.records[0]!.clientAddress, "sparkplug htr-site/htr-line-1");
    assert.equal(w.records[0]!.target, "sparkplug DCMD htr/Operation/Request");
  });

  it("enabled: an operation runs as the service user, with that user's role, and is audited like any other", async () => {
    const w = world();
    const ack = await w.request("alarm.ack", { id: "HTR-O2-H" }, "mes-42");
    assert.equal(ack.ok, true);
    assert.deepEqual(w.calls, ["ack HTR-O2-H by mes (operator)"]);
    const r = w.records.at(-1)!;
    assert.equal(r.action, "alarm.ack");
    assert.equal(r.user, "mes");
    assert.equal(r.role, "operator");
    assert.equal(r.result, "ok");
    assert.equal(r.clientAddress, "sparkplug htr-site/htr-line-1");
  });

  it("the service user's permissions decide: a viewer's command is refused by the runner, and recorded", async () => {
    const w = world({ users: { mes: { role: "viewer", disabled: false } } });
    const ack = await w.request("line.command", { command: "reset" });
    assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.deepEqual(w.calls, []);
    assert.equal(w.records.at(-1)!.action, "line.command");
    assert.equal(w.records.at(-1)!.result, "refused");
  });

  it("input validation is the operation's own: an unknown alarm or a malformed input is refused", async () => {
    const w = world();
    const unknown = await w.request("alarm.ack", { id: "NOPE" });
    assert.equal(!unknown.ok && unknown.error.code, "SCADA_ERR_ALARM_UNKNOWN");
    const malformed = await w.request("alarm.ack", { id: 7 });
    assert.equal(!malformed.ok && malformed.error.code, "SCADA_ERR_HTTP_BAD_REQUEST");
    assert.deepEqual(w.calls, []);
  });

  it("never a direct write: a tag metric, a non-JSON or non-String request, a signed or unlisted operation are refused before the runner", async () => {
    const w = world({ allow: ["alarm.ack"] });
    const cases = [
      await w.handler({ device: "htr", metric: "htr.heater_enable", value: true, id: "" }),
      await w.handler({ device: "htr", metric: "Operation/Request", value: "{not json", id: "" }),
      await w.handler({ device: "htr", metric: "Operation/Request", value: 12, id: "" }),
      await w.request("line.command", { command: "reset" }),
    ];
    for (const ack of cases) assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED");
    assert.match(!cases[0]!.ok ? cases[0]!.error.message : "", /never written from the north/);
    assert.match(!cases[3]!.ok ? cases[3]!.error.message : "", /not in sparkplug.commandOperations/);
    const signed = await world().request("interlock.bypass", { id: "IL-05", minutes: 5, reason: "test", signature: { password: "x", meaning: "responsibility" } });
    assert.match(!signed.ok ? signed.error.message : "", /needs a person's e-signature/);
    assert.deepEqual(w.calls, []);
    assert.equal(w.records.length, 4);
    assert.ok(w.records.every((r) => r.action === "access.denied" && r.result === "refused"));
  });

  it("a missing or disabled service user refuses every command", async () => {
    const missing = await world({ users: {} }).request("alarm.ack", { id: "HTR-O2-H" });
    assert.match(!missing.ok ? missing.error.message : "", /'mes' does not exist/);
    const disabled = await world({ users: { mes: { role: "operator", disabled: true } } }).request("alarm.ack", { id: "HTR-O2-H" });
    assert.match(!disabled.ok ? disabled.error.message : "", /'mes' is disabled/);
  });

  it("a flood: at most 20 runs a second; refusals recorded one by one up to 20 a minute, then one summary", async () => {
    const w = world();
    const acks = [];
    for (let i = 0; i < 30; i++) acks.push(await w.request("alarm.ack", { id: "HTR-O2-H" }));
    assert.equal(acks.filter((a) => a.ok).length, 20);
    assert.equal(w.calls.length, 20);
    const off = world({ accept: false });
    for (let i = 0; i < 50; i++) await off.request("alarm.ack", { id: "HTR-O2-H" });
    assert.equal(off.records.length, 20, "recorded one by one up to the window's rate");
    off.advance(61_000);
    await off.request("alarm.ack", { id: "HTR-O2-H" });
    const summary = off.records.find((r) => r.target === "sparkplug DCMD (flood summary)");
    assert.ok(summary, "the suppressed refusals are counted in one summary record");
    assert.deepEqual((summary!.newValue as { suppressed: number }).suppressed, 30);
  });
});
