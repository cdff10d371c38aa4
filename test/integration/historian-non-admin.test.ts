/**
 * The historian with a user that is not an InfluxDB admin (the compose stack's writer), on a real influxd
 * with authentication on. The database, its users and the schema are made the way the influxdb:1.8 image
 * makes them on its first start (its init-influxdb.sh, reproduced below step by step, then every file of
 * deploy/influxdb/init run as the image runs it); then the app's own schema set-up and writes run as the
 * writer.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { InfluxDB } from "influx";
import { INFLUX_INIT_SCRIPT } from "../../scripts/gen-influx-init.js";
import { systemClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/core/logger.js";
import { ensureHistorianSchema, HistorianSchemaMissingError, schemaInitScript, schemaStatements } from "../../src/historian/historian-schema.js";
import { HistorianService } from "../../src/historian/historian-service.js";
import { startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

interface Account {
  readonly user: string;
  readonly password: string;
}
const ADMIN: Account = { user: "admin", password: "admin-Secret-1" };
const WRITER: Account = { user: "scada", password: "writer-Secret-2" };
const READER: Account = { user: "grafana", password: "reader-Secret-3" };
const INIT_DIR = dirname(INFLUX_INIT_SCRIPT);

/**
 * What init-influxdb.sh of the influxdb:1.8 image does on a first start with INFLUXDB_HTTP_AUTH_ENABLED,
 * INFLUXDB_ADMIN_USER, INFLUXDB_DB, INFLUXDB_WRITE_USER and INFLUXDB_READ_USER set — its statements and its
 * loop over /docker-entrypoint-initdb.d (`. file.sh`, `$INFLUX_CMD "$(cat file.iql)"`), under `set -e`.
 */
const IMAGE_INIT = `
set -e
INFLUX_CMD="influx -host 127.0.0.1 -port $PORT -execute "
$INFLUX_CMD "CREATE USER \\"$INFLUXDB_ADMIN_USER\\" WITH PASSWORD '$INFLUXDB_ADMIN_PASSWORD' WITH ALL PRIVILEGES"
INFLUX_CMD="influx -host 127.0.0.1 -port $PORT -username \${INFLUXDB_ADMIN_USER} -password \${INFLUXDB_ADMIN_PASSWORD} -execute "
$INFLUX_CMD "CREATE DATABASE $INFLUXDB_DB"
$INFLUX_CMD "CREATE USER \\"$INFLUXDB_WRITE_USER\\" WITH PASSWORD '$INFLUXDB_WRITE_USER_PASSWORD'"
$INFLUX_CMD "REVOKE ALL PRIVILEGES FROM \\"$INFLUXDB_WRITE_USER\\""
$INFLUX_CMD "GRANT WRITE ON \\"$INFLUXDB_DB\\" TO \\"$INFLUXDB_WRITE_USER\\""
$INFLUX_CMD "CREATE USER \\"$INFLUXDB_READ_USER\\" WITH PASSWORD '$INFLUXDB_READ_USER_PASSWORD'"
$INFLUX_CMD "REVOKE ALL PRIVILEGES FROM \\"$INFLUXDB_READ_USER\\""
$INFLUX_CMD "GRANT READ ON \\"$INFLUXDB_DB\\" TO \\"$INFLUXDB_READ_USER\\""
for f in "$INIT_DIR"/*; do
  case "$f" in
    *.sh)     echo "$0: running $f"; . "$f" ;;
    *.iql)    echo "$0: running $f"; $INFLUX_CMD "$(cat ""$f"")"; echo ;;
    *)        echo "$0: ignoring $f" ;;
  esac
done
`;

/** Runs the image's first-start init against `db` with `initDir` as /docker-entrypoint-initdb.d. */
function initLikeTheImage(db: TestInfluxd, initDir: string): void {
  // --norc: bash reads ~/.bashrc when its stdin is a socket (as Node's pipes are), taking it for rshd.
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", IMAGE_INIT], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      PORT: String(db.port),
      INIT_DIR: initDir,
      INFLUXDB_DB: "htr",
      INFLUXDB_ADMIN_USER: ADMIN.user,
      INFLUXDB_ADMIN_PASSWORD: ADMIN.password,
      INFLUXDB_WRITE_USER: WRITER.user,
      INFLUXDB_WRITE_USER_PASSWORD: WRITER.password,
      INFLUXDB_READ_USER: READER.user,
      INFLUXDB_READ_USER_PASSWORD: READER.password,
    },
  });
  assert.equal(r.status, 0, `the image's init failed:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, "", `the image's init complained:\n${r.stderr}`);
}

const cli = (db: TestInfluxd, who: Account, q: string, extra: string[] = []): string =>
  execFileSync("influx", [...db.cliArgs(), "-username", who.user, "-password", who.password, ...extra, "-execute", q], { encoding: "utf8" });

const clientAs = (db: TestInfluxd, who: Account): InfluxDB => new InfluxDB({ host: "127.0.0.1", port: db.port, database: "htr", username: who.user, password: who.password });

