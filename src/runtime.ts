import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { ScadaConfig } from "./config/config-loader.js";
import { type Clock, systemClock } from "./core/clock.js";
import { type Logger, createLogger } from "./core/logger.js";
import { bad } from "./core/tag-value.js";
import { createDriver } from "./drivers/create-driver.js";
import type { DeviceDriver } from "./drivers/driver-port.js";
import { sessionAccessPolicy } from "./server/access-policy.js";
import { requestActorOf } from "./server/request-actor.js";
import type { AuditPort } from "./auth/audit-port.js";
import { AuthService } from "./auth/auth-service.js";
import type { SessionRulesOverrides } from "./auth/session-rules.js";
import { SqliteUserStore } from "./stores/user-store.js";
import { createApp } from "./server/app.js";
import { createMetrics } from "./server/metrics.js";
import { type SocketGateway, attachSocketGateway } from "./server/socket-gateway.js";
import { type VirtualPlantService, startVirtualPlant } from "./sim/virtual-plant-service.js";
import { TagTable } from "./tags/tag-table.js";
import { HeartbeatMonitor } from "./tags/heartbeat-monitor.js";
import { InterlockService } from "./control/interlock-service.js";
import { LineService } from "./control/line-service.js";
import { LineSnapshotStore } from "./control/line-snapshot-store.js";
import { TagRouter } from "./drivers/tag-router.js";
import { RecipeService } from "./recipes/recipe-service.js";
import { RecipeStore } from "./recipes/recipe-store.js";
import { join } from "node:path";
import { AlarmService } from "./control/alarm-service.js";
import { HistorianService, HistorianUnavailableError } from "./historian/historian-service.js";
import { alarmEventPoint, interlockEventPoint, stateTransitionPoint } from "./historian/historian-measurements.js";
import type { ResampleOptions } from "./historian/historian-schema.js";
import { computeAlarmKpis } from "./alarms/alarm-kpis.js";
import { type AlarmDefs, alarmSettingsSchema } from "./alarms/alarm-schema.js";
import { ScadaError } from "./core/errors.js";
import { AuditTrail } from "./audit/audit-trail.js";
import { AuditJournal } from "./stores/audit-journal.js";
import { auditJournalDir } from "./stores/audit-verify-command.js";
import { auditAnchorSource } from "./historian/audit-anchor-source.js";
import { auditRecordPoint } from "./historian/historian-measurements.js";
import { configDigest } from "./config/config-digest.js";
import type { SessionPort } from "./auth/session-port.js";
import { type AuditSink, createOperationRunner } from "./server/operations.js";
import type { ActorOf } from "./server/operation-route.js";
import type { OperationRunner } from "./server/operation-port.js";
import type { AlarmControl } from "./server/alarm-routes.js";
import type { LineControl } from "./server/line-routes.js";
import type { RecipeControl } from "./server/recipe-routes.js";
import type { SimControl } from "./server/sim-routes.js";

export interface RuntimeOptions {
  /** HTTP port; 0 picks a free one (tests). */
  readonly port: number;
  readonly host: string;
  /** Spool, PKI, databases: everything the app writes. */
  readonly dataDir: string;
  /** Start the virtual plant in the same process and serve its fault API. */
  readonly sim: boolean;
  readonly simSeed?: number;
  /** Virtual plant only: start with the HTR chamber already purged under argon. */
  readonly simPurged?: boolean;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * First run only (no users yet): the `admin` user's password (SCADA_ADMIN_PASSWORD; tests). Unset: a
   * password is generated and returned once by start().
   */
  readonly adminPassword?: string;
  /**
   * Session and lockout rules (defaults: idle 15 min, absolute 12 h, 5 failures in 15 min → 15 min) and,
   * for tests, a clock for sessions and lockouts only.
   */
  readonly auth?: SessionRulesOverrides & { readonly clock?: Clock };
  /**
   * Where history goes: "auto" (INFLUX_URL given as influxUrl, else a managed local influxd when installed,
   * else the disk spool only) or "off" (no historian at all: tests of other things).
   */
  readonly historian?: "auto" | "off";
  /** INFLUX_URL: an external InfluxDB 1.x, http://user:pass@host:port/db. */
  readonly influxUrl?: string;
  /** Managed influxd HTTP port (0 or unset: a free one). */
  readonly influxPort?: number;
  /** Socket gateway tick (ms): at most one tag batch per socket per tick (default 50). Benches. */
  readonly gatewayTickMs?: number;
  /** Historian tuning for tests: continuous-query resampling, CQ run interval, spool bound, flush interval. */
  readonly historianTuning?: {
    readonly cq1s?: ResampleOptions;
    readonly cq1m?: ResampleOptions;
    readonly cqRunInterval?: string;
    readonly spoolMaxBytes?: number;
    readonly flushIntervalMs?: number;
  };
}

