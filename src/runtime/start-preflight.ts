/**
 * What a start checks before it builds anything (issue 12, item 4), so that a refused start says why at
 * once, with nothing half-made (no first admin created, no plant or influxd started): the data directory can
 * be created and written, and the ports it will listen on are free. A check that fails throws the system's
 * own error (code, path or port), which core/start-refusal.ts turns into the line people read. The real
 * listen and the real writes still fail the same way if something changes in between.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import type { ScadaConfig } from "../config/config-loader.js";
import { DATA_DIR_LOCK_FILE, releasePidLock, takePidLock } from "../stores/pid-lock.js";
import type { PlantPort } from "../core/start-refusal.js";

/** OPC UA's registered port, when an endpoint names none. */
const OPCUA_DEFAULT_PORT = 4840;

export interface StartPreflight {
  readonly dataDir: string;
  /** Ports to find free (0 is skipped: any free port will do). */
  readonly listen: readonly { readonly port: number; readonly host: string }[];
}

/**
 * Checks the data directory and the ports, then takes the data directory for this process (its `scada.pid`,
 * removed when the process exits; one left by a killed process is taken over). Throws `ELOCKED` (with the
 * holder's pid) when another live process runs on it.
 */
export async function preflightStart(p: StartPreflight): Promise<void> {
  ensureWritableDir(p.dataDir);
  for (const { port, host } of p.listen) if (port !== 0) await assertFree(port, host);
  const lock = join(p.dataDir, DATA_DIR_LOCK_FILE);
  takePidLock(lock, `the data directory ${p.dataDir}`);
  process.once("exit", () => releasePidLock(lock));
}

/** The ports the virtual plant serves the PLCs of this config on (it listens on 127.0.0.1). */
export function plantPortsOf(config: ScadaConfig): PlantPort[] {
  const ports: PlantPort[] = [];
  for (const d of config.devices) {
    if (d.protocol === "opcua") {
      const port = Number(new URL(d.endpoint.replace(/^opc\.tcp:/, "http:")).port || OPCUA_DEFAULT_PORT);
      ports.push({ port, device: d.id, protocol: "OPC UA" });
    } else if (d.protocol === "modbus-tcp") ports.push({ port: d.port, device: d.id, protocol: "Modbus TCP" });
  }
  return ports;
}

/**
 * Creates `dir` (one level at a time: Node 20's recursive mkdirSync loops forever under /proc) and writes
 * and removes a file in it.
 */
function ensureWritableDir(dir: string): void {
  const missing: string[] = [];
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) {
    missing.unshift(existing);
    existing = dirname(existing);
  }
  // A file where the directory (or one of its parents) should be: name the file.
  if (!statSync(existing).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, '${existing}'`), { code: "ENOTDIR", path: existing, syscall: "mkdir" });
  for (const m of missing) mkdirSync(m);
  const probe = join(dir, `.write-check-${process.pid}`);
  writeFileSync(probe, "");
  rmSync(probe, { force: true });
}

function assertFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}
