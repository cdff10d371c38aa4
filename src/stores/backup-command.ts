/**
 * `htr-scada backup DIR` and `htr-scada restore DIR` (stores/data-backup.ts does the work): each prints what it
 * did in a few plain lines and exits 0, or prints why not — every problem, one per line — and exits 1.
 */
import type { Command } from "commander";
import { cliUser } from "./cli-exit.js";
// data-backup.js (better-sqlite3) is loaded when a command runs: the CLI's other commands never need it.
const backupModule = () => import("./data-backup.js");

export interface BackupCommandDeps {
  defaultDataDir(): string;
  defaultConfigDir(): string;
  resolveDir(dir: string): string;
}

interface Io {
  out(s: string): void;
  err(s: string): void;
}


async function refusalsToExit(io: Io, action: () => Promise<readonly string[]>): Promise<number> {
  try {
    for (const line of await action()) io.out(line);
    return 0;
  } catch (err) {
    if (!(err instanceof (await backupModule()).BackupRefusal)) throw err;
    io.err(`htr-scada: ${err.summary}`);
    for (const p of err.problems) io.err(`  ${p}`);
    return 1;
  }
}

export function registerBackupCommands(program: Command, deps: BackupCommandDeps, io: Io = { out: console.log, err: console.error }): void {
  program
    .command("backup")
    .description("copy the database (online, while the SCADA runs), audit journal, spool, PKI and configuration into DIR, with a manifest of checksums")
    .argument("<dir>", "a new or empty directory for the backup")
    .option("--data <dir>", "data directory (env SCADA_DATA_DIR, default ./var)")
    .option("--config <dir>", "configuration directory to include (env SCADA_CONFIG_DIR, default ./plc-config)")
    .option("--no-config", "leave the configuration out")
    .action(async (dir: string, opts: { data?: string; config?: string | false }) => {
      process.exitCode = await refusalsToExit(io, async () => {
        const { backupDataDir, describeCounts } = await backupModule();
        const dest = deps.resolveDir(dir);
        const m = await backupDataDir({
          dataDir: opts.data ? deps.resolveDir(opts.data) : deps.defaultDataDir(),
          configDir: opts.config === false ? null : typeof opts.config === "string" ? deps.resolveDir(opts.config) : deps.defaultConfigDir(),
          dest,
        });
        const bytes = m.files.reduce((n, f) => n + f.bytes, 0);
        return [
          `backup written to ${dest}: ${m.files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, manifest ${dest}/manifest.json`,
          `  holds ${describeCounts(m.counts)}`,
          ...m.notIncluded.map((n) => `  not in it: ${n}`),
        ];
      });
    });

  program
    .command("restore")
    .description("restore a backup into an empty data directory (and, with --config, an empty configuration directory); refuses a damaged backup or a directory in use")
    .argument("<dir>", "the backup directory (written by htr-scada backup)")
    .option("--data <dir>", "data directory to restore into (env SCADA_DATA_DIR, default ./var): new or empty")
    .option("--config <dir>", "also restore the configuration into this new or empty directory")
    .action(async (dir: string, opts: { data?: string; config?: string }) => {
      process.exitCode = await refusalsToExit(io, async () => {
        const { describeCounts, restoreDataDir } = await backupModule();
        const r = restoreDataDir({
          backup: deps.resolveDir(dir),
          dataDir: opts.data ? deps.resolveDir(opts.data) : deps.defaultDataDir(),
          configDir: opts.config ? deps.resolveDir(opts.config) : null,
          by: { user: cliUser(), role: "cli", clientAddress: "local" },
          now: Date.now(),
        });
        return [
          `restored ${deps.resolveDir(dir)} (taken ${r.manifest.createdAt} on ${r.manifest.host}) into ${r.dataDir}${r.configDir ? ` and ${r.configDir}` : ""}`,
          `  every file matched the manifest; database integrity: ${r.integrity}; audit chain OK: ${r.auditRecords} records`,
          `  holds ${describeCounts(r.manifest.counts)}`,
          r.configDir ? `  start with: SCADA_DATA_DIR=${r.dataDir} SCADA_CONFIG_DIR=${r.configDir} htr-scada start` : `  the configuration is in ${deps.resolveDir(dir)}/config (restore it with --config DIR, or keep yours)`,
          "  the historian (InfluxDB) is not in this backup: restore it with influxd restore -portable (docs/operations.md)",
        ];
      });
    });
}
