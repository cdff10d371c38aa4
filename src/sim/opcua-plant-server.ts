import { join } from "node:path";
import { OPCUA_DATA_TYPES } from "../drivers/opcua/opcua-tag-codec.js";
import {
  DataType,
  DataValue,
  MonitoredItem,
  OPCUACertificateManager,
  OPCUAServer,
  StatusCodes,
  Subscription,
  Variant,
  resolveNodeId,
  type INamespace,
  type StatusCode,
  type UAObject,
  type UAVariable,
} from "node-opcua";
import type { OpcuaDeviceConfig } from "../config/device-schema.js";
import type { Logger } from "../core/logger.js";
import type { TagScalar } from "../core/tag-value.js";
import { toEngineering, toRaw } from "../tags/scaling.js";
import type { TagConfig, TagType } from "../tags/tag-schema.js";
import type { PlantIO, PlantValue } from "./plant-io.js";

export interface OpcuaPlantServerOptions {
  readonly device: OpcuaDeviceConfig;
  /** The tags this PLC serves (those of other devices are ignored). */
  readonly tags: readonly TagConfig[];
  readonly plant: PlantIO;
  /** A fixed TCP port on 127.0.0.1 (the endpoint must stay the same across setOnline). */
  readonly port: number;
  /** PKI goes to `${dataDir}/pki/opcua-server`. */
  readonly dataDir: string;
  readonly logger: Logger;
}

export interface OpcuaPlantServer {
  readonly port: number;
  readonly endpointUrl: string;
  /** The server's own certificate (DER) while it is online, else null. */
  certificate(): Buffer | null;
  /** Shuts the server down for good (also when offline); resolves within a few seconds. */
  stop(): Promise<void>;
  /**
   * false: the PLC drops off the network (the server shuts down, so clients see their connection close);
   * true: it comes back on the same port. Transitions run in order in the background.
   */
  setOnline(on: boolean): void;
}

/** The virtual plant's PLC scan period: the server's sampling floor (exception-based tags aside). */
const PLC_SCAN_MS = 10;
/**
 * The fastest publishing interval the virtual PLC's server grants (a faster request is revised to it): the
 * exception-based trip tags' subscription (devices.yaml `exceptionPublishingIntervalMs`) publishes a change
 * this soon after the scan that made it. A real PLC's server states its own minimum in its documentation: it
 * revises a faster request the same way, and the driver logs the interval it was granted.
 */
const PLC_MIN_PUBLISHING_MS = 2;


interface ServedTag {
  readonly tag: TagConfig;
  readonly dataType: DataType;
  /** What the variable shows; the value getter returns it, scans replace it. */
  dataValue: DataValue;
  /** The plant value it was built from (to publish only changes). */
  plantValue: PlantValue | undefined;
  variable: UAVariable | undefined;
}

/**
 * The HTR PLC of the virtual plant as an OPC UA server on 127.0.0.1: one variable per tag (string NodeIds
 * in namespace 1, organised in one folder per station), values pushed on every plant scan, client writes
 * handed to the plant.
 *
 * Lowers node-opcua's process-wide publishing and sampling floors to the PLC scan (10 ms).
 */
