import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { HistorianService } from "../../src/historian/historian-service.js";
import { startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * Regression: points written right after start, before the schema made `raw` the default retention policy,
 * landed in `autogen`, where no query looks (an audit record of the start was missing from the historian,
 * seen by the audit tail anchor); points written before start() were dropped silently (the audit record of
 * the admin user made on a first start). They must end up in `raw` like every later point.
 */
describe("historian: points written before start or before the schema is ready are kept where queries look", function () {
  this.timeout(60_000);
  let influxd: TestInfluxd;
  let dataDir: string;
  before(async () => {
    influxd = await startTestInfluxd();
    dataDir = mkdtempSync(join(tmpdir(), "early-points-"));
  });
  after(async () => {
    await influxd?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("a point written before start() and one at once after it are found by the event query of the default RP", async () => {
    // The database exists already (made by hand, or by an older version) with InfluxDB's own default RP:
    // the first batch goes out before the schema makes `raw` the default.
    assert.equal((await fetch(`${influxd.url}/query?q=${encodeURIComponent("CREATE DATABASE htr")}`, { method: "POST" })).status, 200);
    const h = new HistorianService({
      tags: [],
      line: "htr-1",
      dataDir,
      influxUrl: `${influxd.url}/htr`,
      flushIntervalMs: 1,
      clock: systemClock,
      logger: silentLogger(),
    });
    try {
      const t = Date.now();
      const point = (detail: string, timeMs: number) => ({ measurement: "state", tags: { line: "htr-1", scope: "line", kind: "line" }, fields: { from: "", to: "idle", detail }, timeMs });
      // Before start(): the writer does not exist yet; the point waits for it.
      h.write(point("before start", t - 1));
      await h.start();
      h.write(point("early", t));
      await waitFor("the early points in raw.state", 20_000, async () => {
        try {
          return (await h.events("state", { fromMs: t - 1000, toMs: t + 1000 })).length === 2;
        } catch {
          return false; // the database is not made yet
        }
      }, 100);
      const rows = await h.events("state", { fromMs: t - 1000, toMs: t + 1000 });
      assert.deepEqual(
        rows.map((r) => r.values.detail),
        ["before start", "early"],
      );
    } finally {
      await h.stop();
    }
  });
});
