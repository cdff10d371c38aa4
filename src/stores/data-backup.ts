/**
 * `htr-scada backup DIR` and `htr-scada restore DIR` (issue 13, item 4): a consistent copy of what the SCADA
 * keeps, taken while it runs, and its restore into an empty data directory.
 *
 * A backup directory holds:
 *   data/scada.db        the embedded database (users, sessions, recipe versions, rolls, segments, lab results),
 *                        copied with SQLite's online backup API — consistent while the SCADA writes
 *   data/audit/…         the audit journal, up to its last complete record (a record being appended is left out)
 *   data/…               the historian spool, the line snapshot, the OPC UA client's PKI (trust lists, its key)
 *   config/…             the configuration directory (plc-config)
 *   manifest.json        format, time, source, every file with its size and SHA-256, what it counts, what is
 *                        not in it — written last: a backup without one is incomplete
 * Not in it: the managed InfluxDB (`<data>/influxdb`, the historian's own store: `influxd backup -portable`,
 * docs/operations.md), the pid lock, the spool's LOCK.
 *
 * Restore checks every file against the manifest first (a missing, changed or unexpected file refuses it, all
 * of them named), refuses a data directory in use by a live process (its `scada.pid`) or not empty, copies
 * into a sibling directory and renames it into place (nothing half-restored), then checks the database
 * (`PRAGMA integrity_check`) and the audit chain.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import Database from "better-sqlite3";
import type { AuditEntry } from "../audit/audit-record.js";
import { DATA_DIR_LOCK_FILE, pidLockHolder } from "./pid-lock.js";
import { AUDIT_JOURNAL_FILE, verifyJournalFile } from "./audit-journal.js";
import { auditJournalDir } from "./audit-verify-command.js";
import { SCADA_DB_FILE } from "./user-store.js";

export const BACKUP_MANIFEST_FILE = "manifest.json";
export const BACKUP_FORMAT = 1;
/** Left out of a backup, relative to the data directory: the historian's own store, locks, SQLite's side files. */
const NOT_COPIED = new Set(["influxdb", DATA_DIR_LOCK_FILE, `historian-spool${sep}LOCK`, `${SCADA_DB_FILE}-wal`, `${SCADA_DB_FILE}-shm`, `${SCADA_DB_FILE}-journal`]);
const NOT_IN_BACKUP = [
  "influxdb/: the managed InfluxDB (the historian's store) — back it up with `influxd backup -portable` (docs/operations.md)",
  "scada.pid and historian-spool/LOCK: the running process's locks",
];

export interface ManifestFile {
  /** Relative to the backup directory, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BackupCounts {
  readonly users: number;
  readonly recipeVersions: number;
  readonly rolls: number;
  readonly segments: number;
  readonly labResults: number;
  readonly auditRecords: number;
}

export interface BackupManifest {
  readonly kind: "htr-scada-backup";
  readonly format: number;
  readonly createdAt: string;
  readonly host: string;
  readonly source: { readonly dataDir: string; readonly configDir: string | null };
  readonly files: readonly ManifestFile[];
  readonly counts: BackupCounts;
  readonly notIncluded: readonly string[];
}

/** A backup or restore that cannot be done: every reason, nothing changed. */
export class BackupRefusal extends Error {
  constructor(
    readonly summary: string,
    readonly problems: readonly string[] = [],
  ) {
    super(problems.length > 0 ? `${summary}:\n  ${problems.join("\n  ")}` : summary);
  }
}

const posix = (p: string) => p.split(sep).join("/");

function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Every file under `dir`, relative to it, sorted (directories walked, symlinks and sockets left out). */
function filesUnder(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel === "" ? e.name : join(rel, e.name);
      if (skip(r)) continue;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk("");
  return out.sort();
}

const isEmptyOrMissing = (dir: string): boolean => !existsSync(dir) || (statSync(dir).isDirectory() && readdirSync(dir).length === 0);

function copyInto(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/** The journal up to its last complete line (a record being appended while we read is not half-copied). */
function copyJournal(from: string, to: string): void {
  const text = readFileSync(from);
  const end = text.lastIndexOf(0x0a) + 1;
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, text.subarray(0, end));
}

function countsOf(dataCopy: string): BackupCounts {
  const dbFile = join(dataCopy, SCADA_DB_FILE);
  const journal = join(auditJournalDir(dataCopy), AUDIT_JOURNAL_FILE);
  const auditRecords = existsSync(journal) ? readFileSync(journal, "utf8").split("\n").filter((l) => l.trim() !== "").length : 0;
  if (!existsSync(dbFile)) return { users: 0, recipeVersions: 0, rolls: 0, segments: 0, labResults: 0, auditRecords };
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name));
    const count = (table: string) => (tables.has(table) ? db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n : 0);
    return { users: count("users"), recipeVersions: count("recipe_versions"), rolls: count("rolls"), segments: count("segments"), labResults: count("lab_results"), auditRecords };
  } finally {
    db.close();
  }
}

