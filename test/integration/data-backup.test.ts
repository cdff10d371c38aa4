import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { BackupRefusal, backupDataDir, restoreDataDir, verifyBackup } from "../../src/stores/data-backup.js";

const BY = { user: "cli:test", role: "cli", clientAddress: "local" };

/** A data directory with a real SQLite database in WAL mode holding an open writer, a journal and a spool file. */
function dataDir(root: string): { dir: string; writer: Database.Database } {
  const dir = join(root, "data");
  mkdirSync(join(dir, "audit"), { recursive: true });
  mkdirSync(join(dir, "historian-spool"), { recursive: true });
  mkdirSync(join(dir, "influxdb"), { recursive: true });
  const writer = new Database(join(dir, "scada.db"));
  writer.pragma("journal_mode = WAL");
  writer.exec("CREATE TABLE users (name TEXT); CREATE TABLE rolls (id TEXT); CREATE TABLE auth_audit_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, entry TEXT NOT NULL)");
  for (let i = 0; i < 500; i++) writer.prepare("INSERT INTO users VALUES (?)").run(`u${i}`);
  writeFileSync(join(dir, "historian-spool", "LOCK"), "1\n");
  writeFileSync(join(dir, "historian-spool", "000001.seg"), "points\n");
  writeFileSync(join(dir, "influxdb", "big.tsm"), "not backed up here");
  writeFileSync(join(dir, "scada.pid"), "1\n");
  return { dir, writer };
}

describe("integration: data backup and restore (real SQLite, real files)", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "backup-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("copies the database consistently while a writer holds it (WAL), the journal to its last whole record, not the locks or influxdb", async () => {
    const { dir, writer } = dataDir(root);
    // A record being appended while the backup reads: only whole lines are taken.
    writeFileSync(join(dir, "audit", "audit-journal.jsonl"), '{"sequence":1}\n{"sequence":2}\n{"seq');
    const dest = join(root, "b");
    const m = await backupDataDir({ dataDir: dir, configDir: null, dest });
    writer.prepare("INSERT INTO users VALUES (?)").run("after-the-backup");
    writer.close();
    assert.deepEqual(m.files.map((f) => f.path), ["data/audit/audit-journal.jsonl", "data/historian-spool/000001.seg", "data/scada.db"]);
    assert.equal(readFileSync(join(dest, "data", "audit", "audit-journal.jsonl"), "utf8"), '{"sequence":1}\n{"sequence":2}\n');
    assert.deepEqual({ users: m.counts.users, rolls: m.counts.rolls, audit: m.counts.auditRecords }, { users: 500, rolls: 0, audit: 2 });
    assert.equal(existsSync(join(dest, "data", "scada.db-wal")), false, "the copy is one file");
    const copy = new Database(join(dest, "data", "scada.db"), { readonly: true });
    assert.equal(copy.prepare<[], { n: number }>("SELECT count(*) AS n FROM users").get()!.n, 500);
    copy.close();
    assert.equal(verifyBackup(dest).files.length, 3);
  });

  it("refuses a target that is not empty or inside the data directory, and a missing data directory — every reason, nothing written", async () => {
    const { dir, writer } = dataDir(root);
    writer.close();
    const full = join(root, "full");
    mkdirSync(full);
    writeFileSync(join(full, "x"), "");
    await assert.rejects(backupDataDir({ dataDir: dir, configDir: null, dest: full }), (e: BackupRefusal) => e instanceof BackupRefusal && /full is not empty/.test(e.problems.join()));
    await assert.rejects(backupDataDir({ dataDir: dir, configDir: null, dest: join(dir, "b") }), (e: BackupRefusal) => /inside the data directory/.test(e.problems.join()));
    assert.equal(existsSync(join(dir, "b")), false);
    await assert.rejects(backupDataDir({ dataDir: join(root, "nope"), configDir: join(root, "no-config"), dest: join(root, "b2") }), (e: BackupRefusal) => e.problems.length === 2);
    assert.equal(existsSync(join(root, "b2")), false);
  });

  it("restores a whole backup: the restore's audit record queued in the database; a truncated or changed file refuses the restore", async () => {
    const { dir, writer } = dataDir(root);
    writer.close();
    const dest = join(root, "b");
    await backupDataDir({ dataDir: dir, configDir: null, dest });
    const target = join(root, "restored");
    const r = restoreDataDir({ backup: dest, dataDir: target, configDir: null, by: BY, now: 1_800_000_000_000 });
    assert.equal(r.integrity, "ok");
    const db = new Database(join(target, "scada.db"), { readonly: true });
    const queued = db.prepare<[], { at: number; entry: string }>("SELECT at, entry FROM auth_audit_queue").all();
    db.close();
    assert.equal(queued.length, 1);
    assert.deepEqual({ at: queued[0]!.at, ...(JSON.parse(queued[0]!.entry) as object) }, {
      at: 1_800_000_000_000, user: "cli:test", role: "cli", clientAddress: "local", action: "data.restore", target, result: "ok",
      newValue: { backup: dest, createdAt: r.manifest.createdAt, host: r.manifest.host, source: r.manifest.source, counts: r.manifest.counts },
    });
    appendFileSync(join(dest, "data", "historian-spool", "000001.seg"), "more");
    assert.throws(() => restoreDataDir({ backup: dest, dataDir: join(root, "r2"), configDir: null, by: BY, now: 0 }), (e: BackupRefusal) => /000001\.seg: 11 bytes, the manifest says 7/.test(e.problems.join()));
    assert.equal(existsSync(join(root, "r2")), false);
  });
});