const schemaSeenByAdmin = (db: TestInfluxd): string[] => [cli(db, ADMIN, "SHOW RETENTION POLICIES ON htr"), cli(db, ADMIN, "SHOW CONTINUOUS QUERIES")];

/** A historian service as the SCADA makes it from INFLUX_URL, its log lines kept (JSON, as in a container). */
function historianAs(db: TestInfluxd, who: Account, dataDir: string, schemaRecheckMs?: number): { service: HistorianService; log: Record<string, unknown>[] } {
  const log: Record<string, unknown>[] = [];
  const logger = createLogger("info", { format: "json", destination: { write: (line: string) => log.push(JSON.parse(line) as Record<string, unknown>) } });
  const service = new HistorianService({
    tags: [],
    line: "htr-1",
    dataDir,
    influxUrl: `http://${who.user}:${encodeURIComponent(who.password)}@127.0.0.1:${db.port}/htr`,
    flushIntervalMs: 1,
    ...(schemaRecheckMs !== undefined ? { schemaRecheckMs } : {}),
    clock: systemClock,
    logger,
  });
  return { service, log };
}

const statePoint = (detail: string, timeMs: number) => ({
  measurement: "state",
  tags: { line: "htr-1", scope: "line", kind: "line" },
  fields: { from: "", to: "idle", detail },
  timeMs,
});

