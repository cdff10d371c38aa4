import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { type ScadaConfig, loadConfigOrThrow } from "../../src/config/config-loader.js";
import { freePort } from "./free-port.js";

export interface TestConfig {
  readonly dir: string;
  readonly config: ScadaConfig;
  readonly opcuaPort: number;
  readonly modbusPort: number;
}

/**
 * A copy of the real plc-config in a temp dir, with the PLC ports moved to free loopback ports, so a test
 * never touches 4840 / 5020 and tests can run side by side.
 */
export async function realConfigOnFreePorts(): Promise<TestConfig> {
  const dir = mkdtempSync(join(tmpdir(), "plc-config-"));
  cpSync(resolve("plc-config"), dir, { recursive: true });
  const opcuaPort = await freePort();
  const modbusPort = await freePort();
  const file = join(dir, "devices.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  const devices = doc.get("devices") as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] };
  for (const d of devices.items) {
    if (d.get("protocol") === "opcua") d.set("endpoint", `opc.tcp://127.0.0.1:${opcuaPort}`);
    if (d.get("protocol") === "modbus-tcp") d.set("port", modbusPort);
  }
  writeFileSync(file, doc.toString());
  return { dir, config: loadConfigOrThrow(dir), opcuaPort, modbusPort };
}

/** Rewrites one recipe of a test config copy (e.g. a short target roll length) and reloads the config. */
export function editRecipe(tc: TestConfig, alloy: string, edit: (recipe: Record<string, unknown>) => void): void {
  const file = join(tc.dir, "recipes", `${alloy}.yaml`);
  const doc = parseDocument(readFileSync(file, "utf8"));
  const obj = doc.toJS() as Record<string, unknown>;
  edit(obj);
  for (const [k, v] of Object.entries(obj)) doc.set(k, v);
  writeFileSync(file, doc.toString());
}

/** Rewrites line.yaml of a test config copy (e.g. a shorter rinse window for the roll record) and reloads the config. */
export function editLine(tc: TestConfig, edit: (line: Record<string, unknown>) => void): TestConfig {
  const file = join(tc.dir, "line.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  const obj = doc.toJS() as Record<string, unknown>;
  edit(obj);
  for (const [k, v] of Object.entries(obj)) doc.set(k, v);
  writeFileSync(file, doc.toString());
  return { ...tc, config: loadConfigOrThrow(tc.dir) };
}
