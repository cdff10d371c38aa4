/**
 * The virtual plant's worker thread (started by `virtual-plant-thread.ts`): the plant's physics, PLC
 * programs and protocol servers on an event loop of their own, so that the SCADA's work (HTTP, logins,
 * the HMI push, the historian) never delays a virtual PLC's answer or scan — as with real PLCs, which
 * are other machines. Logs go to the main thread's logger; faults come in as messages.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Logger } from "../core/logger.js";
import { routeOpcuaLibraryLog } from "../drivers/opcua/opcua-library-log.js";
import { type FromPlant, type LogLevel, type PlantThreadData, type ToPlant, serializeError } from "./plant-thread-messages.js";
import { type VirtualPlantService, startVirtualPlant } from "./virtual-plant-service.js";

const port = parentPort;
if (!port) throw new Error("plant-worker.ts runs only as a worker thread (virtual-plant-thread.ts starts it)");
const data = workerData as PlantThreadData;
const post = (m: FromPlant): void => port.postMessage(m);

const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** A Logger that hands every record at or above `level` to the main thread. */
function threadLogger(level: string, bindings: Record<string, unknown>): Logger {
  const min = LEVELS[level as LogLevel] ?? LEVELS.info;
  const log = (l: LogLevel) => (obj: object | string, msg?: string) => {
    if (LEVELS[l] < min) return;
    const record: FromPlant = { type: "log", level: l, bindings, obj, ...(msg === undefined ? {} : { msg }) };
    try {
      post(record);
    } catch {
      // Something in obj cannot be cloned (a socket, a function): its text instead.
      post({ type: "log", level: l, bindings, obj: { detail: String(obj instanceof Error ? obj.message : JSON.stringify(obj) ?? obj) }, ...(msg === undefined ? {} : { msg }) });
    }
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: (b) => threadLogger(level, { ...bindings, ...b }) };
}

let service: VirtualPlantService | undefined;
port.on("message", (m: ToPlant) => {
  if (m.type === "fault") {
    // Names are checked by the main thread against the same list; an error here is logged, never thrown across.
    try {
      service?.setFault(m.name, m.active);
    } catch (err) {
      threadLogger(data.logLevel, { module: "sim" }).error({ err }, "fault not switched");
    }
    if (service) post({ type: "faults", faults: service.faults() });
  } else if (m.type === "stop") {
    void (async () => {
      await service?.stop();
      service = undefined;
      post({ type: "stopped" });
      port.close();
    })();
  }
});

// node-opcua in this thread is a module instance of its own: its messages routed here too.
routeOpcuaLibraryLog(threadLogger(data.logLevel, {}));
try {
  service = await startVirtualPlant({
    config: data.config,
    dataDir: data.dataDir,
    logger: threadLogger(data.logLevel, {}),
    ...(data.seed === undefined ? {} : { seed: data.seed }),
    ...(data.startPurged === undefined ? {} : { startPurged: data.startPurged }),
    ...(data.host === undefined ? {} : { host: data.host }),
  });
  post({ type: "ready", endpoints: service.endpoints, faults: service.faults() });
} catch (err) {
  post({ type: "failed", error: serializeError(err) });
  port.close();
}
