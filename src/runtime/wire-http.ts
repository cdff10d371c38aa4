/**
 * Wiring of what people reach: the operation runner (one for REST and the HMI's socket: permission, input,
 * e-signature, domain, audit record), the express app with its routes over the services, and the HTTP server
 * with the socket gateway as one component (listens on start; on stop closes the gateway, then every
 * connection, then the server).
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuditTrail } from "../audit/audit-trail.js";
import type { AuthService } from "../auth/auth-service.js";
import type { AlarmService } from "../control/alarm-service.js";
import type { InterlockService } from "../control/interlock-service.js";
import type { LineService } from "../control/line-service.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { DeviceDriver } from "../drivers/driver-port.js";
import { HistorianQueries } from "../historian/historian-queries.js";
import type { HistorianService } from "../historian/historian-service.js";
import type { AlarmDefs } from "../alarms/alarm-schema.js";
import type { RecipeCatalog } from "../recipes/recipe-catalog.js";
import type { RecipeService } from "../recipes/recipe-service.js";
import { sessionAccessPolicy } from "../server/access-policy.js";
import type { DeviceControl } from "../server/device-routes.js";
import type { RollControl } from "../server/roll-routes.js";
import { createApp } from "../server/app.js";
import type { ScadaMetrics } from "../server/metrics.js";
import { createOperationRunner } from "../server/operations.js";
import { requestActorOf } from "../server/request-actor.js";
import { type SocketGateway, attachSocketGateway } from "../server/socket-gateway.js";
import { type RedisSocketAdapter, fanoutStreamName, redactedRedisUrl, redisSocketAdapter } from "./wire-redis-adapter.js";
import type { VirtualPlantComponent } from "../sim/virtual-plant-component.js";
import type { TagTable } from "../tags/tag-table.js";

export interface HttpWiring {
  readonly tags: TagTable;
  readonly drivers: readonly DeviceDriver[];
  readonly line: LineService;
  readonly interlocks: InterlockService;
  readonly recipes: RecipeService;
  readonly catalog: RecipeCatalog;
  readonly rolls?: RollControl;
  readonly alarms: AlarmService;
  readonly alarmDefs: AlarmDefs;
  readonly historian: HistorianService | null;
  readonly audit: AuditTrail;
  readonly auth: AuthService;
  readonly metrics: ScadaMetrics;
  readonly sim: VirtualPlantComponent | null;
  readonly devices: DeviceControl;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface HttpListen {
  readonly port: number;
  readonly host: string;
  readonly gatewayTickMs?: number;
  /** The HMI fan-out (SCADA_REDIS_URL): the gateway's rooms reach the line's web processes too. */
  readonly fanout?: { readonly redisUrl: string; readonly lineId: string };
}

export function wireHttp(w: HttpWiring, listen: HttpListen) {
  const { tags, historian, clock, logger } = w;
  const sim = w.sim ?? undefined;
  const operations = createOperationRunner({
    line: w.line,
    interlocks: w.interlocks,
    alarms: w.alarms,
    recipes: w.recipes,
    recipeVersions: w.catalog,
    ...(w.rolls ? { rolls: w.rolls } : {}),
    ...(sim ? { sim } : {}),
    devices: w.devices,
    sessions: w.auth,
    audit: w.audit,
    logger,
    now: () => clock.now(),
    tagValues: () => new Map(tags.all().map((e) => [e.config.name, e.value.quality.status === "Good" ? e.value.value : null])),
  });
  const queries = new HistorianQueries(historian, w.alarmDefs);
  const httpLog = logger.child({ module: "http" });
  const app = createApp({
    line: w.line,
    interlocks: w.interlocks,
    recipes: w.recipes,
    recipeVersions: w.catalog,
    ...(w.rolls ? { rolls: w.rolls } : {}),
    alarms: w.alarms,
    alarmHistory: queries,
    ...(historian ? { history: queries } : {}),
    ...(sim ? { sim } : {}),
    devices: w.devices,
    operations: { runner: operations, actorOf: requestActorOf },
    tags,
    health: { devices: () => w.drivers.map((d) => d.health()), now: () => clock.now(), ...(historian ? { historian: () => historian.status() } : {}) },
    audit: w.audit,
    metrics: w.metrics.registry,
    policy: sessionAccessPolicy(w.audit, httpLog),
    auth: w.auth,
    logger: httpLog,
  });
  const server: Server = createServer(app);
  let gateway: SocketGateway | undefined;
  let redis: RedisSocketAdapter | undefined;
  let url = "";
  const http = {
    name: "http server and socket gateway",
    async start(): Promise<void> {
      // The realtime gateway (socket.io) on the same server: sessions from auth, operations through the one runner.
      if (listen.fanout) {
        redis = redisSocketAdapter(listen.fanout.redisUrl, listen.fanout.lineId, logger);
        logger.info({ redis: redactedRedisUrl(listen.fanout.redisUrl), stream: fanoutStreamName(listen.fanout.lineId) }, "HMI fan-out on: web processes (htr-scada web) on this Redis serve this line's HMI too");
      }
      gateway = attachSocketGateway(server, {
        auth: w.auth,
        operations,
        tags,
        state: { line: () => w.line.status(), interlocks: () => w.interlocks.status(), alarms: () => w.alarms.list() },
        registry: w.metrics.registry,
        clock,
        logger: logger.child({ module: "socket" }),
        ...(listen.gatewayTickMs === undefined ? {} : { tickMs: listen.gatewayTickMs }),
        ...(redis ? { cluster: { adapter: redis.adapter } } : {}),
      });
      await new Promise<void>((resolve, reject) => {
        server.once("listening", resolve);
        server.once("error", reject);
        server.listen(listen.port, listen.host);
      });
      url = `http://${listen.host}:${(server.address() as AddressInfo).port}`;
    },
    async stop(): Promise<void> {
      if (gateway) await gateway.close();
      await redis?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    url: () => url,
  };
  return { app, operations, http };
}
