import assert from "node:assert/strict";
import fc from "fast-check";
import { get as sparkplugPayload } from "sparkplug-payload";
import type { SiteEvent, SiteMetric, SparkplugKind } from "../../../src/site/site-message.js";
import { siteEventOf } from "../../../src/site/site-payload.js";
import { REBIRTH_INTERVAL_MS, type SiteState, foldSite, initialSiteState } from "../../../src/site/site-state.js";

const spB = sparkplugPayload("spBv1.0")!;

const setup = {
  id: "htr-site",
  name: "Site",
  groupId: "htr-site",
  speedMetric: { device: "feed", metric: "feed.web_speed" },
  lines: [
    { id: "htr-line-1", name: "Line 1", hmiUrl: "http://127.0.0.1:8081/" },
    { id: "htr-line-2", name: "Line 2", hmiUrl: "http://127.0.0.1:8082/" },
  ],
};

const msg = (type: SparkplugKind, edgeNode: string, at: number, metrics: SiteMetric[], extra: { seq?: number | null; device?: string; group?: string } = {}): SiteEvent => ({
  kind: "message",
  type,
  group: extra.group ?? "htr-site",
  edgeNode,
  ...(extra.device ? { device: extra.device } : {}),
  seq: extra.seq === undefined ? null : extra.seq,
  timestamp: at,
  metrics,
  at,
});

const birthMetrics = (bdSeq: number, over: Partial<Record<string, SiteMetric["value"]>> = {}): SiteMetric[] =>
  Object.entries({
    bdSeq,
    "Node Control/Rebirth": false,
    "Line/State": "Stopped",
    "Line/Mode": "Production",
    "Line/First out": "",
    "Line/Tripped": "",
    "Alarms/In list": 1,
    "Alarms/Unacknowledged": 1,
    "Alarms/critical": 0,
    "Alarms/high": 1,
    "Roll/Id": "R-0001",
    "Roll/Length": 12.3,
    ...over,
  }).map(([name, value]) => ({ name, value: value ?? null }));

/** Folds the events in order; returns the final state and every request made. */
function run(events: SiteEvent[], from: SiteState = initialSiteState(setup)) {
  let state = from;
  const requests: unknown[] = [];
  for (const e of events) {
    const r = foldSite(state, e);
    state = r.state;
    requests.push(...r.requests);
  }
  return { state, requests, line: (id: string) => state.lines.find((l) => l.id === id)! };
}