export async function createOpcuaPlantServer(options: OpcuaPlantServerOptions): Promise<OpcuaPlantServer> {
  const server = new PlantServer(options);
  try {
    await server.bringUp();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

class PlantServer implements OpcuaPlantServer {
  readonly port: number;
  readonly endpointUrl: string;
  private readonly log: Logger;
  private readonly served: ServedTag[];
  private server: OPCUAServer | undefined;
  private certificateManagers: OPCUACertificateManager[] = [];
  private transitions: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly unsubscribeScan: () => void;

  constructor(private readonly options: OpcuaPlantServerOptions) {
    if (!Number.isInteger(options.port) || options.port <= 0) {
      throw new Error(`createOpcuaPlantServer: a fixed port is required (got ${options.port})`);
    }
    this.port = options.port;
    this.endpointUrl = `opc.tcp://127.0.0.1:${options.port}`;
    this.log = options.logger.child({ module: "opcua-plant-server", device: options.device.id });
    this.served = options.tags
      .filter((t) => t.device === options.device.id)
      .map((tag) => {
        if (tag.nodeId === undefined) throw new Error(`tag ${tag.name} of ${options.device.id} has no nodeId`);
        const plantValue = options.plant.read(tag.name);
        const served: ServedTag = {
          tag,
          dataType: OPCUA_DATA_TYPES[tag.type],
          dataValue: new DataValue(),
          plantValue,
          variable: undefined,
        };
        served.dataValue = dataValueOf(served, plantValue, new Date());
        return served;
      });
    this.unsubscribeScan = options.plant.onScan(() => this.publishScan());
  }

  certificate(): Buffer | null {
    return this.server ? Buffer.from(this.server.getCertificate()) : null;
  }

  setOnline(on: boolean): void {
    this.enqueue(() => (on ? this.bringUp() : this.takeDown()));
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.transitions;
    this.stopped = true;
    this.unsubscribeScan();
    this.enqueue(() => this.takeDown());
    await this.transitions;
  }

  private enqueue(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch((err: unknown) => {
      this.log.error({ err }, "OPC UA plant server transition failed");
    });
  }

  async bringUp(): Promise<void> {
    if (this.server || this.stopped) return;
    Subscription.minimumPublishingInterval = Math.min(Subscription.minimumPublishingInterval, PLC_MIN_PUBLISHING_MS);
    MonitoredItem.minimumSamplingInterval = Math.min(MonitoredItem.minimumSamplingInterval, PLC_SCAN_MS);

    const { device, dataDir } = this.options;
    const pki = join(dataDir, "pki", "opcua-server");
    const serverCertificateManager = new OPCUACertificateManager({
      rootFolder: pki,
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    });
    const userCertificateManager = new OPCUACertificateManager({
      rootFolder: join(pki, "users"),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    });
    this.certificateManagers = [serverCertificateManager, userCertificateManager];
    const user = device.user;
    const server = new OPCUAServer({
      port: this.port,
      host: "127.0.0.1",
      hostname: "127.0.0.1",
      alternateHostname: ["127.0.0.1"],
      serverCertificateManager,
      userCertificateManager,
      disableDiscovery: true,
      allowAnonymous: user === undefined,
      ...(user === undefined
        ? {}
        : {
            userManager: {
              isValidUser: (username: string, password: string) =>
                username === user.username && password === (process.env[user.passwordEnv] ?? ""),
            },
          }),
      // 0: an exception-based item (the trip path's tags) gets every change, at most one per PLC scan, with
      // no coalescing window; periodic items are sampled no faster than the scan (the variables' minimum).
      serverCapabilities: { minSupportedSampleRate: 0 },
      buildInfo: { productName: `HTR virtual plant ${device.id}`, manufacturerName: "htr-scada sim" },
      serverInfo: { applicationUri: `urn:htr-scada:sim:${device.id}`, productUri: "urn:htr-scada:sim" },
    });
    this.server = server;
    try {
      await server.initialize();
      this.buildAddressSpace(server);
      await server.start();
    } catch (err) {
      await this.takeDown(); // leave it cleanly offline, so a later setOnline(true) starts afresh
      throw err;
    }
    this.log.info({ endpoint: this.endpointUrl }, "OPC UA plant server online");
  }

  private async takeDown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.served) s.variable = undefined;
    await server.shutdown(0);
    for (const cm of this.certificateManagers) {
      cm.referenceCounter = 0; // the server took references it does not give back; this object owns them
      await cm.dispose();
    }
    this.certificateManagers = [];
    this.log.info({ endpoint: this.endpointUrl }, "OPC UA plant server offline");
  }

  private buildAddressSpace(server: OPCUAServer): void {
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error("OPC UA server has no address space after initialize()");
    const namespace = addressSpace.getOwnNamespace();
    if (namespace.index !== 1) throw new Error(`the plant namespace has index ${namespace.index}, expected 1`);
    const deviceFolder = namespace.addFolder(addressSpace.rootFolder.objects, {
      browseName: this.options.device.id,
      description: this.options.device.description,
    });
    const folders = new Map<string, UAObject>();
    const folderOf = (station: string): UAObject => {
      let folder = folders.get(station);
      if (!folder) {
        folder = namespace.addFolder(deviceFolder, { browseName: station });
        folders.set(station, folder);
      }
      return folder;
    };
    for (const s of this.served) {
      s.variable = this.addVariable(namespace, s, s.tag.station === undefined ? deviceFolder : folderOf(s.tag.station));
    }
  }

  private addVariable(namespace: INamespace, s: ServedTag, folder: UAObject): UAVariable {
    const nodeId = resolveNodeId(s.tag.nodeId ?? "");
    if (nodeId.namespace !== namespace.index) {
      throw new Error(`tag ${s.tag.name}: NodeId ${s.tag.nodeId} is not in namespace ${namespace.index}`);
    }
    const access = s.tag.writable ? "CurrentRead | CurrentWrite" : "CurrentRead";
    const variable = namespace.addVariable({
      organizedBy: folder,
      nodeId,
      browseName: String(nodeId.value),
      description: s.tag.description,
      dataType: s.dataType,
      accessLevel: access,
      userAccessLevel: access,
      // The PLC's value changes once per scan: nothing is gained by sampling it faster. The trip path's tags
      // (sampling: exception) are served exception-based: each scan's change is notified as it is made.
      minimumSamplingInterval: s.tag.sampling === "exception" ? 0 : PLC_SCAN_MS,
    });
    // Bound after creation: node-opcua warns (W31) about a getter on a variable sampled at 0 ms, because a bare
    // getter never reports a change by itself; this one does — publishScan pushes every change with
    // setValueFromSource, which is what an exception-sampled item is notified of.
    variable.bindVariable(
      {
        timestamped_get: () => s.dataValue,
        timestamped_set: (dataValue: DataValue) => Promise.resolve(this.writeFromClient(s, dataValue)),
      },
      true,
    );
    return variable;
  }

  /** A client write: hand it to the plant; the variable then shows what the plant holds (refused or not). */
  private writeFromClient(s: ServedTag, dataValue: DataValue): StatusCode {
    const raw: unknown = dataValue.value.value;
    let status: StatusCode = StatusCodes.Good;
    let eng: TagScalar;
    if (s.tag.type === "bool") {
      eng = raw === true;
    } else {
      eng = toEngineering(Number(raw), s.tag.scaling);
    }
    const range = s.tag.range;
    if (typeof eng === "number" && range && (eng < range.min || eng > range.max)) {
      status = StatusCodes.BadOutOfRange;
    } else if (!this.options.plant.write(s.tag.name, eng)) {
      status = StatusCodes.BadNotWritable;
    }
    const now = new Date();
    const plantValue = this.options.plant.read(s.tag.name);
    s.plantValue = plantValue;
    s.dataValue = dataValueOf(s, plantValue, now);
    // node-opcua stores the DataValue it handed us once we answer, whatever the status: make it the plant's
    dataValue.value = s.dataValue.value;
    dataValue.statusCode = s.dataValue.statusCode;
    dataValue.sourceTimestamp = now;
    dataValue.sourcePicoseconds = 0;
    dataValue.serverTimestamp = now;
    dataValue.serverPicoseconds = 0;
    if (status !== StatusCodes.Good) this.log.debug({ tag: s.tag.name, status: status.name }, "client write refused");
    return status;
  }

  /** After a plant scan: push every changed value (monitored items see it within their sampling interval). */
  private publishScan(): void {
    if (!this.server) return;
    const now = new Date();
    for (const s of this.served) {
      const pv = this.options.plant.read(s.tag.name);
      if (samePlantValue(pv, s.plantValue) || !s.variable) continue;
      s.plantValue = pv;
      s.dataValue = dataValueOf(s, pv, now);
      s.variable.setValueFromSource(s.dataValue.value, s.dataValue.statusCode, now);
    }
  }
}

