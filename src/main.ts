import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { Command, InvalidArgumentError } from "commander";
import { loadConfig } from "./config/config-loader.js";
import { runCheckConfig } from "./config/check-config-command.js";
import { redisUrlSchema } from "./config/redis-url-schema.js";
import { createLogger } from "./core/logger.js";
import { type StartRefusal, type StartTarget, START_EXIT_CODES, configRefusal, startRefusal } from "./core/start-refusal.js";
import { plantPortsOf, preflightStart } from "./runtime/start-preflight.js";
import { argon2PasswordHasher } from "./stores/argon2-password-hasher.js";
import { registerBackupCommands } from "./stores/backup-command.js";
import { registerCertsCommand } from "./stores/certs-command.js";
import { registerRecipesCommand } from "./stores/recipes-command.js";
import { registerUsersCommand } from "./stores/users-command.js";
import { registerSiteCommands } from "./site/site-command.js";

/** Stop everything within this long after SIGINT / SIGTERM, whatever hangs. */
const SHUTDOWN_DEADLINE_MS = 4500;
/** How long start waits for every PLC link before printing its ready line anyway. */
const READY_WAIT_MS = 10_000;

const env = process.env;
const defaultConfigDir = (): string => resolve(env.SCADA_CONFIG_DIR || "plc-config");
const defaultDataDir = (): string => resolve(env.SCADA_DATA_DIR || "var");

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number 0..65535");
  return n;
}

/** A refused start: its one plain line (and the lines that belong to it) on stderr, then its exit code. */
function refuse(refusal: StartRefusal): never {
  console.error(refusal.line);
  for (const d of refusal.details) console.error(d);
  process.exit(refusal.exitCode);
}

/** Loads the config, or refuses the start: one line, then every problem as `file:path: message` (exit 2). */
function configOrExit(dir: string) {
  const result = loadConfig(dir);
  if (result.ok) return result.config;
  return refuse(configRefusal(dir, result.problems));
}

/** A Redis URL (SCADA_REDIS_URL / --redis), or a refused start naming what is wrong. */
function redisUrlOrExit(url: string, from: string): string {
  if (redisUrlSchema.safeParse(url).success) return url;
  return refuse({ line: `htr-scada: cannot start: ${from} is not a Redis URL — use redis://host:port, redis://user:password@host:port/db or rediss:// (TLS)`, details: [], exitCode: START_EXIT_CODES.failed, expected: true });
}

/** PORT from the environment (8080 when unset); a value that is not a port refuses the start. */
function portFromEnv(): number {
  if (!env.PORT) return 8080;
  const n = Number(env.PORT);
  if (Number.isInteger(n) && n >= 0 && n <= 65535) return n;
  return refuse({
    line: `htr-scada: cannot start: PORT=${env.PORT} is not a port number — set PORT to 0..65535 (0: any free port), or unset it for 8080`,
    details: [],
    exitCode: START_EXIT_CODES.failed,
    expected: true,
  });
}

/**
 * Checks the data directory and the ports before anything is built (a refused start makes nothing, not even
 * the first admin); a failure refuses the start with its line.
 */
async function preflightOrExit(target: StartTarget, host: string): Promise<void> {
  const listen = [
    ...(target.httpPort === undefined ? [] : [{ port: target.httpPort, host }]),
    ...target.plantPorts.map((p) => ({ port: p.port, host: "127.0.0.1" })),
  ];
  try {
    await preflightStart({ dataDir: target.dataDir, listen });
  } catch (err) {
    refuse(startRefusal(err, target));
  }
}