describe("site state (site/site-state.ts): the fold of the site's Sparkplug messages", () => {
  it("starts with the site file's lines, never seen", () => {
    const s = initialSiteState(setup);
    assert.deepEqual(s.lines.map((l) => [l.id, l.status, l.configured, l.hmiUrl]), [
      ["htr-line-1", "never-seen", true, "http://127.0.0.1:8081/"],
      ["htr-line-2", "never-seen", true, "http://127.0.0.1:8082/"],
    ]);
    assert.equal(s.broker.connected, false);
  });

  it("NBIRTH: online with the session's bdSeq and the line's own metrics; NDATA changes only what it carries", () => {
    const r = run([msg("NBIRTH", "htr-line-1", 1000, birthMetrics(7), { seq: 0 }), msg("NDATA", "htr-line-1", 1100, [{ name: "Line/State", value: "Execute" }, { name: "Alarms/high", value: 2 }], { seq: 1 })]);
    const l = r.line("htr-line-1");
    assert.equal(l.status, "online");
    assert.equal(l.bdSeq, 7);
    assert.equal(l.bornAt, 1000);
    assert.equal(l.state, "Execute");
    assert.equal(l.mode, "Production");
    assert.deepEqual(l.alarms, { inList: 1, unacknowledged: 1, byPriority: { critical: 0, high: 2 } });
    assert.deepEqual(l.roll, { id: "R-0001", lengthM: 12.3 });
    assert.equal(l.seq, 1);
    assert.equal(l.seqGaps, 0);
    assert.deepEqual(r.requests, []);
    assert.equal(r.line("htr-line-2").status, "never-seen");
  });

  it("a trip: first-out and the latched trips, with the time the overview first had them; cleared on reset", () => {
    const r = run([
      msg("NBIRTH", "htr-line-2", 1000, birthMetrics(0), { seq: 0 }),
      msg("NDATA", "htr-line-2", 2000, [{ name: "Line/First out", value: "IL-01" }, { name: "Line/Tripped", value: "IL-01" }, { name: "Line/State", value: "Aborting" }], { seq: 1 }),
      msg("NDATA", "htr-line-2", 2300, [{ name: "Line/Tripped", value: "IL-01,IL-08" }, { name: "Line/State", value: "Aborted" }], { seq: 2 }),
    ]);
    const l = r.line("htr-line-2");
    assert.equal(l.firstOut, "IL-01");
    assert.deepEqual(l.tripped, ["IL-01", "IL-08"]);
    assert.equal(l.trippedSince, 2000, "since the first trip was seen, not the last change");
    assert.equal(l.state, "Aborted");
    const cleared = run([msg("NDATA", "htr-line-2", 9000, [{ name: "Line/Tripped", value: "" }, { name: "Line/First out", value: "" }], { seq: 3 })], r.state).line("htr-line-2");
    assert.deepEqual([cleared.tripped, cleared.trippedSince, cleared.firstOut], [[], null, ""]);
  });

  it("the speed from the configured device's tag, with its quality; other devices and historical values left alone", () => {
    const r = run([
      msg("NBIRTH", "htr-line-1", 1000, birthMetrics(1), { seq: 0 }),
      msg("DBIRTH", "htr-line-1", 1001, [{ name: "feed.web_speed", value: 0, quality: 192 }], { seq: 1, device: "feed" }),
      msg("DDATA", "htr-line-1", 1100, [{ name: "feed.web_speed", value: 1.25, quality: 192 }], { seq: 2, device: "feed" }),
      msg("DDATA", "htr-line-1", 1200, [{ name: "feed.web_speed", value: 9, quality: 192 }], { seq: 3, device: "htr" }),
      msg("DDATA", "htr-line-1", 1300, [{ name: "feed.web_speed", value: 7, historical: true }], { seq: 4, device: "feed" }),
    ]);
    assert.deepEqual(r.line("htr-line-1").speed, { value: 1.25, quality: "Good" });
    const bad = run([msg("DDATA", "htr-line-1", 1400, [{ name: "feed.web_speed", value: 1.3, quality: 64 }], { seq: 5, device: "feed" })], r.state).line("htr-line-1");
    assert.deepEqual(bad.speed, { value: 1.3, quality: "Uncertain" });
    const none = run([msg("DDATA", "htr-line-1", 1500, [{ name: "feed.web_speed", value: null, quality: 0 }], { seq: 6, device: "feed" })], r.state).line("htr-line-1");
    assert.deepEqual(none.speed, { value: null, quality: "Bad" });
  });

  it("NDEATH of the session: offline with the time of death, last values kept; a late will of an older session is ignored", () => {
    const born = run([msg("NBIRTH", "htr-line-1", 1000, birthMetrics(4, { "Line/State": "Execute" }), { seq: 0 })]);
    const dead = run([msg("NDEATH", "htr-line-1", 5000, [{ name: "bdSeq", value: 4 }])], born.state);
    const l = dead.line("htr-line-1");
    assert.deepEqual([l.status, l.diedAt, l.state], ["offline", 5000, "Execute"]);
    const reborn = run([msg("NBIRTH", "htr-line-1", 6000, birthMetrics(5), { seq: 0 }), msg("NDEATH", "htr-line-1", 6100, [{ name: "bdSeq", value: 4 }])], dead.state);
    assert.equal(reborn.line("htr-line-1").status, "online", "the will of session 4 does not end session 5");
    assert.equal(reborn.line("htr-line-1").diedAt, null);
    assert.equal(reborn.state.counters.staleDeaths, 1);
  });

  it("a rebirth (NBIRTH, same bdSeq) keeps the time the session began", () => {
    const r = run([msg("NBIRTH", "htr-line-1", 1000, birthMetrics(2), { seq: 0 }), msg("NDATA", "htr-line-1", 1500, [], { seq: 1 }), msg("NBIRTH", "htr-line-1", 3000, birthMetrics(2), { seq: 0 })]);
    assert.equal(r.line("htr-line-1").bornAt, 1000);
    assert.equal(r.line("htr-line-1").seq, 0);
  });

  it("data of a node without a session: ignored, a rebirth asked for at most once per interval", () => {
    const at = 10_000;
    const r = run([
      msg("DDATA", "htr-line-1", at, [{ name: "feed.web_speed", value: 3 }], { seq: 17, device: "feed" }),
      msg("NDATA", "htr-line-1", at + 100, [{ name: "Line/State", value: "Execute" }], { seq: 18 }),
      msg("DDATA", "htr-line-1", at + REBIRTH_INTERVAL_MS, [], { seq: 19, device: "feed" }),
    ]);
    assert.deepEqual(r.requests, [{ kind: "rebirth", edgeNode: "htr-line-1" }, { kind: "rebirth", edgeNode: "htr-line-1" }]);
    const l = r.line("htr-line-1");
    assert.deepEqual([l.status, l.state, l.speed.value], ["unknown", null, null], "nothing taken from a session whose birth was not seen");
    assert.equal(r.state.counters.ignored, 3);
    assert.equal(r.state.counters.rebirthRequests, 2);
  });

  it("a gap in seq is counted and asks for a rebirth; the data is still applied", () => {
    const r = run([msg("NBIRTH", "htr-line-1", 1000, birthMetrics(0), { seq: 0 }), msg("NDATA", "htr-line-1", 1100, [{ name: "Line/State", value: "Held" }], { seq: 5 })]);
    assert.equal(r.line("htr-line-1").seqGaps, 1);
    assert.equal(r.line("htr-line-1").state, "Held");
    assert.deepEqual(r.requests, [{ kind: "rebirth", edgeNode: "htr-line-1" }]);
    // seq wraps at 256 without a gap
    const w = run([msg("NBIRTH", "htr-line-2", 1000, birthMetrics(0), { seq: 0 }), ...Array.from({ length: 300 }, (_, i) => msg("NDATA", "htr-line-2", 1001 + i, [], { seq: (i + 1) % 256 }))]);
    assert.equal(w.line("htr-line-2").seqGaps, 0);
  });

  it("malformed messages, other groups and commands are counted, never applied; an unknown line is shown as not configured", () => {
    const r = run([
      { kind: "malformed", topic: "spBv1.0/htr-site/NDATA/x", reason: "payload is not Sparkplug B", at: 1 },
      msg("NBIRTH", "htr-line-1", 2, birthMetrics(0), { seq: 0, group: "other-site" }),
      msg("NCMD", "htr-line-1", 3, [{ name: "Node Control/Rebirth", value: true }]),
      msg("NBIRTH", "stranger", 4, birthMetrics(3), { seq: 0 }),
    ]);
    assert.deepEqual(r.state.counters, { messages: 3, malformed: 1, ignored: 2, staleDeaths: 0, rebirthRequests: 0 });
    assert.equal(r.line("htr-line-1").status, "never-seen");
    const s = r.line("stranger");
    assert.deepEqual([s.status, s.configured, s.hmiUrl], ["online", false, null]);
  });

  it("the broker lost: online lines unknown; back: a rebirth asked of each", () => {
    const r = run([
      { kind: "broker", connected: true, at: 1 },
      msg("NBIRTH", "htr-line-1", 2, birthMetrics(0), { seq: 0 }),
      { kind: "broker", connected: false, at: 3, reason: "broker connection lost" },
    ]);
    assert.equal(r.line("htr-line-1").status, "unknown");
    assert.deepEqual(r.state.broker, { connected: false, since: 3, reason: "broker connection lost" });
    const back = run([{ kind: "broker", connected: true, at: 4 }], r.state);
    assert.deepEqual(back.requests, [{ kind: "rebirth", edgeNode: "htr-line-1" }]);
    const again = run([msg("NBIRTH", "htr-line-1", 5, birthMetrics(0), { seq: 0 })], back.state);
    assert.equal(again.line("htr-line-1").status, "online");
  });

  it("never throws, whatever the messages (property)", () => {
    const value = fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.double(), fc.integer(), fc.boolean());
    const metric = fc.record({ name: fc.constantFrom("bdSeq", "Line/State", "Line/Tripped", "Line/First out", "Alarms/In list", "Alarms/x", "Roll/Length", "feed.web_speed", "junk"), value, quality: fc.integer({ min: -1, max: 300 }) });
    const event: fc.Arbitrary<SiteEvent> = fc.oneof(
      fc.record({
        kind: fc.constant("message" as const),
        type: fc.constantFrom<SparkplugKind>("NBIRTH", "NDEATH", "NDATA", "NCMD", "DBIRTH", "DDEATH", "DDATA", "DCMD"),
        group: fc.constantFrom("htr-site", "x"),
        edgeNode: fc.constantFrom("htr-line-1", "htr-line-2", "z"),
        device: fc.constantFrom("feed", "htr"),
        seq: fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 300 })),
        timestamp: fc.constant(null),
        metrics: fc.array(metric, { maxLength: 5 }),
        at: fc.integer({ min: 0, max: 1e9 }),
      }),
      fc.record({ kind: fc.constant("broker" as const), connected: fc.boolean(), at: fc.integer({ min: 0, max: 1e9 }) }),
      fc.record({ kind: fc.constant("malformed" as const), topic: fc.string(), reason: fc.string(), at: fc.integer({ min: 0, max: 1e9 }) }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const { state } = run(events);
        JSON.stringify(state);
        return state.lines.length >= 2;
      }),
    );
  });
});