export interface BackupOptions {
  readonly dataDir: string;
  /** The configuration directory to include (null: none). */
  readonly configDir: string | null;
  /** The backup directory: missing or empty. */
  readonly dest: string;
  readonly now?: () => Date;
}

/** Takes a backup (safe while the SCADA runs); returns its manifest. Refuses (nothing written) a bad target. */
export async function backupDataDir(o: BackupOptions): Promise<BackupManifest> {
  const dataDir = resolve(o.dataDir);
  const dest = resolve(o.dest);
  const problems: string[] = [];
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) problems.push(`the data directory ${dataDir} does not exist (set --data or SCADA_DATA_DIR)`);
  if (o.configDir !== null && (!existsSync(o.configDir) || !statSync(o.configDir).isDirectory())) problems.push(`the configuration directory ${o.configDir} does not exist (set --config or SCADA_CONFIG_DIR)`);
  if (!isEmptyOrMissing(dest)) problems.push(`${dest} is not empty: a backup goes into a new or empty directory`);
  if (dest === dataDir || dest.startsWith(`${dataDir}${sep}`)) problems.push(`${dest} is inside the data directory: put the backup elsewhere`);
  if (problems.length > 0) throw new BackupRefusal("backup refused", problems);

  // Password hashes, sessions and the OPC UA client's private key are in it: owner only.
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  const dataOut = join(dest, "data");
  mkdirSync(dataOut, { recursive: true, mode: 0o700 });
  try {
    const dbFile = join(dataDir, SCADA_DB_FILE);
    if (existsSync(dbFile)) {
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        await db.backup(join(dataOut, SCADA_DB_FILE));
      } finally {
        db.close();
      }
      // The copy is one self-contained file: rollback journal, not WAL (so reading it never adds -wal / -shm).
      const copy = new Database(join(dataOut, SCADA_DB_FILE), { fileMustExist: true });
      try {
        copy.pragma("journal_mode = DELETE");
      } finally {
        copy.close();
      }
    }
    const journalRel = join("audit", AUDIT_JOURNAL_FILE);
    for (const rel of filesUnder(dataDir, (r) => NOT_COPIED.has(r) || r === SCADA_DB_FILE || basename(r).startsWith(".write-check-"))) {
      if (rel === journalRel) copyJournal(join(dataDir, rel), join(dataOut, rel));
      else copyInto(join(dataDir, rel), join(dataOut, rel));
    }
    if (o.configDir !== null) for (const rel of filesUnder(o.configDir)) copyInto(join(o.configDir, rel), join(dest, "config", rel));
    const files = filesUnder(dest).map((rel) => ({ path: posix(rel), bytes: statSync(join(dest, rel)).size, sha256: sha256Of(join(dest, rel)) }));
    const manifest: BackupManifest = {
      kind: "htr-scada-backup",
      format: BACKUP_FORMAT,
      createdAt: (o.now ?? (() => new Date()))().toISOString(),
      host: hostname(),
      source: { dataDir, configDir: o.configDir === null ? null : resolve(o.configDir) },
      files,
      counts: countsOf(dataOut),
      notIncluded: NOT_IN_BACKUP,
    };
    writeFileSync(join(dest, BACKUP_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } catch (err) {
    // Nothing half-made is left to be taken for a backup.
    rmSync(dest, { recursive: true, force: true });
    throw err;
  }
}

/** The manifest, once every file of the backup is checked against it; refuses with every problem found. */
export function verifyBackup(dir: string): BackupManifest {
  const backup = resolve(dir);
  const manifestFile = join(backup, BACKUP_MANIFEST_FILE);
  if (!existsSync(manifestFile)) throw new BackupRefusal(`${backup} is not a backup, or an incomplete one: it has no ${BACKUP_MANIFEST_FILE}`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as BackupManifest;
  } catch (err) {
    throw new BackupRefusal(`the backup's ${BACKUP_MANIFEST_FILE} is damaged: ${(err as Error).message}`);
  }
  if (manifest?.kind !== "htr-scada-backup" || !Array.isArray(manifest.files)) throw new BackupRefusal(`${manifestFile} is not an htr-scada backup manifest`);
  if (manifest.format !== BACKUP_FORMAT) throw new BackupRefusal(`the backup's format is ${String(manifest.format)}; this version reads format ${BACKUP_FORMAT}`);
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const path = join(backup, ...f.path.split("/"));
    if (f.path.split("/").includes("..") || !existsSync(path)) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    const bytes = statSync(path).size;
    if (bytes !== f.bytes) problems.push(`${f.path}: ${bytes} bytes, the manifest says ${f.bytes}`);
    else if (sha256Of(path) !== f.sha256) problems.push(`${f.path}: its SHA-256 differs from the manifest's (the file was changed or damaged)`);
  }
  for (const rel of filesUnder(backup)) {
    const p = posix(rel);
    if (p !== BACKUP_MANIFEST_FILE && !listed.has(p)) problems.push(`${p}: not in the manifest (added after the backup)`);
  }
  if (problems.length > 0) throw new BackupRefusal(`the backup ${backup} is damaged (${problems.length} ${problems.length === 1 ? "problem" : "problems"}); nothing was restored`, problems);
  return manifest;
}

