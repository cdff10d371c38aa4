/**
 * What the site overview folds (site-state.ts): a Sparkplug B message as plain data — the topic's parts, the
 * payload's seq and metrics with their values made plain (a 64-bit integer as a number) — or a message that
 * could not be decoded, or the broker connection going up or down. Made by the host client
 * (northbound/sparkplug-host-client.ts); pure types.
 */

export type SiteMetricValue = number | string | boolean | null;

export interface SiteMetric {
  readonly name: string;
  /** null: the metric is null (is_null), or of a type the overview does not read. */
  readonly value: SiteMetricValue;
  /** The metric's timestamp (ms), when it has one. */
  readonly timestamp?: number;
  /** The `Quality` property (OPC code: 192 Good, 64 Uncertain, 0 Bad), when present. */
  readonly quality?: number;
  /** Sent from the edge node's store-and-forward backlog: not a current value. */
  readonly historical?: boolean;
}

export type SparkplugKind = "NBIRTH" | "NDEATH" | "NDATA" | "NCMD" | "DBIRTH" | "DDEATH" | "DDATA" | "DCMD";

export type SiteEvent =
  | {
      readonly kind: "message";
      readonly type: SparkplugKind;
      readonly group: string;
      readonly edgeNode: string;
      readonly device?: string;
      readonly seq: number | null;
      readonly timestamp: number | null;
      readonly metrics: readonly SiteMetric[];
      /** When the overview received it (ms). */
      readonly at: number;
    }
  /** A payload that is not Sparkplug B, or a topic in the namespace of a wrong shape. */
  | { readonly kind: "malformed"; readonly topic: string; readonly reason: string; readonly at: number }
  | { readonly kind: "broker"; readonly connected: boolean; readonly at: number; readonly reason?: string };
