/**
 * The virtual plant's Modbus TCP server for one Modbus device config (modbus-serial's ServerTCP).
 *
 * Values come from the plant in engineering units and are scaled + encoded per tag (type, word order);
 * writes are decoded and handed to the plant (modbus-plant-vector.ts). What ServerTCP does not do, this
 * server adds:
 *  - request validation before ServerTCP sees a frame (modbus-frame-filter.ts, against the device's map in
 *    modbus-address-map.ts): bad quantities → exception 3, addresses outside the map → exception 2;
 *  - atomic FC16 (setRegisterArray): a 32-bit tag written by one FC16 reaches the plant as one value;
 *  - exception 4 for reads that include a value the plant marks `bad`, and for writes the plant refuses;
 *  - setOnline(false): communication loss (connections destroyed, listener closed, frames ignored);
 *  - stop(): closes the listener and every client socket, and resolves once the port is released.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { ServerTCP } from "modbus-serial";
import type { ModbusDeviceConfig } from "../config/device-schema.js";
import type { Logger } from "../core/logger.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { PlantIO } from "./plant-io.js";
import { buildAddressMap } from "./modbus-address-map.js";
import { filterFrames } from "./modbus-frame-filter.js";
import { plantServiceVector } from "./modbus-plant-vector.js";

export interface ModbusPlantServerOptions {
  readonly device: ModbusDeviceConfig;
  /** The device's tags (others are ignored). */
  readonly tags: readonly TagConfig[];
  readonly plant: PlantIO;
  readonly host: string;
  /** TCP port; 0 picks a free one (see `port` of the result). */
  readonly port: number;
  readonly logger: Logger;
}

export interface ModbusPlantServer {
  /** The port actually listened on. */
  readonly port: number;
  /** Closes the listener and every connection; resolves when the port is released. */
  stop(): Promise<void>;
  /** false: PLC communication loss (drop connections, refuse new ones, ignore requests); true: back. */
  setOnline(on: boolean): void;
}

/** A port that was free a moment ago on `host` (ServerTCP cannot listen on port 0: it treats 0 as 502). */
async function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function createModbusPlantServer(options: ModbusPlantServerOptions): Promise<ModbusPlantServer> {
  const { device, plant, host, logger } = options;
  const port = options.port === 0 ? await pickFreePort(host) : options.port;
  const maps = buildAddressMap(device, options.tags);
  const vector = plantServiceVector(plant, maps, device.wordOrder);

  let online = true;
  const sockets = new Set<Socket>();
  const serverTcp = new ServerTCP(vector, { host, port, unitID: device.unitId });
  const net = (serverTcp as unknown as { _server: Server })._server;

  serverTcp.on("socketError", (err: unknown) => logger.debug({ err }, "modbus sim: client socket error"));
  serverTcp.on("error", (err: unknown) => logger.warn({ err }, "modbus sim: server error"));

  // Put the validating facade between each connection and ServerTCP's own connection handler.
  const [serverTcpOnConnection] = net.listeners("connection") as ((sock: unknown) => void)[];
  if (serverTcpOnConnection === undefined) throw new Error("modbus-serial ServerTCP changed: no connection handler");
  net.removeListener("connection", serverTcpOnConnection);
  net.on("connection", (sock: Socket) => {
    if (!online) {
      sock.destroy();
      return;
    }
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on("close", () => sockets.delete(sock));
    const facade = filterFrames(sock, { unitId: device.unitId, maps, logger, isOnline: () => online });
    serverTcpOnConnection(facade);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    serverTcp.once("serverError", onError);
    serverTcp.once("initialized", () => {
      serverTcp.removeListener("serverError", onError);
      resolve();
    });
  });
  serverTcp.on("serverError", (err: unknown) => logger.warn({ err }, "modbus sim: listener error"));
  logger.info({ device: device.id, host, port }, "modbus sim: listening");

  let stopped = false;
  /** Resolves when the listener has closed (it is closed while offline). */
  let listenerClosed: Promise<void> = Promise.resolve();

  const closeListener = (): Promise<void> =>
    new Promise((resolve) => {
      if (!net.listening) {
        resolve();
        return;
      }
      net.close(() => resolve());
    });

  const dropConnections = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };

  return {
    port,
    setOnline(on: boolean): void {
      if (stopped || on === online) return;
      online = on;
      if (!on) {
        logger.info({ device: device.id }, "modbus sim: communication loss (offline)");
        listenerClosed = closeListener();
        dropConnections();
        return;
      }
      logger.info({ device: device.id }, "modbus sim: back online");
      void listenerClosed.then(() => {
        if (stopped || !online || net.listening) return;
        net.listen({ port, host });
      });
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      online = false;
      dropConnections();
      if (net.listening) {
        // ServerTCP.close closes the listener and destroys its (facade →) sockets; ours are gone already.
        await new Promise<void>((resolve) => serverTcp.close(() => resolve()));
      }
      await listenerClosed;
      logger.info({ device: device.id, port }, "modbus sim: stopped");
    },
  };
}
