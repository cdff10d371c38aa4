import assert from "node:assert/strict";
import { ScadaError } from "../../../src/core/errors.js";
import { pickSource, planEventQuery, planHistoryQuery, quoteString, toCsv } from "../../../src/historian/history-query.js";

const NOW = 1_700_000_000_000;
const H = 3_600_000;

describe("history query planning (pure)", () => {
  it("picks the source by bucket size: raw < 1 s ≤ 1s trend < 1 min ≤ 1m trend", () => {
    assert.equal(pickSource(999), "raw");
    assert.equal(pickSource(1000), "1s");
    assert.equal(pickSource(59_999), "1s");
    assert.equal(pickSource(60_000), "1m");
    const plan = (rangeMs: number, points: number) => planHistoryQuery({ tags: ["a"], fromMs: NOW - 10 * H, toMs: NOW - 10 * H + rangeMs, points }, { nowMs: NOW });
    assert.equal(plan(60_000, 300).source, "raw");
    assert.equal(plan(600_000, 300).source, "1s");
    assert.equal(plan(600_000, 300).bucketMs, 2000);
    assert.equal(plan(2 * H, 300).source, "1s");
    assert.equal(plan(2 * H, 100).source, "1m");
    assert.equal(plan(2 * H, 100).bucketMs, 72_000);
  });

  it("groups by ms buckets, per tag, without empty buckets", () => {
    const p = planHistoryQuery({ tags: ["htr.zone1.temp", "feed.speed"], fromMs: NOW - 2 * H, toMs: NOW - H, points: 100 }, { nowMs: NOW });
    assert.equal(p.statements.length, 1, "old range: trends only");
    assert.match(p.statements[0]!, /FROM "trends"."process_1s" WHERE \("tag" = 'htr.zone1.temp' OR "tag" = 'feed.speed'\)/);
    assert.match(p.statements[0]!, /GROUP BY time\(36000ms\), "tag" fill\(none\)$/);
    assert.match(p.statements[0]!, /min\("min"\) AS "min", max\("max"\) AS "max", max\("quality"\)/);
  });

  it("reads the part the CQs have not computed yet from raw data, with the same buckets", () => {
    const p = planHistoryQuery({ tags: ["a"], fromMs: NOW - 2 * H, toMs: NOW, points: 100 }, { nowMs: NOW, trendLagMs: { "1s": 20_000, "1m": 130_000 } });
    assert.equal(p.source, "1m");
    assert.equal(p.statements.length, 2);
    const cut = Math.floor((NOW - 130_000) / 72_000) * 72_000;
    assert.match(p.statements[0]!, new RegExp(`FROM "trends"."process_1m" .* time < ${cut}ms`));
    assert.match(p.statements[1]!, new RegExp(`FROM "raw"."process" .* time >= ${cut}ms AND time <= ${NOW}ms`));
    assert.match(p.statements[1]!, /min\("value"\) AS "min"/);
  });

  it("refuses bad tag names, ranges and sizes with a 400 error, and quotes values", () => {
    const q = { tags: ["a"], fromMs: NOW - H, toMs: NOW, points: 100 };
    for (const bad of [
      { ...q, tags: ["a' OR 1=1 --"] },
      { ...q, tags: ['x"'] },
      { ...q, tags: ["Upper"] },
      { ...q, tags: [] },
      { ...q, fromMs: NOW, toMs: NOW - 1 },
      { ...q, fromMs: Number.NaN },
      { ...q, points: 0 },
      { ...q, points: 1.5 },
    ]) {
      assert.throws(() => planHistoryQuery(bad, { nowMs: NOW }), (e: unknown) => e instanceof ScadaError && e.status === 400, JSON.stringify(bad));
    }
    assert.equal(quoteString("it's \\ here"), "'it\\'s \\\\ here'");
  });

  it("plans event queries with quoted filters and a limit", () => {
    const s = planEventQuery("alarm", { fromMs: NOW - H, toMs: NOW, where: { station: "htr", id: "A'1" }, limit: 50, order: "desc" });
    assert.equal(s, `SELECT * FROM "alarm" WHERE time >= ${NOW - H}ms AND time <= ${NOW}ms AND "station" = 'htr' AND "id" = 'A\\'1' ORDER BY time DESC LIMIT 50`);
    assert.throws(() => planEventQuery("alarm;drop", { fromMs: 0, toMs: 1 }), ScadaError);
    assert.throws(() => planEventQuery("alarm", { fromMs: 0, toMs: 1, where: { 'a"b': "x" } }), ScadaError);
    assert.throws(() => planEventQuery("alarm", { fromMs: 0, toMs: 1, limit: 0 }), ScadaError);
  });

  it("toCsv writes one row per bucket with ISO time, empty cells for nulls", () => {
    const csv = toCsv({
      source: "1s",
      bucketMs: 1000,
      fromMs: 0,
      toMs: 2000,
      series: [{ tag: "a", points: [{ t: 0, value: 1.5, min: 1, max: 2, quality: 0 }, { t: 1000, value: null, min: null, max: null, quality: 2 }] }],
    });
    assert.equal(csv, "tag,time,t_ms,value,min,max,quality\r\na,1970-01-01T00:00:00.000Z,0,1.5,1,2,0\r\na,1970-01-01T00:00:01.000Z,1000,,,,2\r\n");
  });
});
