// The messages between the line's process and its web processes: what comes in over Redis is parsed first.
import assert from "node:assert/strict";
import { type ClusterEvent, answerAck, parseClusterMessage } from "../../../src/server/socket-cluster-contract.js";

const base = { node: "web-1", id: "7" };
const good: { [E in ClusterEvent]: Record<string, unknown> } = {
  "scada:hello": { ...base, socket: "sock-1", session: "sess-1" },
  "scada:subscribe": { ...base, socket: "sock-1", session: "sess-1", tags: ["a", "b"] },
  "scada:unsubscribe": { node: "web-1", socket: "sock-1" },
  "scada:operate": { ...base, session: "sess-1", address: "10.0.0.5", request: { op: "alarm.ack", input: { id: "A1" } } },
  "scada:alive": { ...base, sockets: ["sock-1", "sock-2"] },
  "scada:answer": { ...base, runtime: "boot-1", body: { ok: true, result: null } },
};
const events = Object.keys(good) as ClusterEvent[];
const without = (m: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(m).filter(([k]) => k !== key));

describe("parseClusterMessage", () => {
  it("accepts each well-formed message as it is", () => {
    for (const e of events) assert.deepEqual(parseClusterMessage(e, good[e]), good[e], e);
    assert.deepEqual(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: [] })?.tags, []);
  });

  it("drops fields it does not know", () => {
    assert.deepEqual(parseClusterMessage("scada:unsubscribe", { ...good["scada:unsubscribe"], role: "admin" }), good["scada:unsubscribe"]);
  });

  it("rejects non-objects and a message missing any one of its fields (request and body included)", () => {
    for (const e of events) {
      for (const bad of [undefined, null, "x", 1, []]) assert.equal(parseClusterMessage(e, bad), undefined, `${e} ${String(bad)}`);
      for (const key of Object.keys(good[e])) assert.equal(parseClusterMessage(e, without(good[e], key)), undefined, `${e} without ${key}`);
    }
  });

  it("rejects wrong types", () => {
    assert.equal(parseClusterMessage("scada:hello", { ...good["scada:hello"], id: 7 }), undefined);
    assert.equal(parseClusterMessage("scada:hello", { ...good["scada:hello"], node: "" }), undefined, "an empty node");
    assert.equal(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: "a" }), undefined);
    assert.equal(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: ["a", 1] }), undefined);
    assert.equal(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: [""] }), undefined, "an empty tag name");
    assert.equal(parseClusterMessage("scada:alive", { ...good["scada:alive"], sockets: [{}] }), undefined);
    assert.equal(parseClusterMessage("scada:operate", { ...good["scada:operate"], address: null }), undefined);
    assert.equal(parseClusterMessage("scada:answer", { ...good["scada:answer"], runtime: 1 }), undefined);
  });

  it("rejects too many tags (> 500) and a tag name > 200 characters, at the boundary", () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
    assert.ok(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: tags(500) }));
    assert.equal(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: tags(501) }), undefined);
    assert.ok(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: ["x".repeat(200)] }));
    assert.equal(parseClusterMessage("scada:subscribe", { ...good["scada:subscribe"], tags: ["x".repeat(201)] }), undefined);
  });

  it("rejects ids, nodes and boot ids > 100 characters, sockets > 64, sessions > 128", () => {
    const long = (n: number) => "x".repeat(n);
    assert.ok(parseClusterMessage("scada:hello", { ...good["scada:hello"], id: long(100), node: long(100), socket: long(64), session: long(128) }));
    assert.equal(parseClusterMessage("scada:hello", { ...good["scada:hello"], id: long(101) }), undefined);
    assert.equal(parseClusterMessage("scada:hello", { ...good["scada:hello"], node: long(101) }), undefined);
    assert.equal(parseClusterMessage("scada:hello", { ...good["scada:hello"], socket: long(65) }), undefined);
    assert.equal(parseClusterMessage("scada:hello", { ...good["scada:hello"], session: long(129) }), undefined);
    assert.equal(parseClusterMessage("scada:answer", { ...good["scada:answer"], runtime: long(101) }), undefined);
    assert.equal(parseClusterMessage("scada:operate", { ...good["scada:operate"], address: long(101) }), undefined);
    assert.equal(parseClusterMessage("scada:alive", { ...good["scada:alive"], sockets: [long(65)] }), undefined);
  });
});

describe("answerAck", () => {
  it("accepts {ok: true, result} and {ok: false, error: {code, message}}", () => {
    assert.deepEqual(answerAck({ ok: true, result: { subscribed: ["a"], unknown: [] } }), { ok: true, result: { subscribed: ["a"], unknown: [] } });
    assert.deepEqual(answerAck({ ok: true, result: null }), { ok: true, result: null });
    const refusal = { ok: false, error: { code: "SCADA_ERR_AUTH_FORBIDDEN", message: "no" } };
    assert.deepEqual(answerAck(refusal), refusal);
  });

  it("rejects other shapes", () => {
    for (const bad of [
      undefined,
      null,
      "ok",
      {},
      { ok: "true", result: 1 },
      { ok: false },
      { ok: false, error: "no" },
      { ok: false, error: { code: 1, message: "no" } },
      { ok: false, error: { code: "X" } },
      { ok: false, error: { code: "x".repeat(101), message: "no" } },
      { ok: true, error: { code: "X", message: "no" } },
    ]) {
      assert.equal(answerAck(bad), undefined, JSON.stringify(bad));
    }
  });

  it("needs the result key: {ok: true, result: undefined} does not survive a JSON round trip", () => {
    // The Redis streams adapter is wired with onlyPlaintext (JSON) in wire-redis-adapter.ts: a success whose
    // result is undefined reaches the web process as {ok: true} and is taken as a malformed answer.
    assert.equal(answerAck({ ok: true }), undefined);
    assert.equal(answerAck(JSON.parse(JSON.stringify({ ok: true, result: undefined }))), undefined);
    assert.deepEqual(answerAck({ ok: true, result: undefined }), { ok: true, result: undefined });
  });
});
