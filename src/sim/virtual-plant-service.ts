import { join } from "node:path";
import type { ScadaConfig } from "../config/config-loader.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createModbusPlantServer } from "./modbus-plant-server.js";
import { createOpcuaPlantServer } from "./opcua-plant-server.js";
import { clientPkiRoot, closeClientPki, openClientPki, trustCertificateData } from "../drivers/opcua/opcua-trust-store.js";
import { PlantRunner } from "./plant-runner.js";
import type { DeviceConfig } from "../config/device-schema.js";
import { type ScadaWatchdogTimeouts, initialPlantState, purgedPlantState, withScadaWatchdogTimeouts } from "./plant-state.js";
import { SCADA_HEARTBEAT_INPUTS } from "./plant-tag-map.js";
import { VirtualPlant } from "./virtual-plant.js";
import { unknownFault } from "./plant-faults.js";

interface PlantServer {
  readonly deviceId: string;
  setOnline(on: boolean): void;
  stop(): Promise<void>;
}

export interface VirtualPlantOptions {
  readonly config: ScadaConfig;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly seed?: number;
  /** Start with the chamber already purged under argon (kept inerted between runs) instead of full of air. */
  readonly startPurged?: boolean;
  /** Host the plant's servers bind to (default 127.0.0.1). */
  readonly host?: string;
}

/** The virtual plant as a service: physics in real time, one protocol server per PLC of the config. */
export interface FaultState {
  readonly name: string;
  readonly description: string;
  readonly active: boolean;
}

/** What the SCADA needs of a running virtual plant, wherever it runs (this thread or its own: virtual-plant-thread.ts). */
export interface VirtualPlantControl {
  faults(): FaultState[];
  /** Throws SCADA_ERR_SIM_FAULT_UNKNOWN for an unknown fault name. */
  setFault(name: string, active: boolean): FaultState;
  /** Where each PLC answers, by device id. */
  readonly endpoints: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** A virtual plant running in this thread: its physics reachable too (tests, `htr-scada sim`). */
export interface VirtualPlantService extends VirtualPlantControl {
  readonly plant: VirtualPlant;
}


function portOf(endpoint: string): number {
  const m = /:(\d+)(\/|$)/.exec(endpoint.replace(/^opc\.tcp:\/\//, "x://"));
  return m ? Number(m[1]) : 4840;
}

/** The virtual PLCs' watchdog timeouts as devices.yaml states them (scadaHeartbeat.timeoutMs of the device whose heartbeat tag the PLC holds). */
export function scadaWatchdogTimeouts(devices: readonly DeviceConfig[]): ScadaWatchdogTimeouts {
  const out: { htr?: number; line?: number } = {};
  for (const d of devices) {
    const memory = d.scadaHeartbeat === undefined ? undefined : SCADA_HEARTBEAT_INPUTS.get(d.scadaHeartbeat.tag);
    if (memory !== undefined && d.scadaHeartbeat !== undefined) out[memory] = d.scadaHeartbeat.timeoutMs;
  }
  return out;
}

/**
 * The virtual PLC's server certificate goes into the SCADA client's trust list of the same data directory, at
 * the plant's start: the virtual plant works out of the box with any security mode while the client still
 * refuses every server it was not told to trust (no acceptUnknownCertificate needed).
 */
async function trustPlantCertificate(certificate: Buffer | null, deviceId: string, dataDir: string, log: Logger): Promise<void> {
  if (!certificate) return;
  const pki = await openClientPki(dataDir);
  try {
    const thumbprint = await trustCertificateData(pki, certificate);
    log.info({ device: deviceId, thumbprint, pki: clientPkiRoot(dataDir) }, "the virtual PLC's server certificate is trusted by the SCADA's OPC UA client");
  } finally {
    await closeClientPki(pki);
  }
}

export async function startVirtualPlant(opts: VirtualPlantOptions): Promise<VirtualPlantService> {
  const log = opts.logger.child({ module: "sim" });
  const host = opts.host ?? "127.0.0.1";
  const seed = opts.seed ?? 1;
  const atRest = opts.startPurged ? purgedPlantState(seed) : initialPlantState(seed);
  const plant = new VirtualPlant(opts.config.tags, seed, withScadaWatchdogTimeouts(atRest, scadaWatchdogTimeouts(opts.config.devices)));
  const runner = new PlantRunner(plant);
  const servers: PlantServer[] = [];
  const endpoints: Record<string, string> = {};
  try {
    for (const device of opts.config.devices) {
      const tags = opts.config.tags.filter((t) => t.device === device.id);
      if (device.protocol === "opcua") {
        const srv = await createOpcuaPlantServer({
          device,
          tags,
          plant,
          port: portOf(device.endpoint),
          dataDir: opts.dataDir,
          logger: opts.logger,
        });
        servers.push({ deviceId: device.id, setOnline: (on) => srv.setOnline(on), stop: () => srv.stop() });
        endpoints[device.id] = srv.endpointUrl;
        await trustPlantCertificate(srv.certificate(), device.id, opts.dataDir, log);
      } else if (device.protocol === "modbus-tcp") {
        const srv = await createModbusPlantServer({ device, tags, plant, host, port: device.port, logger: log });
        servers.push({ deviceId: device.id, setOnline: (on) => srv.setOnline(on), stop: () => srv.stop() });
        endpoints[device.id] = `modbus-tcp://${host}:${srv.port}/${device.unitId}`;
      } else {
        log.warn({ device: device.id }, "the virtual plant cannot serve a Modbus RTU device; it stays offline");
      }
    }
  } catch (err) {
    await Promise.allSettled(servers.map((s) => s.stop()));
    throw err;
  }
  runner.start();
  log.info({ endpoints, dataDir: join(opts.dataDir, "pki") }, "virtual plant running");

  const syncComm = (): void => {
    for (const s of servers) s.setOnline(!plant.isCommLost(s.deviceId));
  };

  return {
    plant,
    endpoints,
    faults: () => plant.faults(),
    setFault(name: string, active: boolean): FaultState {
      const known = plant.faults().find((f) => f.name === name);
      if (!known) throw unknownFault(name, plant.faults());
      plant.setFault(name, active);
      syncComm();
      log.warn({ fault: name, active }, `fault ${name} ${active ? "injected" : "cleared"}`);
      return plant.faults().find((f) => f.name === name) ?? known;
    },
    async stop() {
      runner.stop();
      await Promise.allSettled(servers.map((s) => s.stop()));
    },
  };
}