/** Runs `stop` on SIGINT / SIGTERM, then exits; a second signal or the deadline exits at once. */
function onShutdown(stop: () => Promise<void>, log: { info(msg: string): void; error(o: object, msg: string): void }): void {
  let shuttingDown = false;
  const handler = (signal: string): void => {
    if (shuttingDown) process.exit(130);
    shuttingDown = true;
    log.info(`${signal} received, stopping`);
    setTimeout(() => {
      log.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, "shutdown deadline passed, exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => handler("SIGINT"));
  process.on("SIGTERM", () => handler("SIGTERM"));
}

const program = new Command();
program.name("htr-scada").description("Supervisory control for the roll-to-roll HTR alloy nanoparticle line");

program
  .command("start")
  .description("run the SCADA (and, with --sim, the virtual plant) and serve the HTTP API")
  .option("--sim", "start the virtual plant in the same process and connect to it", false)
  .option("--purged", "virtual plant: start with the HTR chamber already purged under argon", false)
  .option("--config <dir>", "plc-config directory (env SCADA_CONFIG_DIR)")
  .option("--data <dir>", "data directory (env SCADA_DATA_DIR)")
  .option("--port <n>", "HTTP port (env PORT, default 8080)", parsePort)
  .option("--host <host>", "HTTP bind address (env HOST, default 127.0.0.1)")
  .action(async (opts: { sim: boolean; purged: boolean; config?: string; data?: string; port?: number; host?: string }) => {
    const logger = createLogger();
    const configDir = opts.config ? resolve(opts.config) : defaultConfigDir();
    const config = configOrExit(configDir);
    const redisUrl = env.SCADA_REDIS_URL ? redisUrlOrExit(env.SCADA_REDIS_URL, "SCADA_REDIS_URL") : undefined;
    const port = opts.port ?? portFromEnv();
    const host = opts.host ?? env.HOST ?? "127.0.0.1";
    const dataDir = opts.data ? resolve(opts.data) : defaultDataDir();
    const target: StartTarget = { configDir, dataDir, httpPort: port, plantPorts: opts.sim ? plantPortsOf(config) : [] };
    await preflightOrExit(target, host);
    // A start that fails: one plain line (core/start-refusal.ts); the full error is logged only for a fault of ours.
    const failed = async (err: unknown, stop?: () => Promise<void>): Promise<never> => {
      const refusal = startRefusal(err, target);
      if (!refusal.expected) logger.error({ err }, "could not start");
      await stop?.();
      return refuse(refusal);
    };
    // Loaded here so check-config never depends on the protocol stacks.
    const { createRuntime } = await import("./runtime.js");
    (await import("./drivers/opcua/opcua-library-log.js")).routeOpcuaLibraryLog(logger);
    let runtime: ReturnType<typeof createRuntime>;
    try {
      runtime = createRuntime(config, {
        port,
        host,
        dataDir,
        sim: opts.sim,
        simPurged: opts.purged,
        // Its own thread: the SCADA's work never delays a virtual PLC's answer or scan (sim/virtual-plant-thread.ts).
        simThread: true,
        ...(env.INFLUX_URL ? { influxUrl: env.INFLUX_URL } : {}),
        northbound: { ...(env.SCADA_MQTT_URL ? { url: env.SCADA_MQTT_URL } : {}), env },
        ...(redisUrl ? { redisUrl } : {}),
        logger,
      });
    } catch (err) {
      return failed(err);
    }
    onShutdown(() => runtime.stop(), logger);
    try {
      // First run (no users): create `admin` now, so a generated password is shown even if the start fails later.
      const firstRun = await runtime.auth.ensureAdmin(env.SCADA_ADMIN_PASSWORD);
      if (firstRun.created) printFirstAdmin(firstRun.generatedPassword);
      const { url } = await runtime.start();
      // One ready line, once the PLC links are up (or, if they are not, saying which are not).
      const allOk = await runtime.waitForDevices(READY_WAIT_MS);
      const devices = runtime.drivers.map((d) => d.health());
      const h = runtime.historian?.status();
      const history = h ? { historian: `${h.mode}: ${h.target}` } : {};
      if (allOk) logger.info({ url, sim: opts.sim, config: configDir, ...history }, `HTR SCADA ready at ${url} (try ${url}/api/tags)`);
      else {
        const down = devices.filter((d) => d.state !== "OK").map((d) => `${d.deviceId}: ${d.state} (${d.reason})`);
        logger.warn({ url, devices: down, ...history }, `HTR SCADA serving at ${url}, but not every PLC is OK yet: ${down.join("; ")} — see ${url}/readyz`);
      }
    } catch (err) {
      await failed(err, () => runtime.stop());
    }
  });

program
  .command("sim")
  .description("run only the virtual plant (both PLCs); type 'fault NAME on|off' or 'faults' on stdin")
  .option("--config <dir>", "plc-config directory (env SCADA_CONFIG_DIR)")
  .option("--data <dir>", "data directory (env SCADA_DATA_DIR)")
  .option("--seed <n>", "random seed of the plant's sensor noise", (v) => Number(v), 1)
  .option("--purged", "start with the HTR chamber already purged under argon", false)
  .option("--fault <name>", "start with this fault active (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
  .action(async (opts: { config?: string; data?: string; seed: number; purged: boolean; fault: string[] }) => {
    const logger = createLogger();
    const configDir = opts.config ? resolve(opts.config) : defaultConfigDir();
    const config = configOrExit(configDir);
    const dataDir = opts.data ? resolve(opts.data) : defaultDataDir();
    const target: StartTarget = { configDir, dataDir, plantPorts: plantPortsOf(config) };
    await preflightOrExit(target, "127.0.0.1");
    const { startVirtualPlant } = await import("./sim/virtual-plant-service.js");
    (await import("./drivers/opcua/opcua-library-log.js")).routeOpcuaLibraryLog(logger);
    let sim: Awaited<ReturnType<typeof startVirtualPlant>>;
    try {
      sim = await startVirtualPlant({ config, dataDir, logger, seed: opts.seed, startPurged: opts.purged });
    } catch (err) {
      const refusal = startRefusal(err, target);
      if (!refusal.expected) logger.error({ err }, "could not start the virtual plant");
      return refuse(refusal);
    }
    onShutdown(() => sim.stop(), logger);
    for (const f of opts.fault) {
      try {
        sim.setFault(f, true);
      } catch (err) {
        console.error((err as Error).message);
        await sim.stop();
        process.exit(2);
      }
    }
    logger.info({ endpoints: sim.endpoints }, "virtual plant ready; commands on stdin: faults | fault NAME on|off");
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (line) => {
      const [cmd, name, state] = line.trim().split(/\s+/);
      try {
        if (cmd === "faults") for (const f of sim.faults()) console.log(`${f.active ? "ON " : "off"} ${f.name} — ${f.description}`);
        else if (cmd === "fault" && name && (state === "on" || state === "off")) {
          const f = sim.setFault(name, state === "on");
          console.log(`${f.name} ${f.active ? "ON" : "off"}`);
        } else if (cmd) console.log("commands: faults | fault NAME on|off");
      } catch (err) {
        console.log((err as Error).message);
      }
    });
  });

program
  .command("web")
  .description("serve the line's HMI from one more process (HMI fan-out over Redis; the line runs with the same SCADA_REDIS_URL)")
  .option("--redis <url>", "the Redis of the line's fan-out (env SCADA_REDIS_URL)")
  .option("--config <dir>", "the line's plc-config directory, for its line id (env SCADA_CONFIG_DIR)")
  .option("--data <dir>", "the line's data directory, for its sessions (env SCADA_DATA_DIR)")
  .option("--port <n>", "HTTP port (env PORT, default 8080)", parsePort)
  .option("--host <host>", "HTTP bind address (env HOST, default 127.0.0.1)")
  .action(async (opts: { redis?: string; config?: string; data?: string; port?: number; host?: string }) => {
    const logger = createLogger();
    const raw = opts.redis ?? env.SCADA_REDIS_URL;
    if (!raw) return refuse({ line: "htr-scada web: cannot start: no Redis — give --redis redis://host:port or set SCADA_REDIS_URL (the same as the line's)", details: [], exitCode: START_EXIT_CODES.failed, expected: true });
    const redisUrl = redisUrlOrExit(raw, opts.redis ? "--redis" : "SCADA_REDIS_URL");
    const configDir = opts.config ? resolve(opts.config) : defaultConfigDir();
    const config = configOrExit(configDir);
    const dataDir = opts.data ? resolve(opts.data) : defaultDataDir();
    const port = opts.port ?? portFromEnv();
    const host = opts.host ?? env.HOST ?? "127.0.0.1";
    const { startWebProcess } = await import("./runtime/web-process.js");
    let web: Awaited<ReturnType<typeof startWebProcess>>;
    try {
      web = await startWebProcess({ lineId: config.line.id, dataDir, redisUrl, port, host, logger });
    } catch (err) {
      const refusal = startRefusal(err, { configDir, dataDir, httpPort: port, plantPorts: [] });
      if (!refusal.expected) logger.error({ err }, "could not start");
      return refuse(refusal);
    }
    onShutdown(() => web.stop(), logger);
    const deadline = Date.now() + READY_WAIT_MS;
    while (!web.gateway.link().reachable && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (web.gateway.link().reachable) logger.info({ url: web.url, line: config.line.id }, `HMI web process ready at ${web.url} (line ${config.line.id} answers through Redis)`);
    else logger.warn({ url: web.url, line: config.line.id }, `HMI web process serving at ${web.url}, but line ${config.line.id} does not answer through Redis yet — is it started with the same SCADA_REDIS_URL? See ${web.url}/readyz`);
  });

program
  .command("check-config")
  .description("validate a plc-config directory: exit 0 when valid, else print every problem and exit 1")
  .argument("[dir]", "plc-config directory (env SCADA_CONFIG_DIR, default ./plc-config)")
  .action((dir?: string) => {
    process.exitCode = runCheckConfig(dir ? resolve(dir) : defaultConfigDir(), { log: console.log, error: console.error });
  });

const auditCommand = program.command("audit").description("the audit trail (21 CFR Part 11): check it without a server");
auditCommand
  .command("verify")
  .description("check the audit journal's hash chain: exit 0 when intact, else name the first broken record and exit 1")
  .option("--data-dir <dir>", "data directory holding audit/audit-journal.jsonl (env SCADA_DATA_DIR, default ./var)")
  .action(async (opts: { dataDir?: string }) => {
    const { runAuditVerify } = await import("./stores/audit-verify-command.js");
    process.exitCode = runAuditVerify(opts.dataDir ? resolve(opts.dataDir) : defaultDataDir(), { log: console.log, error: console.error });
  });

registerBackupCommands(program, { defaultDataDir, defaultConfigDir, resolveDir: (dir) => resolve(dir) });

registerUsersCommand(program, {
  openStore: async (dir) => (await import("./stores/user-store.js")).SqliteUserStore.openExisting(dir),
  passwordHasher: argon2PasswordHasher,
  defaultDataDir,
  resolveDir: (dir) => resolve(dir),
});

/** Says once, loudly, that the admin user was created — with its generated password, shown only this time. */
function printFirstAdmin(generatedPassword: string | null): void {
  const bar = "=".repeat(78);
  const lines = generatedPassword
    ? [
        "FIRST RUN: created user 'admin' (role admin) with this one-time generated password:",
        "",
        `    ${generatedPassword}`,
        "",
        "It is shown only now and stored only as a hash. Log in and keep it safe, or set another with",
        "`htr-scada users passwd admin`. (Set SCADA_ADMIN_PASSWORD on the first run to choose it.)",
      ]
    : ["FIRST RUN: created user 'admin' (role admin) with the password from SCADA_ADMIN_PASSWORD."];
  console.error([bar, ...lines, bar].join("\n"));
}

registerRecipesCommand(program, { dataDir: defaultDataDir, configDir: defaultConfigDir, resolveDir: (dir) => resolve(dir) });

registerCertsCommand(program, { dataDir: defaultDataDir, resolveDir: (dir) => resolve(dir) });

registerSiteCommands(program, { env, defaultSiteFile: () => resolve(env.SCADA_SITE_FILE || "plc-config/site.yaml"), defaultDataDir });

await program.parseAsync(process.argv);
