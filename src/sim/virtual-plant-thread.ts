/**
 * The virtual plant in a worker thread of its own (`plant-worker.ts`), as `htr-scada start --sim` runs it:
 * the SCADA's event loop and the plant's no longer wait for each other. A real PLC answers and scans
 * whatever its SCADA is doing; in one thread, a busy SCADA (logins hashing, a large report, the HMI push
 * under load) delayed the virtual PLCs' Modbus answers and scans enough to make values late and trip IL-08
 * on a healthy plant. The thread ends with the process, whichever way it ends (nothing is left behind).
 *
 * Faults are switched by message; the list is mirrored here from the worker's reports, so `faults()` and
 * `setFault()` answer at once, as the in-thread plant does. Cost: one postMessage per fault switch and
 * per log record; the physics and the protocol traffic never cross the boundary.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../core/logger.js";
import { type FromPlant, type PlantThreadData, type ToPlant, deserializeError } from "./plant-thread-messages.js";
import { unknownFault } from "./plant-faults.js";
import type { FaultState, VirtualPlantControl, VirtualPlantOptions } from "./virtual-plant-service.js";

/** How long a stop waits for the worker to close its servers before it is terminated (ms). */
const STOP_TIMEOUT_MS = 5000;
/** Child loggers kept for the worker's log records, by their bindings. */
const MAX_CACHED_LOGGERS = 64;

/** tsx's ESM register API, as `import "tsx/esm/api"` finds it (an eval'd worker has no module of ours to resolve from). */
function tsxEsmApi(from: string): string {
  const pkg = createRequire(from).resolve("tsx/package.json");
  const exports = (JSON.parse(readFileSync(pkg, "utf8")) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(pkg), exports["./esm/api"]!.import.default)).href;
}

/** The worker, from the sources (through tsx's loader, as bin/htr-scada.js runs them) or from the build. */
function startWorker(data: PlantThreadData): Worker {
  const self = import.meta.url;
  if (self.endsWith(".ts")) {
    const entry = new URL("./plant-worker.ts", self).href;
    const tsx = tsxEsmApi(self);
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, workerData: data, name: "virtual plant" });
  }
  return new Worker(new URL("./plant-worker.js", self), { workerData: data, name: "virtual plant" });
}

export function startVirtualPlantThread(opts: VirtualPlantOptions): Promise<VirtualPlantControl> {
  const log = opts.logger.child({ module: "sim" });
  const data: PlantThreadData = {
    config: opts.config,
    dataDir: opts.dataDir,
    logLevel: (opts.logger as { level?: string }).level ?? "info",
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.startPurged === undefined ? {} : { startPurged: opts.startPurged }),
    ...(opts.host === undefined ? {} : { host: opts.host }),
  };
  const worker = startWorker(data);
  const send = (m: ToPlant): void => worker.postMessage(m);
  let faults: FaultState[] = [];
  let stopping = false;
  const loggers = new Map<string, Logger>();
  const loggerFor = (bindings: Record<string, unknown>): Logger => {
    const key = JSON.stringify(bindings);
    let l = loggers.get(key);
    if (l) return l;
    l = Object.keys(bindings).length === 0 ? opts.logger : opts.logger.child(bindings);
    // The plant's children are per module and device: a few. Past that, made each time rather than kept.
    if (loggers.size < MAX_CACHED_LOGGERS) loggers.set(key, l);
    return l;
  };
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));

  return new Promise<VirtualPlantControl>((resolve, reject) => {
    let started = false;
    worker.on("message", (m: FromPlant) => {
      switch (m.type) {
        case "log":
          loggerFor(m.bindings)[m.level](m.obj, m.msg);
          return;
        case "faults":
          faults = m.faults;
          return;
        case "failed":
          reject(deserializeError(m.error));
          return;
        case "stopped":
          return;
        case "ready":
          started = true;
          faults = m.faults;
          resolve({
            endpoints: m.endpoints,
            faults: () => faults.map((f) => ({ ...f })),
            setFault(name, active) {
              const known = faults.find((f) => f.name === name);
              if (!known) throw unknownFault(name, faults);
              send({ type: "fault", name, active });
              const now = { ...known, active };
              faults = faults.map((f) => (f.name === name ? now : f));
              return now;
            },
            async stop() {
              stopping = true;
              send({ type: "stop" });
              const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
              await exited;
              clearTimeout(timer);
            },
          });
      }
    });
    worker.on("error", (err) => {
      if (!started) reject(err);
      else log.error({ err }, "the virtual plant's thread failed: its PLCs are gone (the drivers report them lost)");
    });
    void exited.then((code) => {
      if (!started) reject(new Error(`the virtual plant's thread ended (exit code ${code}) before it was ready`));
      else if (!stopping) log.error({ code }, "the virtual plant's thread ended unexpectedly: its PLCs are gone (the drivers report them lost)");
    });
  });
}