export interface RestoreOptions {
  readonly backup: string;
  /** Who restores (the audit record queued in the restored database, taken into the trail at the next start). */
  readonly by: { readonly user: string; readonly role: string; readonly clientAddress: string };
  readonly now: number;
  /** Missing or empty, and not in use. */
  readonly dataDir: string;
  /** Where to restore the configuration (missing or empty); null: left in the backup. */
  readonly configDir: string | null;
}

export interface RestoreResult {
  readonly manifest: BackupManifest;
  readonly dataDir: string;
  readonly configDir: string | null;
  readonly integrity: string;
  readonly auditRecords: number;
}

/** Restores a verified backup; refuses (changing nothing) a damaged backup or a target in use or not empty. */
export function restoreDataDir(o: RestoreOptions): RestoreResult {
  const manifest = verifyBackup(o.backup);
  const backup = resolve(o.backup);
  const dataDir = resolve(o.dataDir);
  const configDir = o.configDir === null ? null : resolve(o.configDir);
  const problems: string[] = [];
  const holder = existsSync(dataDir) ? pidLockHolder(join(dataDir, DATA_DIR_LOCK_FILE)) : null;
  if (holder !== null) problems.push(`the data directory ${dataDir} is in use by process ${holder}: stop the SCADA first`);
  else if (!isEmptyOrMissing(dataDir)) problems.push(`the data directory ${dataDir} is not empty: restore into a new or empty directory (move this one aside first; nothing in it is overwritten)`);
  if (configDir !== null && !isEmptyOrMissing(configDir)) problems.push(`the configuration directory ${configDir} is not empty: restore it into a new or empty directory`);
  if (configDir !== null && !manifest.files.some((f) => f.path.startsWith("config/"))) problems.push("the backup holds no configuration (it was taken without one)");
  if (problems.length > 0) throw new BackupRefusal("restore refused; nothing was changed", problems);

  // Copied beside the target, then renamed into place: the target is either untouched or whole.
  const stage = (target: string) => join(dirname(target), `.${basename(target)}.restoring-${process.pid}`);
  const place = (prefix: string, target: string): void => {
    const tmp = stage(target);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    for (const f of manifest.files) if (f.path.startsWith(prefix)) copyInto(join(backup, ...f.path.split("/")), join(tmp, ...f.path.slice(prefix.length).split("/")));
    if (existsSync(target)) rmdirSync(target); // empty, checked above
    renameSync(tmp, target);
  };
  mkdirSync(dirname(dataDir), { recursive: true });
  place("data/", dataDir);
  if (configDir !== null) {
    mkdirSync(dirname(configDir), { recursive: true });
    place("config/", configDir);
  }

  let integrity = "no database in the backup";
  const dbFile = join(dataDir, SCADA_DB_FILE);
  if (existsSync(dbFile)) {
    const db = new Database(dbFile, { fileMustExist: true });
    try {
      integrity = String(db.pragma("integrity_check", { simple: true }));
      // The restore itself goes into the audit trail: queued as the users CLI queues its entries (the server,
      // the trail's one writer, records it at its next start).
      const entry: AuditEntry = {
        ...o.by,
        action: "data.restore",
        target: dataDir,
        newValue: { backup, createdAt: manifest.createdAt, host: manifest.host, source: manifest.source, counts: manifest.counts },
        result: "ok",
      };
      const hasQueue = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'auth_audit_queue'").get() !== undefined;
      if (integrity === "ok" && hasQueue) db.prepare("INSERT INTO auth_audit_queue (at, entry) VALUES (?, ?)").run(o.now, JSON.stringify(entry));
    } finally {
      db.close();
    }
  }
  const journal = join(auditJournalDir(dataDir), AUDIT_JOURNAL_FILE);
  let auditRecords = 0;
  if (existsSync(journal)) {
    const v = verifyJournalFile(journal);
    if (!v.ok) throw new BackupRefusal(`restored, but the audit chain does not verify at record ${v.sequence}: ${v.detail} — do not start on ${dataDir}; keep the backup and investigate`);
    auditRecords = v.count;
  }
  if (integrity !== "ok") throw new BackupRefusal(`restored, but the database's integrity check says: ${integrity} — do not start on ${dataDir}`);
  return { manifest, dataDir, configDir, integrity, auditRecords };
}

/** What a backup holds, in one line for people. */
export function describeCounts(c: BackupCounts): string {
  return `${c.users} users, ${c.recipeVersions} recipe versions, ${c.rolls} rolls (${c.segments} segments, ${c.labResults} lab results), ${c.auditRecords} audit records`;
}
