/** The historian schema on a real private influxd, checked from outside with the `influx` CLI. */
import assert from "node:assert/strict";
import { InfluxDB } from "influx";
import { ensureHistorianSchema, schemaStatements } from "../../src/historian/historian-schema.js";
import { influxCli, startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

const cli = (db: TestInfluxd, q: string): string => influxCli(db, q);

describe("historian schema (real influxd)", function () {
  this.timeout(30_000);
  let db: TestInfluxd;
  let influx: InfluxDB;

  before(async () => {
    db = await startTestInfluxd();
    influx = new InfluxDB({ host: "127.0.0.1", port: db.port, database: "htr" });
  });
  after(async () => db?.cleanup());

  it("creates the database, raw (30 d, DEFAULT) and trends (104 w) policies and the two down-sampling CQs", async () => {
    const schema = await ensureHistorianSchema(influx, { cq1s: { every: "1s", for: "1m" }, cq1m: { every: "1m", for: "2h" } });
    assert.deepEqual(schema.continuousQueries, ["cq_process_1s", "cq_process_1m"]);
    assert.match(cli(db, "SHOW DATABASES"), /^htr$/m);
    const rps = cli(db, "SHOW RETENTION POLICIES ON htr");
    assert.match(rps, /^raw\s+720h0m0s\s+\S+\s+1\s+true$/m);
    assert.match(rps, /^trends\s+17472h0m0s\s+\S+\s+1\s+false$/m);
    const cqs = cli(db, "SHOW CONTINUOUS QUERIES");
    assert.match(cqs, /cq_process_1s CREATE CONTINUOUS QUERY cq_process_1s ON htr RESAMPLE EVERY 1s FOR 1m BEGIN SELECT mean\(value\) AS value, min\(value\) AS min, max\(value\) AS max, max\(quality\) AS quality INTO htr.trends.process_1s FROM htr.raw.process GROUP BY time\(1s\), \* END/);
    assert.match(cqs, /cq_process_1m .* RESAMPLE EVERY 1m FOR 2h .* INTO htr.trends.process_1m FROM htr.raw.process GROUP BY time\(1m\), \* END/);
  });

  it("schemaStatements: what it makes from nothing, in order, with the given settings (deploy/influxdb/init/htr-schema.iql is the default)", () => {
    const s = schemaStatements({ database: "line2", rawRetention: "14d", cq1m: { every: "2m", for: "4h" } });
    assert.deepEqual(s.slice(0, 3), [
      "CREATE DATABASE line2",
      "CREATE RETENTION POLICY raw ON line2 DURATION 14d REPLICATION 1 DEFAULT",
      "CREATE RETENTION POLICY trends ON line2 DURATION 104w REPLICATION 1",
    ]);
    assert.match(s[3]!, /^CREATE CONTINUOUS QUERY cq_process_1s ON line2 RESAMPLE EVERY 1s FOR 1m BEGIN .* INTO line2\.trends\.process_1s FROM line2\.raw\.process GROUP BY time\(1s\), \* END$/);
    assert.match(s[4]!, /^CREATE CONTINUOUS QUERY cq_process_1m ON line2 RESAMPLE EVERY 2m FOR 4h BEGIN /);
    assert.equal(s.length, 5);
    assert.throws(() => schemaStatements({ database: "htr; DROP DATABASE htr" }), /historian schema: invalid database 'htr; DROP DATABASE htr'/);
    assert.throws(() => schemaStatements({ trendsRetention: "2 years" }), /invalid retention '2 years'/);
  });

  it("is idempotent: a second and third run change nothing and duplicate nothing", async () => {
    const before = [cli(db, "SHOW RETENTION POLICIES ON htr"), cli(db, "SHOW CONTINUOUS QUERIES")];
    await ensureHistorianSchema(influx);
    await ensureHistorianSchema(influx);
    assert.deepEqual([cli(db, "SHOW RETENTION POLICIES ON htr"), cli(db, "SHOW CONTINUOUS QUERIES")], before);
    const cqs = await influx.showContinousQueries("htr");
    assert.equal(cqs.length, 2);
  });

  it("applies changed settings on re-run (duration altered, CQ replaced) and survives a restart", async () => {
    await ensureHistorianSchema(influx, { rawRetention: "14d", cq1s: { every: "2s", for: "5m" } });
    assert.match(cli(db, "SHOW RETENTION POLICIES ON htr"), /^raw\s+336h0m0s\s+\S+\s+1\s+true$/m);
    assert.match(cli(db, "SHOW CONTINUOUS QUERIES"), /cq_process_1s .* RESAMPLE EVERY 2s FOR 5m /);
    await db.stop();
    await db.start();
    await ensureHistorianSchema(influx);
    const cqs = cli(db, "SHOW CONTINUOUS QUERIES");
    assert.match(cqs, /cq_process_1s .* RESAMPLE EVERY 1s FOR 1m /);
    assert.equal((cqs.match(/CREATE CONTINUOUS QUERY/g) ?? []).length, 2);
    assert.match(cli(db, "SHOW RETENTION POLICIES ON htr"), /^raw\s+720h0m0s\s+\S+\s+1\s+true$/m);
  });

  it("down-samples written points into trends.process_1s with mean, min, max and worst quality", async () => {
    const now = Date.now() - 5000;
    const t = Math.floor(now / 1000) * 1000;
    await influx.writePoints(
      [
        { measurement: "process", tags: { tag: "cq.test" }, fields: { value: 1, quality: 0 }, timestamp: new Date(t + 100) },
        { measurement: "process", tags: { tag: "cq.test" }, fields: { value: 5, quality: 1 }, timestamp: new Date(t + 400) },
        { measurement: "process", tags: { tag: "cq.test" }, fields: { value: 3, quality: 0 }, timestamp: new Date(t + 700) },
      ],
      { precision: "ms" },
    );
    let out = "";
    await waitFor("the 1 s CQ to down-sample cq.test", 10_000, () => /cq\.test/.test((out = cli(db, `SELECT value, min, max, quality, "tag" FROM htr.trends.process_1s WHERE time = ${t}ms`))), {
      everyMs: 250,
      observe: () => out,
    });
    assert.match(out, /\s3\s+1\s+5\s+1\s+cq\.test/, out);
  });
});