describe("historian as an InfluxDB user without admin rights (real influxd, auth on)", function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "historian-non-admin-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("the committed deploy/influxdb/init/htr-schema.iql is the app's schema (node --import=tsx scripts/gen-influx-init.ts)", () => {
    assert.equal(readFileSync(INFLUX_INIT_SCRIPT, "utf8"), schemaInitScript());
    // What the image's CLI needs: one statement per line (it runs -execute line by line), nothing else.
    assert.deepEqual(readFileSync(INFLUX_INIT_SCRIPT, "utf8").trimEnd().split("\n"), schemaStatements());
  });

  describe("the schema made by the image's first start (deploy/influxdb/init)", () => {
    let db: TestInfluxd;
    before(async () => {
      db = await startTestInfluxd({ auth: true });
      initLikeTheImage(db, INIT_DIR);
    });
    after(async () => db?.cleanup());

    it("auth is on, the writer is not an admin and has WRITE and READ on htr, the reader READ", () => {
      assert.throws(() => execFileSync("influx", [...db.cliArgs(), "-execute", "SHOW DATABASES"], { encoding: "utf8", stdio: "pipe" }), /unable to parse authentication credentials|authorization failed/);
      const users = cli(db, ADMIN, "SHOW USERS", ["-format", "csv"]).trim().split("\n").slice(1).sort();
      assert.deepEqual(users, [`${ADMIN.user},true`, `${READER.user},false`, `${WRITER.user},false`]);
      assert.match(cli(db, ADMIN, `SHOW GRANTS FOR "${WRITER.user}"`), /^htr\s+ALL PRIVILEGES$/m);
      assert.match(cli(db, ADMIN, `SHOW GRANTS FOR "${READER.user}"`), /^htr\s+READ$/m);
      assert.throws(() => execFileSync("influx", [...db.cliArgs(), "-username", WRITER.user, "-password", WRITER.password, "-execute", "CREATE DATABASE other"], { stdio: "pipe" }), /requires admin privilege/);
    });

    it("the app's schema set-up as the writer finds the schema and goes on, changing nothing", async () => {
      const before = schemaSeenByAdmin(db);
      assert.match(before[0]!, /^raw\s+720h0m0s\s+\S+\s+1\s+true$/m);
      assert.match(before[0]!, /^trends\s+17472h0m0s\s+\S+\s+1\s+false$/m);
      const schema = await ensureHistorianSchema(clientAs(db, WRITER));
      assert.deepEqual(schema.continuousQueries, ["cq_process_1s", "cq_process_1m"]);
      assert.deepEqual(schemaSeenByAdmin(db), before);
    });

    it("the .iql made exactly the app's schema: the app's set-up as the admin finds nothing to alter or replace", async () => {
      const before = schemaSeenByAdmin(db);
      await ensureHistorianSchema(clientAs(db, ADMIN));
      assert.deepEqual(schemaSeenByAdmin(db), before);
    });

    it("the SCADA's historian as the writer: schema ready, points written into raw and read back, nothing logged at warn or above", async () => {
      const { service, log } = historianAs(db, WRITER, dataDir);
      const t = Date.now();
      try {
        await service.start();
        service.write(statePoint("written by a user without admin rights", t));
        await waitFor("the schema ready and the point written", 20_000, () => service.status().schemaReady && service.status().writtenPoints >= 1, {
          everyMs: 50,
          observe: () => ({ status: service.status(), log }),
        });
        // Read back by the SCADA itself (its READ grant) and by Grafana's read user.
        const rows = await service.events("state", { fromMs: t - 1000, toMs: t + 1000 });
        assert.deepEqual(rows.map((r) => r.values.detail), ["written by a user without admin rights"]);
        assert.match(cli(db, READER, `SELECT detail FROM htr.raw.state WHERE time = ${t}ms`), /written by a user without admin rights/);
      } finally {
        await service.stop();
      }
      assert.equal(service.status().mode, "external");
      assert.deepEqual(log.filter((l) => Number(l.level) >= 40), []);
      assert.ok(log.some((l) => /historian schema ready/.test(String(l.msg))), JSON.stringify(log));
    });

    it("a writer with WRITE only (without htr-writer-read.sh) is told to grant it READ", async () => {
      cli(db, ADMIN, `CREATE USER "writeonly" WITH PASSWORD 'wo-Secret-4'`);
      cli(db, ADMIN, `GRANT WRITE ON "htr" TO "writeonly"`);
      await assert.rejects(ensureHistorianSchema(clientAs(db, { user: "writeonly", password: "wo-Secret-4" })), (e: Error) => {
        assert.match(e.message, /is not an admin, so it cannot make the schema of database htr, nor read it .* an InfluxDB admin must grant it READ as well as WRITE: GRANT ALL ON htr TO <user>/);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    });
  });

  describe("the schema missing (a volume initialised without htr-schema.iql)", () => {
    let db: TestInfluxd;
    let initDir: string;
    before(async () => {
      initDir = mkdtempSync(join(tmpdir(), "initdb-"));
      cpSync(join(INIT_DIR, "htr-writer-read.sh"), join(initDir, "htr-writer-read.sh"));
      db = await startTestInfluxd({ auth: true });
      initLikeTheImage(db, initDir);
    });
    after(async () => {
      await db?.cleanup();
      if (initDir) rmSync(initDir, { recursive: true, force: true });
    });

    it("the set-up as the writer fails with one line: what is missing and the statements an admin must run; it makes nothing", async () => {
      const before = schemaSeenByAdmin(db);
      await assert.rejects(ensureHistorianSchema(clientAs(db, WRITER)), (e: Error) => {
        assert.ok(e instanceof HistorianSchemaMissingError, String(e));
        assert.deepEqual(e.missing, ["retention policy raw", "retention policy trends", "continuous query cq_process_1s", "continuous query cq_process_1m"]);
        assert.doesNotMatch(e.message, /\n/);
        assert.match(e.message, /^historian schema: the InfluxDB user is not an admin, so it cannot make the schema of database htr, and it lacks retention policy raw, .* — an InfluxDB admin must run \(once\): /);
        for (const statement of schemaStatements().slice(1)) assert.ok(e.message.includes(statement), `${statement} not in: ${e.message}`);
        assert.match(e.message, /deploy\/influxdb\/init\/htr-schema\.iql/);
        return true;
      });
      assert.deepEqual(schemaSeenByAdmin(db), before);
    });

    it("the SCADA's historian keeps its points and logs that line once, at error; once an admin runs the statements it names, they are written", async () => {
      const { service, log } = historianAs(db, WRITER, dataDir, 300);
      const t = Date.now();
      const schemaErrors = () => log.filter((l) => String(l.msg ?? "").includes("an InfluxDB admin must run"));
      const schemaError = (): string | undefined => (schemaErrors()[0]?.msg as string | undefined);
      try {
        await service.start();
        service.write(statePoint("kept until the schema is there", t));
        await waitFor("the schema error in the log", 20_000, () => schemaError() !== undefined, { everyMs: 50, observe: () => log });
        // Nothing more happens: several re-checks (every 300 ms here) find the same problem and log nothing more.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(schemaErrors().length, 1, JSON.stringify(log));
        assert.equal(schemaErrors()[0]!.level, 50, "logged at error");
        assert.deepEqual(schemaErrors()[0]!.missing, ["retention policy raw", "retention policy trends", "continuous query cq_process_1s", "continuous query cq_process_1m"]);
        assert.ok(!log.some((l) => /schema not made yet/.test(String(l.msg))), "no unreachable warning for a schema that is missing");
        assert.equal(service.status().schemaReady, false);
        assert.equal(service.status().writtenPoints, 0);
        // What the line tells the admin to run, run as the admin (one statement per line: the CLI's -execute).
        const statements = /an InfluxDB admin must run \(once\): (.*) \(the whole schema: /.exec(schemaError()!)![1]!.split("; ");
        assert.equal(statements.length, 4);
        cli(db, ADMIN, statements.join("\n"));
        await waitFor("the schema ready and the kept point written", 30_000, () => service.status().schemaReady && service.status().writtenPoints >= 1, {
          everyMs: 50,
          observe: () => service.status(),
        });
        assert.match(cli(db, READER, `SELECT detail FROM htr.raw.state WHERE time = ${t}ms`), /kept until the schema is there/);
      } finally {
        await service.stop();
      }
    });
  });
});
