import type { Express } from "express";
import type { AuditTrail } from "../audit/audit-trail.js";
import type { AuthService } from "../auth/auth-service.js";
import type { SessionRulesOverrides } from "../auth/session-rules.js";
import type { ScadaConfig } from "../config/config-loader.js";
import type { AlarmService } from "../control/alarm-service.js";
import type { InterlockService } from "../control/interlock-service.js";
import type { LineService } from "../control/line-service.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { DeviceDriver } from "../drivers/driver-port.js";
import type { ResampleOptions } from "../historian/historian-schema.js";
import type { HistorianService } from "../historian/historian-service.js";
import type { RollService } from "../control/roll-service.js";
import type { RecipeService } from "../recipes/recipe-service.js";
import type { OperationRunner } from "../server/operation-port.js";
import type { VirtualPlantService } from "../sim/virtual-plant-service.js";
import type { TagTable } from "../tags/tag-table.js";
import type { SparkplugEdgeNodeStatus } from "../northbound/sparkplug-edge-node.js";
import type { NorthboundEnv } from "./wire-northbound.js";

export interface RuntimeOptions {
  /** HTTP port; 0 picks a free one (tests). */
  readonly port: number;
  readonly host: string;
  /** Spool, PKI, databases: everything the app writes. */
  readonly dataDir: string;
  /** Start the virtual plant in the same process and serve its fault API. */
  readonly sim: boolean;
  readonly simSeed?: number;
  /** Virtual plant only: run it in a worker thread of its own (htr-scada start --sim), not in the SCADA's. */
  readonly simThread?: boolean;
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
  /** The north-bound broker: SCADA_MQTT_URL and the environment holding its credentials (runtime/wire-northbound.ts). */
  readonly northbound?: NorthboundEnv;
  /**
   * SCADA_REDIS_URL: the Redis the line's HMI fan-out runs on (socket.io Redis streams adapter): the line's
   * web processes (`htr-scada web`) then serve its HMI too. Unset: this process's sockets only.
   */
  readonly redisUrl?: string;
  /** Socket gateway tick (ms): at most one tag batch per socket per tick (default: the gateway's). Benches. */
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
  /** The roll record: rolls begun and ended with the line, the per-metre segment records (null: the line's config has no place for it). */
  readonly rolls: RollService | null;
  readonly alarms: AlarmService;
  /** Operators' actions, for REST and the socket gateway alike. */
  readonly operations: OperationRunner;
  /** The historian, unless options.historian is "off". */
  readonly historian: HistorianService | null;
  /** The Sparkplug B edge node, when a broker is named (SCADA_MQTT_URL or northbound.yaml). */
  readonly northbound: { status(): SparkplugEdgeNodeStatus } | null;
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
  /** Resolves true once every device is OK and none is still settling after its first data (the line may start), false if `timeoutMs` passes first. */
  waitForDevices(timeoutMs: number): Promise<boolean>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
}