export interface Runtime {
  readonly config: ScadaConfig;
  readonly tags: TagTable;
  readonly drivers: readonly DeviceDriver[];
  readonly app: Express;
  readonly line: LineService;
  readonly interlocks: InterlockService;
  readonly recipes: RecipeService;
  readonly alarms: AlarmService;
  /** Operators' actions, for REST and the socket gateway alike. */
  readonly operations: OperationRunner;
  /** The historian, unless options.historian is "off". */
  readonly historian: HistorianService | null;
  /** The audit trail: fsync'd, hash-chained journal under <dataDir>/audit, mirrored to the historian. */
  readonly audit: AuditTrail;
  /** The virtual plant, once started (sim mode only). */
  sim(): VirtualPlantService | undefined;
  /** Users, logins and sessions (src/auth/auth-service.ts). */
  readonly auth: AuthService;
  /**
   * Starts plant (sim), drivers and HTTP; resolves with the URL and, on a first run without
   * adminPassword, the generated admin password (print it once; it is stored only as a hash).
   */
  start(): Promise<{ url: string; generatedAdminPassword: string | null }>;
  /** Resolves true once every device is OK, false if `timeoutMs` passes first. */
  waitForDevices(timeoutMs: number): Promise<boolean>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
}

/** How often tag staleness is checked. */
const STALENESS_CHECK_MS = 50;
/** Audit tail anchor: how long start waits for the first check, how often and how many times it is tried. */
const AUDIT_ANCHOR_WAIT_MS = 3000;
const AUDIT_ANCHOR_RETRY_MS = 5000;
const AUDIT_ANCHOR_TRIES = 12;
/** How often the whole audit chain is verified in the background (and once at start). */
const AUDIT_VERIFY_MS = 15 * 60_000;
/** How often timed-out sessions are ended (their listeners told) and the users CLI's audit entries taken. */
const AUTH_SWEEP_MS = 5000;