describe("site payload (site/site-payload.ts): a decoded Sparkplug B payload as a site event", () => {
  it("Tahu's decode of a birth: 64-bit integers as numbers, nulls as null, the Quality property, historical flags", () => {
    const bytes = spB.encodePayload({
      timestamp: 1_700_000_000_000,
      seq: 0,
      metrics: [
        { name: "bdSeq", type: "UInt64", value: 200 },
        { name: "Line/State", type: "String", value: "Execute" },
        { name: "feed.web_speed", type: "Float", value: 1.5, properties: { Quality: { type: "Int32", value: 192 } } },
        { name: "htr.web_temp", type: "Double", value: null, isNull: true },
        { name: "old", type: "Int32", value: 3, isHistorical: true },
      ],
    });
    const e = siteEventOf({ group: "g", type: "NBIRTH", edgeNode: "n" }, spB.decodePayload(bytes), 42);
    assert.equal(e.kind, "message");
    if (e.kind !== "message") return;
    assert.equal(e.seq, 0);
    assert.equal(e.timestamp, 1_700_000_000_000);
    assert.deepEqual(
      e.metrics.map((m) => [m.name, m.value, m.quality ?? null, m.historical ?? false]),
      [
        ["bdSeq", 200, null, false],
        ["Line/State", "Execute", null, false],
        ["feed.web_speed", 1.5, 192, false],
        ["htr.web_temp", null, null, false],
        ["old", 3, null, true],
      ],
    );
  });
});
