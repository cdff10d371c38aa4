/**
 * Sparkplug B topics (Sparkplug 3.0, §4.1): `spBv1.0/<group>/<type>/<edge node>[/<device>]`. Pure.
 * Ids are one MQTT topic level each: no '/', '+' or '#' (the config schema refuses them).
 */
export const SPARKPLUG_NAMESPACE = "spBv1.0";

export const SPARKPLUG_MESSAGE_TYPES = ["NBIRTH", "NDEATH", "NDATA", "NCMD", "DBIRTH", "DDEATH", "DDATA", "DCMD"] as const;
export type SparkplugMessageType = (typeof SPARKPLUG_MESSAGE_TYPES)[number];

export interface SparkplugTopic {
  readonly group: string;
  readonly type: SparkplugMessageType;
  readonly edgeNode: string;
  /** Present for the D… types. */
  readonly device?: string;
}

const DEVICE_TYPES: ReadonlySet<string> = new Set(["DBIRTH", "DDEATH", "DDATA", "DCMD"]);

export function sparkplugTopic(t: SparkplugTopic): string {
  const base = `${SPARKPLUG_NAMESPACE}/${t.group}/${t.type}/${t.edgeNode}`;
  return DEVICE_TYPES.has(t.type) ? `${base}/${t.device ?? ""}` : base;
}

/** The parts of a Sparkplug B topic, or null for anything else (another namespace, a wrong shape or type). */
export function parseSparkplugTopic(topic: string): SparkplugTopic | null {
  const parts = topic.split("/");
  if (parts[0] !== SPARKPLUG_NAMESPACE || parts.length < 4 || parts.length > 5) return null;
  const [, group, type, edgeNode, device] = parts as [string, string, string, string, string | undefined];
  if (!(SPARKPLUG_MESSAGE_TYPES as readonly string[]).includes(type) || !group || !edgeNode) return null;
  const isDevice = DEVICE_TYPES.has(type);
  if (isDevice !== (device !== undefined) || device === "") return null;
  return { group, type: type as SparkplugMessageType, edgeNode, ...(device !== undefined ? { device } : {}) };
}

/** The Primary Host Application's state topic (Sparkplug 3.0, §5.9): `spBv1.0/STATE/<host id>`, retained. */
export function sparkplugStateTopic(hostId: string): string {
  return `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`;
}

/** A STATE payload (`{"online": bool, "timestamp": ms}`, UTF-8 JSON), or null when it is not one. */
export function parseSparkplugState(payload: Buffer | string): { online: boolean; timestamp: number } | null {
  try {
    const v = JSON.parse(payload.toString()) as { online?: unknown; timestamp?: unknown };
    if (typeof v?.online !== "boolean" || typeof v.timestamp !== "number" || !Number.isFinite(v.timestamp)) return null;
    return { online: v.online, timestamp: v.timestamp };
  } catch {
    return null;
  }
}
