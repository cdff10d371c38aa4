/**
 * A decoded Sparkplug B payload (as Eclipse Tahu's codec gives it) as a site event (site-message.ts): the
 * values made plain — a 64-bit integer (a Long) as a number, a null metric as null, a data set or template
 * as null (the overview reads none) — seq and timestamps as numbers. Pure; the shapes are declared here
 * structurally, so nothing of the codec is imported.
 */
import type { SiteEvent, SiteMetric, SiteMetricValue, SparkplugKind } from "./site-message.js";

/** What the overview reads of a decoded payload (Tahu's UPayload fits it). */
export interface DecodedPayload {
  readonly timestamp?: unknown;
  readonly seq?: unknown;
  readonly metrics?: readonly DecodedMetric[] | null;
}

export interface DecodedMetric {
  readonly name?: string | null;
  readonly value?: unknown;
  readonly timestamp?: unknown;
  readonly isNull?: boolean | null;
  readonly isHistorical?: boolean | null;
  readonly properties?: Readonly<Record<string, { readonly value?: unknown } | undefined>> | null;
}

/** A number, a Long (anything with toNumber()), or null. */
function plainNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "bigint") return Number(v);
  if (v !== null && typeof v === "object" && typeof (v as { toNumber?: unknown }).toNumber === "function") {
    const n = (v as { toNumber(): number }).toNumber();
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function plainValue(m: DecodedMetric): SiteMetricValue {
  if (m.isNull) return null;
  const v = m.value;
  if (typeof v === "string" || typeof v === "boolean") return v;
  return plainNumber(v);
}

function plainMetric(m: DecodedMetric): SiteMetric | null {
  if (typeof m.name !== "string" || m.name === "") return null;
  const timestamp = plainNumber(m.timestamp);
  const quality = plainNumber(m.properties?.Quality?.value);
  return {
    name: m.name,
    value: plainValue(m),
    ...(timestamp === null ? {} : { timestamp }),
    ...(quality === null ? {} : { quality }),
    ...(m.isHistorical ? { historical: true } : {}),
  };
}

export interface TopicParts {
  readonly group: string;
  readonly type: SparkplugKind;
  readonly edgeNode: string;
  readonly device?: string;
}

export function siteEventOf(topic: TopicParts, payload: DecodedPayload, at: number): SiteEvent {
  const metrics: SiteMetric[] = [];
  for (const m of payload.metrics ?? []) {
    const p = plainMetric(m);
    if (p) metrics.push(p);
  }
  return {
    kind: "message",
    type: topic.type,
    group: topic.group,
    edgeNode: topic.edgeNode,
    ...(topic.device !== undefined ? { device: topic.device } : {}),
    seq: plainNumber(payload.seq),
    timestamp: plainNumber(payload.timestamp),
    metrics,
    at,
  };
}
