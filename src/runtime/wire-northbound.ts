/**
 * Wiring of the north-bound interface: the line as a Sparkplug B edge node when a broker is named —
 * SCADA_MQTT_URL (◆), else northbound.yaml's `sparkplug.brokerUrl`; off when neither is. Credentials from
 * the environment variables the file names (default SCADA_MQTT_USERNAME / SCADA_MQTT_PASSWORD). The edge
 * node listens to the tag table after the trip path, the alarms and the historian. Its DCMDs go to the north
 * command handler (src/server/north-commands.ts): refused unless `acceptCommands`, then operations of the
 * one runner as `commandUser`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ScadaConfig } from "../config/config-loader.js";
import { brokerUrlSchema, DEFAULT_SPARKPLUG_SETTINGS } from "../config/northbound-schema.js";
import type { AlarmService } from "../control/alarm-service.js";
import type { InterlockService } from "../control/interlock-service.js";
import type { LineService } from "../control/line-service.js";
import type { RollService } from "../control/roll-service.js";
import type { Clock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { lineNodeMetrics } from "../northbound/line-node-metrics.js";
import { SparkplugEdgeNode } from "../northbound/sparkplug-edge-node.js";
import type { TagTable } from "../tags/tag-table.js";
import type { Role } from "../auth/permissions.js";
import { createNorthCommandHandler } from "../server/north-commands.js";
import type { AuditSink } from "../server/operation-def.js";
import type { OperationRunner } from "../server/operation-port.js";
import { OPERATION_NAMES } from "../server/operations.js";

export interface NorthboundEnv {
  /** SCADA_MQTT_URL */
  readonly url?: string;
  /** The process environment, for the credentials' variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface NorthboundDeps {
  readonly tags: TagTable;
  readonly line: LineService;
  readonly interlocks: InterlockService;
  readonly alarms: AlarmService;
  readonly rolls: RollService | null;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** What a DCMD's operation reaches: the one runner, the users (the service user's role), the audit trail. */
  readonly operations: OperationRunner;
  readonly users: { get(name: string): { readonly role: Role; readonly disabled: boolean } | undefined };
  readonly audit: AuditSink;
}

/** The edge node, or null when no broker is named. Throws SCADA_ERR_CONFIG_INVALID for a malformed SCADA_MQTT_URL. */
export function wireNorthbound(config: ScadaConfig, env: NorthboundEnv, deps: NorthboundDeps): SparkplugEdgeNode | null {
  const settings = config.northbound?.sparkplug ?? DEFAULT_SPARKPLUG_SETTINGS;
  if (env.url !== undefined && env.url !== "") {
    const parsed = brokerUrlSchema.safeParse(env.url);
    if (!parsed.success) throw new ScadaError("SCADA_ERR_CONFIG_INVALID", "SCADA_MQTT_URL is invalid", [`SCADA_MQTT_URL: ${parsed.error.issues[0]?.message ?? "invalid"} (it is ${JSON.stringify(env.url)})`]);
  }
  const url = env.url || settings.brokerUrl;
  if (!url) return null;
  const unknownOps = (settings.commandOperations ?? []).filter((o) => !(OPERATION_NAMES as readonly string[]).includes(o));
  if (unknownOps.length > 0) {
    throw new ScadaError("SCADA_ERR_CONFIG_INVALID", "northbound.yaml names unknown operations", unknownOps.map((o) => `northbound.yaml: sparkplug.commandOperations: unknown operation '${o}' (known: ${OPERATION_NAMES.join(", ")})`));
  }
  const file = (f: string | undefined) => (f === undefined ? undefined : readFileSync(resolve(config.dir, f)));
  const tls = settings.tls;
  const username = env.env[settings.usernameEnv];
  const password = env.env[settings.passwordEnv];
  const { tags, line, interlocks, alarms, rolls, clock } = deps;
  const edgeNodeId = settings.edgeNodeId ?? config.line.id;
  const handler = createNorthCommandHandler({
    accept: settings.acceptCommands,
    ...(settings.commandUser === undefined ? {} : { serviceUser: settings.commandUser }),
    ...(settings.commandOperations === undefined ? {} : { allow: settings.commandOperations }),
    source: `sparkplug ${settings.groupId}/${edgeNodeId}`,
    runner: deps.operations,
    users: deps.users,
    audit: deps.audit,
    now: () => clock.now(),
    logger: deps.logger,
  });
  return new SparkplugEdgeNode({
    url,
    groupId: settings.groupId,
    edgeNodeId,
    commands: { handler, accepting: settings.acceptCommands },
    tickMs: settings.tickMs,
    ...(settings.primaryHostId === undefined ? {} : { primaryHostId: settings.primaryHostId }),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls: { ...optional("ca", file(tls.caFile)), ...optional("cert", file(tls.certFile)), ...optional("key", file(tls.keyFile)), rejectUnauthorized: tls.rejectUnauthorized } } : {}),
    tags: config.tags,
    tagSource: tags,
    nodeMetrics: () => {
      const il = interlocks.status();
      const counts = alarms.counts();
      const roll = rolls?.live() ?? null;
      return lineNodeMetrics(
        {
          state: line.state(),
          mode: line.mode(),
          firstOut: il.firstOut?.interlock ?? "",
          tripped: il.tripped,
          alarmsByPriority: counts.byPriority,
          unacknowledged: counts.unacknowledged,
          rollId: roll?.rollId ?? "",
          rollLengthM: roll?.lengthM ?? 0,
        },
        clock.now(),
      );
    },
    dataDir: deps.dataDir,
    backlogMaxBytes: settings.backlogMaxMiB * 1024 * 1024,
    clock,
    logger: deps.logger,
  });
}

const optional = <K extends string>(key: K, v: Buffer | undefined): Partial<Record<K, Buffer>> => (v === undefined ? {} : ({ [key]: v } as Record<K, Buffer>));