function samePlantValue(a: PlantValue | undefined, b: PlantValue | undefined): boolean {
  return a?.value === b?.value && a?.bad === b?.bad;
}

function dataValueOf(s: ServedTag, pv: PlantValue | undefined, now: Date): DataValue {
  const statusCode =
    pv === undefined ? StatusCodes.BadConfigurationError : pv.bad !== undefined ? StatusCodes.BadSensorFailure : StatusCodes.Good;
  return new DataValue({
    value: new Variant({ dataType: s.dataType, value: rawValue(s.tag, pv?.value) }),
    statusCode,
    sourceTimestamp: now,
    serverTimestamp: now,
  });
}

/** Engineering value → what the PLC variable holds (scaled, rounded and clamped for integer types). */
function rawValue(tag: TagConfig, value: TagScalar | undefined): number | boolean {
  if (tag.type === "bool") return value === true;
  const raw = toRaw(typeof value === "number" ? value : Number(value ?? 0), tag.scaling);
  if (tag.type === "float32" || tag.type === "float64") return raw;
  const [min, max] = INTEGER_LIMITS[tag.type];
  return Math.min(max, Math.max(min, Math.round(raw)));
}

const INTEGER_LIMITS: Record<"int16" | "uint16" | "int32" | "uint32", readonly [number, number]> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
