/**
 * The sequence numbers of one Sparkplug B edge node (Sparkplug 3.0 §5.2, §6.4): `bdSeq` (0–255) names an MQTT
 * session — the NBIRTH carries it and the NDEATH registered as that connection's will carries the same
 * number, so a host can tell a stale death from the current one — and `seq` (0–255) counts every
 * message of the session after its NBIRTH (which has seq 0); a rebirth starts again at 0. Pure: the edge
 * node builds its payloads here and publishes them.
 */
import type { UPayload } from "sparkplug-payload/lib/sparkplugbpayload.js";
import type { SparkplugMetric } from "./sparkplug-metrics.js";

/** bdSeq and seq wrap at 256 (Sparkplug 3.0: both are 0–255). */
export const SPARKPLUG_SEQ_WRAP = 256;
/** The node control metric a host sets to true in an NCMD to ask for a rebirth. */
export const REBIRTH_METRIC = "Node Control/Rebirth";
export const BDSEQ_METRIC = "bdSeq";

export class SparkplugSession {
  private seq = 0;
  private bd: number;

  /**
   * `lastBdSeq`: the bdSeq of the previous session (kept across restarts), or null on a first start. Call
   * nextConnection() before every connect, the first one included: the first session is last + 1 (or 0).
   */
  constructor(lastBdSeq: number | null) {
    this.bd = lastBdSeq ?? SPARKPLUG_SEQ_WRAP - 1;
  }

  /** The bdSeq of the current MQTT session. */
  get bdSeq(): number {
    return this.bd;
  }

  /** A new MQTT connection is about to be made: the next bdSeq (its NDEATH will is built with ndeath() after this). */
  nextConnection(): number {
    this.bd = (this.bd + 1) % SPARKPLUG_SEQ_WRAP;
    return this.bd;
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % SPARKPLUG_SEQ_WRAP;
    return s;
  }

  /** NBIRTH: seq 0 (a rebirth too), bdSeq and the rebirth control first, then the node's own metrics. */
  nbirth(nowMs: number, nodeMetrics: readonly SparkplugMetric[]): UPayload {
    this.seq = 0;
    return {
      timestamp: nowMs,
      seq: this.nextSeq(),
      metrics: [
        { name: BDSEQ_METRIC, type: "UInt64", value: this.bd, timestamp: nowMs },
        { name: REBIRTH_METRIC, type: "Boolean", value: false, timestamp: nowMs },
        ...nodeMetrics,
      ],
    };
  }

  /** DBIRTH, NDATA, DDATA (and DDEATH): the next seq of the session. */
  message(nowMs: number, metrics: readonly SparkplugMetric[]): UPayload {
    return { timestamp: nowMs, seq: this.nextSeq(), metrics: [...metrics] };
  }

  /** NDEATH (the will, and the clean stop's last message): bdSeq only, no seq. */
  ndeath(nowMs: number): UPayload {
    return { timestamp: nowMs, metrics: [{ name: BDSEQ_METRIC, type: "UInt64", value: this.bd, timestamp: nowMs }] };
  }
}
