import { monitorEventLoopDelay } from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DeviceDriver, DriverObserver } from "../drivers/driver-port.js";

export interface MetricsSources {
  tagCounters(): { updates: number; changes: number };
  drivers(): readonly DeviceDriver[];
  /** The tag table's listeners in the order they run, with how many times each has thrown. */
  tagListeners?(): readonly { readonly name: string; readonly errors: number }[];
}

export interface ScadaMetrics {
  readonly registry: Registry;
  /** Hand this to the drivers: it records request round trips. */
  readonly driverObserver: DriverObserver;
  stop(): void;
}

/** Prometheus metrics: updates/s, request round trips, reconnects, poll overruns, event-loop delay. */
export function createMetrics(sources: MetricsSources): ScadaMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const roundTrip = new Histogram({
    name: "scada_driver_round_trip_seconds",
    help: "Request round trip to a device (Modbus poll/write, OPC UA write)",
    labelNames: ["device", "kind"] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });

  let lastUpdates = sources.tagCounters().updates;
  let lastAt = Date.now();
  new Gauge({
    name: "scada_tag_updates_per_second",
    help: "Tag values received from drivers per second since the last scrape",
    registers: [registry],
    collect() {
      const { updates } = sources.tagCounters();
      const now = Date.now();
      const dt = (now - lastAt) / 1000;
      this.set(dt > 0 ? (updates - lastUpdates) / dt : 0);
      lastUpdates = updates;
      lastAt = now;
    },
  });
  const counterFrom = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  counterFrom("scada_tag_updates_total", "Tag values received from drivers", () => sources.tagCounters().updates);
  counterFrom("scada_tag_changes_total", "Tag change events emitted", () => sources.tagCounters().changes);
  new Counter({
    name: "scada_tag_listener_errors_total",
    help: "Tag change listeners that threw (each is isolated: the listeners after it still ran)",
    labelNames: ["listener"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const l of sources.tagListeners?.() ?? []) this.inc({ listener: l.name }, l.errors);
    },
  });

  const perDevice = (name: string, help: string, pick: (d: DeviceDriver) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ["device"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const d of sources.drivers()) this.inc({ device: d.deviceId }, pick(d));
      },
    });
  };
  perDevice("scada_driver_reconnects_total", "Reconnections to a device", (d) => d.stats().reconnects);
  perDevice("scada_driver_requests_total", "Requests sent to a device", (d) => d.stats().requests);
  perDevice("scada_driver_request_errors_total", "Requests that failed", (d) => d.stats().requestErrors);
  perDevice("scada_modbus_poll_overruns_total", "Poll cycles skipped because the previous one was still running", (d) => d.stats().overruns);
  new Gauge({
    name: "scada_device_up",
    help: "1 when the device health is OK, 0.5 WARN, 0 DOWN",
    labelNames: ["device"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const d of sources.drivers()) {
        const s = d.health().state;
        this.set({ device: d.deviceId }, s === "OK" ? 1 : s === "WARN" ? 0.5 : 0);
      }
    },
  });

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new Gauge({
    name: "scada_event_loop_delay_seconds",
    help: "Event-loop delay percentiles since the last scrape",
    labelNames: ["quantile"] as const,
    registers: [registry],
    collect() {
      this.set({ quantile: "0.5" }, loop.percentile(50) / 1e9);
      this.set({ quantile: "0.99" }, loop.percentile(99) / 1e9);
      this.set({ quantile: "1" }, loop.max / 1e9);
      loop.reset();
    },
  });

  return {
    registry,
    driverObserver: {
      roundTrip(device, kind, ms) {
        roundTrip.observe({ device, kind }, ms / 1000);
      },
    },
    stop() {
      loop.disable();
    },
  };
}
