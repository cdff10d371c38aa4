import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import { createLogger, type Logger, silentLogger } from "../../src/core/logger.js";
import { routeOpcuaLibraryLog } from "../../src/drivers/opcua/opcua-library-log.js";
import { createRuntime } from "../../src/runtime.js";
import type { Runtime, RuntimeOptions } from "../../src/runtime/runtime-options.js";
import { TEST_ADMIN_PASSWORD } from "./api-client.js";
import type { TestConfig } from "./test-config.js";
import { waitFor } from "./wait-for.js";

/**
 * A runtime for e2e tests and benches on a test config copy: the virtual plant (chamber purged), port 0,
 * no historian, the test admin password, a silent logger (TEST_RUNTIME_LOG=FILE: JSON lines at LOG_LEVEL to
 * that file, for diagnosing a run), data in a fresh temp dir — each overridable.
 * `dispose()` stops it and removes its data dir.
 */
export function testRuntime(tc: TestConfig, overrides: Partial<RuntimeOptions> = {}): { runtime: Runtime; dataDir: string; dispose(): Promise<void> } {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), "scada-test-"));
  const logger = overrides.logger ?? testLogger();
  // node-opcua's own messages go where the runtime's go (as main.ts does), not onto the test output
  routeOpcuaLibraryLog(logger);
  const runtime = createRuntime(loadConfigOrThrow(tc.dir), {
    port: 0,
    host: "127.0.0.1",
    sim: true,
    simPurged: true,
    historian: "off",
    adminPassword: TEST_ADMIN_PASSWORD,
    ...overrides,
    logger,
    dataDir,
  });
  return {
    runtime,
    dataDir,
    async dispose() {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until every tag of the runtime's tag table is Good and, for a runtime with interlocks, the quiet boot's
 * wait is over (every PLC has delivered and settled: the line may start). Checked every 100 ms; a timeout
 * names what is not there yet.
 */
export function waitForTagsGood(runtime: Pick<Runtime, "tags"> & { readonly interlocks?: { waitingFor(): readonly string[] } }, timeoutMs: number): Promise<number> {
  const notGood = () => runtime.tags.all().filter((e) => e.value.quality.status !== "Good");
  const waiting = () => runtime.interlocks?.waitingFor() ?? [];
  return waitFor("all tags Good, no PLC still settling", timeoutMs, () => notGood().length === 0 && waiting().length === 0, {
    everyMs: 100,
    observe: () => [...notGood().map((e) => `${e.config.name} ${e.value.quality.status} (${e.value.quality.reason})`), ...waiting().map((d) => `waiting for ${d}`)],
  });
}

function testLogger(): Logger {
  const file = process.env.TEST_RUNTIME_LOG;
  if (!file) return silentLogger();
  return createLogger(process.env.LOG_LEVEL ?? "info", { format: "json", destination: { write: (line: string) => appendFileSync(file, line) } });
}