/** The composition root: the one place that builds the object graph from a validated config. */
export function createRuntime(config: ScadaConfig, options: RuntimeOptions): Runtime {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  mkdirSync(options.dataDir, { recursive: true });

  // OPC UA pushes by exception: unchanged values are proven current by the heartbeat's publishes.
  const deviceReferenceMs = new Map<string, number>();
  for (const d of config.devices) {
    const hb = config.tags.find((t) => t.name === d.heartbeatTag);
    if (d.protocol === "opcua" && hb) deviceReferenceMs.set(d.id, d.heartbeatPeriodMs);
  }
  const tags = new TagTable(config.tags, clock, { deviceReferenceMs });

  const drivers: DeviceDriver[] = [];
  const metrics = createMetrics({ tagCounters: () => tags.counters(), drivers: () => drivers });
  for (const device of config.devices) {
    drivers.push(
      createDriver(
        device,
        config.tags.filter((t) => t.device === device.id),
        { sink: tags, clock, logger, dataDir: options.dataDir, observer: metrics.driverObserver },
      ),
    );
  }

  // One router of reads and writes by tag → device → driver, for recipes and control alike.
  const tagIo = new TagRouter(drivers, config.tags);
  const recipes = new RecipeService({ store: new RecipeStore(config.dir), config, io: tagIo, clock, logger });
  const heartbeats = new HeartbeatMonitor(
    config.devices.map((d) => ({ id: d.id, heartbeatTag: d.heartbeatTag, periodMs: d.heartbeatPeriodMs })),
    // The line tick looks every 50 ms: a gap of 250 ms is the SCADA stalled, not the PLC.
    { observerStallMs: 250 },
  );
  let line: LineService | undefined;
  const interlocks = new InterlockService({
    defs: config.interlocks,
    tags,
    writer: tagIo,
    line: () => line?.lineInputs() ?? { running: false, heating: false },
    recipe: () => {
      if (recipes.status().alloy === null) return null;
      return { verified: recipes.isVerified(), params: recipes.interlockParams() };
    },
    heartbeats,
    toLine: (event) => line?.send(event),
    clock,
    logger,
  });
  line = new LineService({
    tags,
    io: tagIo,
    recipes,
    interlocks,
    store: new LineSnapshotStore(join(options.dataDir, "line", "line-snapshot.json")),
    clock,
    logger,
  });
  const lineService = line;

  const historian =
    options.historian === "off"
      ? null
      : new HistorianService({
          tags: config.tags,
          tagSource: tags,
          line: config.line.id,
          dataDir: options.dataDir,
          ...(options.influxUrl ? { influxUrl: options.influxUrl } : {}),
          ...(options.influxPort ? { managedPort: options.influxPort } : {}),
          ...options.historianTuning,
          clock,
          logger,
        });
  // The audit trail (21 CFR Part 11): every record is fsync'd to <dataDir>/audit/audit-journal.jsonl, then
  // written to the historian's `audit` measurement (sequence + hash: the journal's tail anchor).
  const auditJournal = AuditJournal.open(auditJournalDir(options.dataDir), { logger });
  const audit = new AuditTrail({ journal: auditJournal, clock, logger });
  if (historian) {
    const lineId = config.line.id;
    audit.onRecord((r) => historian.write(auditRecordPoint(r, lineId)));
  }
  // Auth records logins, logouts, failed logins, lockouts, user changes and refused requests in the audit trail.
  const auditSink: AuditPort = audit;
  const userStore = SqliteUserStore.open(options.dataDir);
  const auth = new AuthService({ store: userStore, audit: auditSink, clock: options.auth?.clock ?? clock, logger, ...(options.auth ? { rules: options.auth } : {}) });

  const alarmDefs: AlarmDefs = config.alarms ?? { settings: alarmSettingsSchema.parse({}), alarms: [] };
  const alarms = new AlarmService({
    defs: alarmDefs,
    tags,
    interlocks,
    line: lineService,
    devices: () => drivers.map((d) => d.health()),
    historian: () => historian?.status() ?? null,
    auth: () => ({ lockedUsers: auth.lockedUsers().length }),
    audit: () => ({ faults: auditFaults() }),
    targets: (): Record<string, number> => {
      // Deviation from the recipe profile: the peak while the PLC holds it (pulse hold, continuous at temperature).
      const peak = recipes.interlockParams().peakTempK;
      const phase = tags.get("htr.profile_phase")?.value;
      return peak !== undefined && phase?.quality.status === "Good" && (phase.value === 2 || phase.value === 4) ? { "htr.web_temp": peak } : {};
    },
    clock,
    logger,
  });
  if (historian) {
    const lineId = config.line.id;
    lineService.onTransition((t) => historian.write(stateTransitionPoint(t, lineId)));
    interlocks.onEvent((e) => historian.write(interlockEventPoint(e, lineId)));
    alarms.onEvent((e) => historian.write(alarmEventPoint(e, lineId)));
  }
  const requireHistorian = (): HistorianService => {
    if (!historian) throw new ScadaError("SCADA_ERR_HISTORIAN_UNAVAILABLE", "this runtime runs without a historian");
    return historian;
  };
  /** Historian queries: a historian that cannot answer is a 503 / 502 with the reason, never a crash. */
  const query = async <T>(run: (h: HistorianService) => Promise<T>): Promise<T> => {
    const h = requireHistorian();
    try {
      return await run(h);
    } catch (err) {
      if (err instanceof ScadaError) throw err;
      if (err instanceof HistorianUnavailableError) throw new ScadaError("SCADA_ERR_HISTORIAN_UNAVAILABLE", err.message);
      throw new ScadaError("SCADA_ERR_HISTORIAN_QUERY_FAILED", `historian query failed: ${(err as Error).message}`);
    }
  };

  let simService: VirtualPlantService | undefined;
  const alarmControl: AlarmControl = {
    list: () => alarms.list(),
    exists: (id) => alarms.get(id) !== undefined,
    ack: (id, user) => alarms.ack(id, user),
    reset: (id, user) => alarms.reset(id, user),
    shelve: (id, minutes, reason, user) => alarms.shelve(id, minutes, reason, user),
    unshelve: (id, user) => alarms.unshelve(id, user),
    history: (f) =>
      query(async (h) => ({
        events: await h.events("alarm", {
          fromMs: f.fromMs,
          toMs: f.toMs,
          limit: f.limit,
          order: "desc",
          where: {
            ...(f.priority ? { priority: f.priority } : {}),
            ...(f.station ? { station: f.station } : {}),
            ...(f.state ? { to: f.state } : {}),
            ...(f.alarm ? { alarm: f.alarm } : {}),
          },
        }),
      })),
    kpis: (range) =>
      query(async (h) => {
        // Stale alarms need activations from before the range: look back a week more.
        const rows = await h.events("alarm", { fromMs: range.fromMs - 7 * 86_400_000, toMs: range.toMs, limit: 100_000 });
        const events = rows.map((r) => ({
          alarmId: String(r.values.alarm),
          at: r.t,
          transition: String(r.values.transition) as never,
          to: String(r.values.to) as never,
        }));
        return computeAlarmKpis(events, alarmDefs, { from: range.fromMs, to: range.toMs });
      }),
  };
  const lineControl: LineControl = {
    status: () => lineService.status(),
    command: (cmd) => lineService.command(cmd),
    interlocks: () => interlocks.status(),
    bypass: (id, request) => interlocks.bypass(id, request),
    resetInterlocks: (by) => interlocks.reset(by),
  };
  const recipeControl: RecipeControl = {
    list: () => recipes.list(),
    get: (alloy) => recipes.get(alloy),
    status: () => recipes.status(),
    load: (alloy, by) => lineService.loadRecipe(alloy, by),
    verify: (by) => recipes.verify(by),
  };
  const simControl: SimControl | undefined = options.sim
    ? {
      faults: () => simService?.faults() ?? [],
      setFault: (name: string, active: boolean) => {
        if (!simService) throw new Error("virtual plant not started");
        return simService.setFault(name, active);
      },
    }
    : undefined;
  // Operators' actions: one runner for REST and the HMI's socket (permission, input, e-signature, audit).
  // E-signatures are checked by the auth service; every operation (and refusal) is recorded in the audit trail,
  // and while it cannot record (`audit.writable()` false) everything but Stop and Abort is refused.
  const operationSessions: Pick<SessionPort, "verifyPassword"> = auth;
  const operationAudit: AuditSink = audit;
  const operationRunner = createOperationRunner({
    line: lineControl,
    alarms: alarmControl,
    recipes: recipeControl,
    ...(simControl ? { sim: simControl } : {}),
    sessions: operationSessions,
    audit: operationAudit,
    logger,
    now: () => clock.now(),
    tagValues: () => new Map(tags.all().map((e) => [e.config.name, e.value.quality.status === "Good" ? e.value.value : null])),
  });
  const actorOf: ActorOf = (req) => requestActorOf(req);

  const app = createApp({
    alarms: alarmControl,
    line: lineControl,
    recipes: recipeControl,
    ...(simControl ? { sim: simControl } : {}),
    operations: { runner: operationRunner, actorOf },
    tags,
    health: {
      devices: () => drivers.map((d) => d.health()),
      now: () => clock.now(),
      ...(historian ? { historian: () => historian.status() } : {}),
    },
    ...(historian
      ? {
          history: {
            knownTag: (name: string) => tags.get(name) !== undefined,
            history: (q: { tags: string[]; fromMs: number; toMs: number; points: number }) => query((h) => h.history(q)),
            csv: (result: unknown) => historian.historyCsv(result as never),
            states: (q: { fromMs: number; toMs: number; scope?: string; limit: number }) =>
              query((h) => h.events("state", { fromMs: q.fromMs, toMs: q.toMs, limit: q.limit, order: "desc", ...(q.scope ? { where: { scope: q.scope } } : {}) })),
          },
        }
      : {}),
    audit,
    metrics: metrics.registry,
    policy: sessionAccessPolicy(auditSink, logger.child({ module: "http" })),
    auth,
    logger: logger.child({ module: "http" }),
  });

  /** Compares the journal's tail with the historian's newest audit points; retried while InfluxDB cannot answer yet. */
  let anchorTimer: NodeJS.Timeout | undefined;
  const checkAuditAnchor = async (tries: number): Promise<void> => {
    if (!historian || stopping) return;
    const state = await audit.checkAnchor(auditAnchorSource((m, q) => historian.events(m, q), () => clock.now()));
    if (state.state === "unavailable" && tries > 1 && historian.status().mode !== "spool-only" && !stopping) {
      anchorTimer = setTimeout(() => void checkAuditAnchor(tries - 1), AUDIT_ANCHOR_RETRY_MS);
      anchorTimer.unref();
    }
  };
  /** The `config.load` record of this start: what the SCADA runs with (counts and a digest of the config files). */
  const recordConfigLoad = (): void => {
    let digest: { sha256: string; files: number } | { digestError: string };
    try {
      digest = configDigest(config.dir);
    } catch (err) {
      digest = { digestError: (err as Error).message };
    }
    const torn = auditJournal.openReport.tornTail;
    try {
      audit.record({
        user: "system",
        role: "system",
        clientAddress: "local",
        action: "config.load",
        target: config.dir,
        newValue: {
          line: config.line.id,
          devices: config.devices.length,
          tags: config.tags.length,
          interlocks: config.interlocks.interlocks.length,
          alarms: config.alarms?.alarms.length ?? 0,
          recipes: recipes.list().length,
          ...digest,
          // A crash mid-append left half a record; opening the journal cut it off: say so in the trail itself.
          ...(torn === null ? {} : { auditJournalRepair: { tornTailBytes: Buffer.byteLength(torn, "utf8") } }),
        },
        result: "ok",
      });
    } catch (err) {
      logger.error({ err: String(err) }, "the audit trail could not record config.load");
    }
  };
  /** The last full chain verification (at start, then every AUDIT_VERIFY_MS); null until the first ends. */
  let chainBroken: string | null = null;
  let verifyTimer: NodeJS.Timeout | undefined;
  const verifyAuditChain = async (): Promise<void> => {
    if (stopping) return;
    try {
      const v = await audit.verify();
      const broken = !v.ok && v.reason !== "anchor-mismatch" ? `record ${v.sequence}: ${v.reason}` : null;
      if (broken && broken !== chainBroken) logger.error({ verdict: v }, `AUDIT TRAIL CHAIN BROKEN at ${broken}`);
      chainBroken = broken;
    } catch (err) {
      if (!stopping) logger.error({ err: String(err) }, "audit chain verification failed");
    }
  };
  /** Faults of the audit trail for the AUDIT-TRAIL-FAULT alarm: chain broken, tail anchor mismatch, journal not writable. */
  const auditFaults = (): number => (chainBroken ? 1 : 0) + (audit.anchorState().state === "mismatch" ? 1 : 0) + (audit.writable() ? 0 : 1);
  const startAudit = async (): Promise<void> => {
    // The first anchor check before this start's own record (a slow historian does not hold the start up).
    await Promise.race([checkAuditAnchor(AUDIT_ANCHOR_TRIES), new Promise((r) => setTimeout(r, AUDIT_ANCHOR_WAIT_MS).unref())]);
    recordConfigLoad();
    // The whole chain is verified now and then (sliced: the event loop is not held up).
    void verifyAuditChain();
    verifyTimer = setInterval(() => void verifyAuditChain(), AUDIT_VERIFY_MS);
    verifyTimer.unref();
  };

  let server: Server | undefined;
  let gateway: SocketGateway | undefined;
  let stalenessTimer: NodeJS.Timeout | undefined;
  let authTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;

  return {
    config,
    tags,
    drivers,
    app,
    line: lineService,
    interlocks,
    recipes,
    alarms,
    operations: operationRunner,
    auth,
    historian,
    audit,
    sim: () => simService,
    async start() {
      // First: a weak SCADA_ADMIN_PASSWORD stops the start before anything runs.
      const firstRun = await auth.ensureAdmin(options.adminPassword);
      auth.recordQueuedAudit();
      authTimer = setInterval(() => {
        auth.sweep();
        auth.recordQueuedAudit();
      }, AUTH_SWEEP_MS);
      if (options.sim) {
        simService = await startVirtualPlant({
          config,
          dataDir: options.dataDir,
          logger,
          ...(options.simSeed === undefined ? {} : { seed: options.simSeed }),
          startPurged: options.simPurged ?? false,
        });
      }
      // The historian first: it records from the first value on (or spools it).
      if (historian) await historian.start();
      await startAudit();
      await Promise.all(drivers.map((d) => d.start()));
      lineService.start();
      interlocks.start();
      alarms.start();
      stalenessTimer = setInterval(() => tags.checkStaleness(), STALENESS_CHECK_MS);
      const srv = app.listen(options.port, options.host);
      server = srv;
      // The realtime gateway (socket.io) on the same server: sessions from auth, operations through the one
      // runner, the same state JSON as the REST routes.
      gateway = attachSocketGateway(srv, {
        auth,
        operations: operationRunner,
        tags,
        state: { line: () => lineControl.status(), interlocks: () => lineControl.interlocks(), alarms: () => alarmControl.list() },
        registry: metrics.registry,
        clock,
        logger: logger.child({ module: "socket" }),
        // 50 ms: a change waits up to one tick, and the browser adds a frame; at 100 ms the p95 from tag change to
        // value shown sat at the 100 ms budget (bench/hmi-browser-latency), at 50 ms it is ≈ 60 ms.
        tickMs: options.gatewayTickMs ?? 50,
      });
      await new Promise<void>((resolve, reject) => {
        srv.once("listening", resolve);
        srv.once("error", reject);
      });
      const { port } = srv.address() as AddressInfo;
      return { url: `http://${options.host}:${port}`, generatedAdminPassword: firstRun.created ? firstRun.generatedPassword : null };
    },
    async waitForDevices(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (!drivers.every((d) => d.health().state === "OK")) {
        if (Date.now() > deadline || stopping) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    stop() {
      stopping ??= (async () => {
        if (stalenessTimer) clearInterval(stalenessTimer);
        if (anchorTimer) clearTimeout(anchorTimer);
        if (verifyTimer) clearInterval(verifyTimer);
        if (authTimer) clearInterval(authTimer);
        alarms.stop();
        lineService.stop();
        interlocks.stop();
        if (gateway) await gateway.close();
        if (server) {
          const srv = server;
          srv.closeAllConnections();
          await new Promise<void>((resolve) => srv.close(() => resolve()));
        }
        await Promise.allSettled(drivers.map((d) => d.stop()));
        for (const d of config.devices) tags.markDevice(d.id, bad("SCADA stopped"));
        // Last: the historian takes the final Bad values and flushes them (to InfluxDB or the spool).
        if (historian) await historian.stop();
        if (simService) await simService.stop();
        metrics.stop();
        // Last of all, so what is recorded while stopping is still journaled.
        auditJournal.close();
        userStore.close();
      })();
      return stopping;
    },
  };
}
