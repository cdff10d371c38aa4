import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, apiClient, newUserClient } from "../helpers/api-client.js";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { killInfluxdsUsing } from "../helpers/influxd-processes.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";

interface AuditJson {
  records: { sequence: number; action: string; user: string; target: string; newValue: unknown }[];
}

/**
 * `htr-scada backup` while the SCADA runs (users, a recipe version, a roll and their audit records made over
 * the API), `restore` refused while it runs on the target and for a damaged backup, then restored into an
 * empty directory: `audit verify` passes and the SCADA started on it has every user, version, roll and audit
 * record — plus the restore's own audit record.
 */
describe("e2e: backup while running, restore into an empty directory", function () {
  this.timeout(180_000);
  let tc: TestConfig;
  const dirs: string[] = [];
  const children: Child[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  let scada: Child | undefined;
  const start = async (dataDir: string, configDir: string): Promise<string> => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const s = spawnScada(["start", "--sim", "--purged"], { SCADA_CONFIG_DIR: configDir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_DATA_DIR: dataDir, PORT: String(new URL(url).port) });
    children.push(s);
    scada = s;
    await s.waitForOutput("HTR SCADA ready at", 40_000);
    return url;
  };
  /** Runs a CLI command to its end; its exit code and output. */
  const cli = async (args: string[]): Promise<{ code: number | null; out: string; err: string }> => {
    const c = spawnScada(args, {});
    children.push(c);
    const code = await c.exited;
    return { code, out: c.stdout(), err: c.stderr() };
  };

  before(async () => {
    tc = await realConfigOnFreePorts();
  });
  after(async () => {
    for (const c of [...children].reverse()) await c.kill("SIGTERM");
    for (const d of dirs) killInfluxdsUsing(d);
    for (const d of [...dirs, tc.dir]) rmSync(d, { recursive: true, force: true });
  });

  let before_: { users: string[]; versions: number[]; rolls: string[]; audit: number[] };
  let backup: string;
  let restoredData: string;
  let restoredConfig: string;

  it("backs up while the SCADA runs; a restore onto its data directory is refused (in use)", async () => {
    const data = tempDir("scada-");
    const url = await start(data, tc.dir);
    const admin = await adminClient(url);
    await newUserClient(admin, "olga", "operator", "night-shift-secret-2026");
    const engineer = await newUserClient(admin, "erik", "engineer", "day-shift-secret-2026");
    const v1 = (await (await engineer.get("/api/recipes/BiSb/versions/1")).json()) as { recipe: Record<string, unknown> };
    const created = await engineer.post("/api/recipes/BiSb/versions", { basedOn: 1, reason: "before the backup", recipe: v1.recipe });
    assert.equal(created.status, 201, await created.clone().text());
    const roll = await admin.post("/api/rolls", { lot: "11000042" });
    assert.equal(roll.status, 201, await roll.clone().text());
    before_ = await snapshot(admin);
    assert.ok(before_.users.includes("olga") && before_.rolls.length === 1 && before_.versions.length >= 2, JSON.stringify(before_));

    backup = join(tempDir("backup-"), "b1");
    const b = await cli(["backup", backup, "--data", data, "--config", tc.dir]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /^backup written to .*b1: \d+ files/m);
    assert.match(b.out, /holds 3 users, \d+ recipe versions, 1 rolls/);
    assert.match(b.out, /not in it: influxdb\/.*influxd backup -portable/);
    assert.equal(statSync(backup).mode & 0o077, 0, "the backup is the owner's only");
    const manifest = JSON.parse(readFileSync(join(backup, "manifest.json"), "utf8")) as { files: { path: string }[] };
    const paths = manifest.files.map((f) => f.path);
    for (const p of ["data/scada.db", "data/audit/audit-journal.jsonl", "config/devices.yaml", "config/recipes/BiSb.yaml"]) assert.ok(paths.includes(p), `${p} in ${paths.join(", ")}`);
    assert.ok(!paths.some((p) => p.startsWith("data/influxdb/") || p === "data/scada.pid" || p.endsWith("-wal")), paths.join(", "));

    const inUse = await cli(["restore", backup, "--data", data]);
    assert.equal(inUse.code, 1);
    assert.match(inUse.err, /restore refused; nothing was changed\n\s+the data directory .* is in use by process \d+: stop the SCADA first/);
    // the running SCADA is untouched
    assert.deepEqual(await snapshot(admin), before_);
    // The plant's machine is lost: the SCADA stops (its virtual plant's ports free for the restored one).
    await scada!.kill("SIGTERM");
  });

  it("a damaged backup is refused, every problem named, and nothing is made", async () => {
    const damaged = join(tempDir("backup-"), "damaged");
    cpSync(backup, damaged, { recursive: true });
    const db = join(damaged, "data", "scada.db");
    const bytes = readFileSync(db);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(db, bytes);
    writeFileSync(join(damaged, "data", "extra.txt"), "added later\n");
    rmSync(join(damaged, "config", "line.yaml"));
    const target = join(tempDir("restore-"), "data");
    const r = await cli(["restore", damaged, "--data", target]);
    assert.equal(r.code, 1);
    assert.match(r.err, /the backup .*damaged is damaged \(3 problems\); nothing was restored/);
    assert.match(r.err, /config\/line\.yaml: missing/);
    assert.match(r.err, /data\/extra\.txt: not in the manifest/);
    assert.match(r.err, /data\/scada\.db: its SHA-256 differs from the manifest's/);
    assert.equal(existsSync(target), false);
    const noManifest = await cli(["restore", tempDir("empty-"), "--data", target]);
    assert.equal(noManifest.code, 1);
    assert.match(noManifest.err, /is not a backup, or an incomplete one: it has no manifest\.json/);
  });

  it("restores into an empty directory: audit verify passes; the SCADA started on it has every user, version, roll and audit record", async () => {
    const root = tempDir("restore-");
    restoredData = join(root, "data");
    restoredConfig = join(root, "config");
    const r = await cli(["restore", backup, "--data", restoredData, "--config", restoredConfig]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /every file matched the manifest; database integrity: ok; audit chain OK: \d+ records/);
    const verify = await cli(["audit", "verify", "--data-dir", restoredData]);
    assert.equal(verify.code, 0, verify.err);
    assert.equal((await cli(["check-config", restoredConfig])).code, 0);
    const again = await cli(["restore", backup, "--data", restoredData]);
    assert.equal(again.code, 1);
    assert.match(again.err, /is not empty: restore into a new or empty directory/);

    const url = await start(restoredData, restoredConfig);
    const admin = await adminClient(url);
    const after = await snapshot(admin);
    assert.deepEqual(after.users, before_.users);
    assert.deepEqual(after.versions, before_.versions);
    assert.deepEqual(after.rolls, before_.rolls);
    assert.deepEqual(after.audit.slice(0, before_.audit.length), before_.audit, "every audit record before the backup, in order");
    const olga = await apiClient(url, "olga", "night-shift-secret-2026");
    assert.equal((await olga.get("/api/line")).status, 200);
    const audit = (await (await admin.get("/api/audit?action=data.restore")).json()) as AuditJson;
    assert.equal(audit.records.length, 1, JSON.stringify(audit));
    assert.equal(audit.records[0]!.target, restoredData);
    assert.match(audit.records[0]!.user, /^cli:/);
    assert.equal((await (await admin.get("/api/audit/verify")).json() as { ok: boolean }).ok, true);
  });
});

async function snapshot(api: ApiClient) {
  const users = ((await (await api.get("/api/users")).json()) as { users: { name: string }[] }).users.map((u) => u.name).sort();
  const recipes = (await (await api.get("/api/recipes")).json()) as { alloy: string; versions: { version: number }[] }[];
  const bisb = recipes.find((r) => r.alloy === "BiSb")!;
  const rolls = ((await (await api.get("/api/rolls")).json()) as { id: string }[]).map((r) => r.id);
  const audit = ((await (await api.get("/api/audit?order=asc&limit=1000")).json()) as AuditJson).records.map((r) => r.sequence);
  return { users, versions: bisb.versions.map((v) => v.version), rolls, audit };
}
