import { type Registry, Counter, Gauge } from "prom-client";

/** The gateway's counters (for tests and benches, see `GatewayStats`). */
export interface SocketCounts {
  refusedHandshakes: number;
  refusedEvents: number;
  /** Tag batches delivered (one per socket that got it). */
  batchesSent: number;
  /** Tag batch emits (one per room or socket; socket.io encodes each once). */
  emits: number;
}

const NAMES = {
  connected: "scada_socket_connected",
  refusedHandshakes: "scada_socket_handshakes_refused_total",
  refusedEvents: "scada_socket_events_refused_total",
  batches: "scada_socket_tag_batches_total",
} as const;

interface PromMetrics {
  readonly refusedHandshakes: Counter<"reason">;
  readonly refusedEvents: Counter<"reason">;
  readonly batches: Counter;
}

/**
 * The gateway's counters, and the same in Prometheus when a registry is given: `scada_socket_connected`,
 * `scada_socket_handshakes_refused_total{reason}`, `scada_socket_events_refused_total{reason}`,
 * `scada_socket_tag_batches_total`.
 */
export class SocketMetrics {
  readonly counts: SocketCounts = { refusedHandshakes: 0, refusedEvents: 0, batchesSent: 0, emits: 0 };
  private readonly prom: PromMetrics | undefined;

  constructor(
    private readonly registry: Registry | undefined,
    connected: () => number,
  ) {
    this.prom = registry ? register(registry, connected) : undefined;
  }

  /** A handshake refused (reason: origin, auth). */
  refusedHandshake(reason: string): void {
    this.counts.refusedHandshakes++;
    this.prom?.refusedHandshakes.inc({ reason });
  }

  /** An event refused (reason: unknown-event, malformed, no-ack, forbidden, busy, session-ended, internal). */
  refusedEvent(reason: string): void {
    this.counts.refusedEvents++;
    this.prom?.refusedEvents.inc({ reason });
  }

  /** One tag batch emitted, to a room or a socket. */
  emitted(): void {
    this.counts.emits++;
  }

  /** Tag batches that reached `n` sockets in one flush. */
  delivered(n: number): void {
    this.counts.batchesSent += n;
    if (n > 0) this.prom?.batches.inc(n);
  }

  /** Takes the metrics out of the registry (the gateway closed). */
  unregister(): void {
    if (!this.registry) return;
    for (const n of Object.values(NAMES)) this.registry.removeSingleMetric(n);
  }
}

function register(registry: Registry, connected: () => number): PromMetrics {
  new Gauge({
    name: NAMES.connected,
    help: "Sockets connected to the realtime gateway",
    registers: [registry],
    collect() {
      this.set(connected());
    },
  });
  return {
    refusedHandshakes: new Counter({
      name: NAMES.refusedHandshakes,
      help: "Socket handshakes refused (reason: origin, auth)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    refusedEvents: new Counter({
      name: NAMES.refusedEvents,
      help: "Socket events refused (reason: unknown-event, malformed, no-ack, forbidden, busy, session-ended)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    batches: new Counter({ name: NAMES.batches, help: "Tag batches delivered to sockets", registers: [registry] }),
  };
}
