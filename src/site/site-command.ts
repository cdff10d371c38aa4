/**
 * The site commands of the `htr-scada` CLI:
 *   htr-scada site [--config FILE] [--port N] [--host H]   the site overview (its own small process)
 *   htr-scada site-demo [--config FILE] [--data DIR] [--external-broker]
 *                                                          broker + InfluxDB + overview + every line with its
 *                                                          virtual plant, on one machine (npm run site:demo)
 * A bad site file refuses with every problem as `file:path: message` (exit 2), like a bad plc-config.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { type SiteConfig, loadSiteConfig, siteBrokerUrl } from "../config/site-config-loader.js";
import { systemClock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { formatProblem } from "../core/problem.js";

/** Stop within this long after SIGINT / SIGTERM, whatever hangs. */
const OVERVIEW_SHUTDOWN_MS = 4000;
const DEMO_SHUTDOWN_MS = 30_000;

export interface SiteCommandDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** plc-config/site.yaml unless SCADA_SITE_FILE says otherwise. */
  readonly defaultSiteFile: () => string;
  readonly defaultDataDir: () => string;
}

function siteOrExit(file: string): SiteConfig {
  const r = loadSiteConfig(file);
  if (r.ok) return r.site;
  console.error(`htr-scada: cannot start: the site file ${file} has ${r.problems.length} problem${r.problems.length === 1 ? "" : "s"} — fix ${r.problems.length === 1 ? "it" : "them"}`);
  for (const p of r.problems) console.error(formatProblem(p));
  process.exit(2);
}

function refuseError(err: unknown): never {
  if (err instanceof ScadaError) {
    console.error(`htr-scada: cannot start: ${err.message}`);
    if (Array.isArray(err.details)) for (const d of err.details) console.error(String(d));
    process.exit(2);
  }
  console.error(`htr-scada: cannot start: ${(err as Error).message ?? String(err)}`);
  process.exit(1);
}

/** Runs `stop` on SIGINT / SIGTERM, then exits; a second signal or the deadline exits at once. */
function onShutdown(stop: () => Promise<void>, deadlineMs: number, say: (m: string) => void): void {
  let shuttingDown = false;
  const handler = (signal: string): void => {
    if (shuttingDown) process.exit(130);
    shuttingDown = true;
    say(`${signal} received, stopping`);
    setTimeout(() => process.exit(1), deadlineMs).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => handler("SIGINT"));
  process.on("SIGTERM", () => handler("SIGTERM"));
}

const parsePort = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error("must be a port number 0..65535");
  return n;
};

export function registerSiteCommands(program: Command, deps: SiteCommandDeps): void {
  program
    .command("site")
    .description("the site overview: every line of the site's Sparkplug group (state, first-out, alarms, roll, speed) with links into each HMI")
    .option("--config <file>", "site file (env SCADA_SITE_FILE, default plc-config/site.yaml)")
    .option("--port <n>", "HTTP port (default: the site file's overview.port)", parsePort)
    .option("--host <host>", "HTTP bind address (default: the site file's overview.host)")
    .action(async (opts: { config?: string; port?: number; host?: string }) => {
      const logger = createLogger();
      const site = siteOrExit(opts.config ? resolve(opts.config) : deps.defaultSiteFile());
      const { SiteOverview } = await import("./site-overview.js");
      let overview: InstanceType<typeof SiteOverview>;
      try {
        const username = deps.env.SCADA_MQTT_USERNAME;
        const password = deps.env.SCADA_MQTT_PASSWORD;
        overview = new SiteOverview({
          site,
          brokerUrl: siteBrokerUrl(site, deps.env),
          ...(username ? { username } : {}),
          ...(password ? { password } : {}),
          ...(opts.port === undefined ? {} : { port: opts.port }),
          ...(opts.host === undefined ? {} : { host: opts.host }),
          clock: systemClock,
          logger,
        });
        onShutdown(() => overview.stop(), OVERVIEW_SHUTDOWN_MS, (m) => logger.info(m));
        const { url } = await overview.start();
        logger.info({ url, group: site.groupId, lines: site.lines.map((l) => l.id) }, `HTR site overview ready at ${url} (JSON: ${url}/api/site)`);
      } catch (err) {
        refuseError(err);
      }
    });

  program
    .command("site-demo")
    .description("a site on one machine: a broker, one InfluxDB, the site overview and every line of the site file with its own virtual plant")
    .option("--config <file>", "site file (env SCADA_SITE_FILE, default plc-config/site.yaml)")
    .option("--data <dir>", "the site's data directory (default <SCADA_DATA_DIR or ./var>/site)")
    .option("--external-broker", "use the broker of SCADA_MQTT_URL or the site file as it is (start none)", false)
    .action(async (opts: { config?: string; data?: string; externalBroker: boolean }) => {
      const say = (m: string): void => console.log(`site-demo: ${m}`);
      const site = siteOrExit(opts.config ? resolve(opts.config) : deps.defaultSiteFile());
      const { SiteDemo } = await import("./site-launcher.js");
      const demo = new SiteDemo({
        site,
        dataDir: opts.data ? resolve(opts.data) : resolve(deps.defaultDataDir(), "site"),
        externalBroker: opts.externalBroker,
        env: deps.env,
        entry: { command: process.execPath, args: [...process.execArgv, process.argv[1]!] },
        out: say,
      });
      onShutdown(() => demo.stop(), DEMO_SHUTDOWN_MS, say);
      try {
        await demo.start();
      } catch (err) {
        await demo.stop();
        refuseError(err);
      }
    });
}
