/**
 * The virtual plant's Modbus TCP server for one Modbus device config (modbus-serial's ServerTCP).
 *
 * Values come from the plant in engineering units and are scaled + encoded per tag (type, word order);
 * writes are decoded and handed to the plant. What ServerTCP does not do, this file adds:
 *  - request validation before ServerTCP sees a frame: quantity 1–125 registers / 1–2000 bits per read
 *    (1–123 / 1–1968 per write) → exception 3; addresses outside the device's map → exception 2.
 *    (ServerTCP answers a read of more than 127 registers with exception 4 before any vector function
 *    runs, so the check has to sit in front of it: each connection is handed to ServerTCP through a thin
 *    socket facade that only forwards valid, complete frames.)
 *  - atomic FC16 (setRegisterArray): a 32-bit tag written by one FC16 reaches the plant as one value;
 *  - exception 4 for reads that include a value the plant marks `bad`, and for writes the plant refuses;
 *  - setOnline(false): communication loss (connections destroyed, listener closed, frames ignored);
 *  - stop(): closes the listener and every client socket, and resolves once the port is released.
 *
 * The device's map, per table, is the span from its lowest to its highest tagged address: reads anywhere
 * inside it are answered (unused registers read 0, like unused PLC memory, so planned reads may bridge
 * gaps); reads reaching outside it, and writes to an address that holds no tag, get exception 2.
 */
import { EventEmitter } from "node:events";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { ServerTCP, type IServiceVector } from "modbus-serial";
import type { ModbusDeviceConfig } from "../config/device-schema.js";
import type { Logger } from "../core/logger.js";
import type { TagScalar } from "../core/tag-value.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { PlantIO } from "./plant-io.js";
import { engineeringToWords, wordsToEngineering } from "../drivers/modbus/modbus-codec.js";
import { isBitTable, tagWidth, type ModbusTable } from "../drivers/modbus/modbus-read-planner.js";

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

/** Modbus exception codes this server answers. */
const EX_ILLEGAL_DATA_ADDRESS = 2;
const EX_ILLEGAL_DATA_VALUE = 3;
const EX_DEVICE_FAILURE = 4;

class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** One table's address map: address → the tag there and which of its words / bits it is. */
interface TableMap {
  readonly cells: Map<number, { tag: TagConfig; index: number }>;
  /** Inclusive span of tagged addresses; empty table: lo > hi. */
  lo: number;
  hi: number;
}

function buildMaps(device: ModbusDeviceConfig, tags: readonly TagConfig[]): Record<ModbusTable, TableMap> {
  const maps: Record<ModbusTable, TableMap> = {
    coil: { cells: new Map(), lo: Infinity, hi: -Infinity },
    discrete: { cells: new Map(), lo: Infinity, hi: -Infinity },
    holding: { cells: new Map(), lo: Infinity, hi: -Infinity },
    input: { cells: new Map(), lo: Infinity, hi: -Infinity },
  };
  for (const tag of tags) {
    if (tag.device !== device.id || tag.modbus === undefined) continue;
    const map = maps[tag.modbus.table];
    const width = tagWidth(tag);
    for (let i = 0; i < width; i++) map.cells.set(tag.modbus.address + i, { tag, index: i });
    map.lo = Math.min(map.lo, tag.modbus.address);
    map.hi = Math.max(map.hi, tag.modbus.address + width - 1);
  }
  return maps;
}

/** Reading a table's range: exception code, or 0 when allowed. */
function checkRead(map: TableMap, address: number, quantity: number, maxQuantity: number): number {
  if (quantity < 1 || quantity > maxQuantity) return EX_ILLEGAL_DATA_VALUE;
  if (address < map.lo || address + quantity - 1 > map.hi) return EX_ILLEGAL_DATA_ADDRESS;
  return 0;
}

/** Writing a table's range: every address must hold a tag. */
function checkWrite(map: TableMap, address: number, quantity: number, maxQuantity: number): number {
  if (quantity < 1 || quantity > maxQuantity) return EX_ILLEGAL_DATA_VALUE;
  for (let a = address; a < address + quantity; a++) if (!map.cells.has(a)) return EX_ILLEGAL_DATA_ADDRESS;
  return 0;
}

const CHECKED_FUNCTIONS = new Set([1, 2, 3, 4, 5, 6, 15, 16]);

/**
 * Validates one request PDU (function code first) before ServerTCP handles it.
 * Returns the exception code to answer, or 0 to let ServerTCP answer.
 */
function checkPdu(pdu: Buffer, maps: Record<ModbusTable, TableMap>): number {
  const fc = pdu[0];
  if (fc === undefined || !CHECKED_FUNCTIONS.has(fc)) return 0; // ServerTCP answers the rest (e.g. exception 1)
  if (pdu.length < 5) return EX_ILLEGAL_DATA_VALUE; // truncated request
  const address = pdu.readUInt16BE(1);
  const second = pdu.readUInt16BE(3); // quantity, or the value of a single write
  switch (fc) {
    case 1:
      return checkRead(maps.coil, address, second, 2000);
    case 2:
      return checkRead(maps.discrete, address, second, 2000);
    case 3:
      return checkRead(maps.holding, address, second, 125);
    case 4:
      return checkRead(maps.input, address, second, 125);
    case 5:
      if (second !== 0x0000 && second !== 0xff00) return EX_ILLEGAL_DATA_VALUE;
      return checkWrite(maps.coil, address, 1, 1);
    case 6:
      return checkWrite(maps.holding, address, 1, 1);
    case 15:
      if (pdu.length < 6 || pdu[5] !== Math.ceil(second / 8) || pdu.length !== 6 + (pdu[5] ?? 0)) return EX_ILLEGAL_DATA_VALUE;
      return checkWrite(maps.coil, address, second, 1968);
    case 16:
      if (pdu.length < 6 || pdu[5] !== second * 2 || pdu.length !== 6 + (pdu[5] ?? 0)) return EX_ILLEGAL_DATA_VALUE;
      return checkWrite(maps.holding, address, second, 123);
    default:
      return 0;
  }
}

/**
 * What ServerTCP sees instead of the real socket: only valid, complete Modbus TCP frames arrive as "data";
 * invalid ones were answered with an exception already. ServerTCP uses address(), remoteAddress,
 * localPort, write(), destroy() and the "data" / "close" / "error" events.
 */
class FilteredSocket extends EventEmitter {
  constructor(private readonly real: Socket) {
    super();
  }
  address(): AddressInfo | object {
    return this.real.address();
  }
  get remoteAddress(): string | undefined {
    return this.real.remoteAddress;
  }
  get localPort(): number | undefined {
    return this.real.localPort;
  }
  write(data: Buffer): boolean {
    if (this.real.destroyed || !this.real.writable) return false;
    return this.real.write(data);
  }
  destroy(): void {
    this.real.destroy();
  }
}

function exceptionFrame(mbap: Buffer, fc: number, code: number): Buffer {
  const out = Buffer.alloc(9);
  out.writeUInt16BE(mbap.readUInt16BE(0), 0); // transaction id
  out.writeUInt16BE(0, 2); // protocol
  out.writeUInt16BE(3, 4); // length: unit + fc + code
  out.writeUInt8(mbap.readUInt8(6), 6); // unit id
  out.writeUInt8((fc | 0x80) & 0xff, 7);
  out.writeUInt8(code, 8);
  return out;
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
  const maps = buildMaps(device, options.tags);
  const order = device.wordOrder;

  /** Current raw words of a tag from the plant (a bit as [0 | 1]); exception 4 when bad or missing. */
  const wordsOf = (tag: TagConfig): number[] => {
    const pv = plant.read(tag.name);
    if (pv === undefined) throw new ModbusException(EX_DEVICE_FAILURE, `plant has no variable '${tag.name}'`);
    if (pv.bad !== undefined) throw new ModbusException(EX_DEVICE_FAILURE, `'${tag.name}' is bad: ${pv.bad}`);
    const value: TagScalar = tag.type === "bool" ? Boolean(pv.value) : pv.value;
    try {
      // A PLC register saturates rather than wraps: clamp out-of-range values.
      return engineeringToWords(tag, value, order, "clamp");
    } catch (e) {
      throw new ModbusException(EX_DEVICE_FAILURE, `'${tag.name}': ${(e as Error).message}`);
    }
  };

  const readRegisters = (map: TableMap, address: number, length: number): number[] => {
    const cache = new Map<TagConfig, number[]>();
    const out: number[] = [];
    for (let a = address; a < address + length; a++) {
      const cell = map.cells.get(a);
      if (cell === undefined) {
        out.push(0);
        continue;
      }
      let words = cache.get(cell.tag);
      if (words === undefined) cache.set(cell.tag, (words = wordsOf(cell.tag)));
      out.push(words[cell.index] ?? 0);
    }
    return out;
  };

  const readBit = (map: TableMap, address: number): boolean => {
    const cell = map.cells.get(address);
    if (cell === undefined) return false;
    return (wordsOf(cell.tag)[0] ?? 0) !== 0;
  };

  const writeToPlant = (tag: TagConfig, value: TagScalar): void => {
    if (!plant.write(tag.name, value)) {
      throw new ModbusException(EX_DEVICE_FAILURE, `plant refused the write of '${tag.name}'`);
    }
  };

  /**
   * Writes registers atomically per tag: every touched tag's new value is decoded first (a partly written
   * 32-bit value keeps its other word from the plant), then each goes to the plant as one value.
   */
  const writeRegisters = (address: number, values: readonly number[]): void => {
    const touched = new Map<TagConfig, number[]>();
    values.forEach((w, i) => {
      const cell = maps.holding.cells.get(address + i);
      if (cell === undefined) throw new ModbusException(EX_ILLEGAL_DATA_ADDRESS, `no tag at holding ${address + i}`);
      let words = touched.get(cell.tag);
      if (words === undefined) {
        // a write covering only part of a 32-bit value keeps the plant's current other word
        words = coversTag(cell.tag, address, values.length) ? new Array<number>(tagWidth(cell.tag)).fill(0) : wordsOf(cell.tag);
        touched.set(cell.tag, words);
      }
      words[cell.index] = w;
    });
    const decoded: [TagConfig, TagScalar][] = [];
    for (const [tag, words] of touched) decoded.push([tag, wordsToEngineering(tag, words, order)]);
    for (const [tag, value] of decoded) writeToPlant(tag, value);
  };

  const writeCoil = (address: number, value: boolean): void => {
    const cell = maps.coil.cells.get(address);
    if (cell === undefined) throw new ModbusException(EX_ILLEGAL_DATA_ADDRESS, `no tag at coil ${address}`);
    writeToPlant(cell.tag, value);
  };

  // Vector functions: synchronous, chosen by arity (no default or rest parameters: ServerTCP counts them).
  const vector: IServiceVector = {
    getCoil: (addr: number, _unitID: number): boolean => readBit(maps.coil, addr),
    getDiscreteInput: (addr: number, _unitID: number): boolean => readBit(maps.discrete, addr),
    getHoldingRegister: (addr: number, _unitID: number): number => readRegisters(maps.holding, addr, 1)[0] ?? 0,
    getInputRegister: (addr: number, _unitID: number): number => readRegisters(maps.input, addr, 1)[0] ?? 0,
    getMultipleHoldingRegisters: (addr: number, length: number, _unitID: number): number[] =>
      readRegisters(maps.holding, addr, length),
    getMultipleInputRegisters: (addr: number, length: number, _unitID: number): number[] =>
      readRegisters(maps.input, addr, length),
    setCoil: (addr: number, value: boolean, _unitID: number): void => writeCoil(addr, value),
    setRegister: (addr: number, value: number, _unitID: number): void => writeRegisters(addr, [value]),
    setRegisterArray: (addr: number, values: number[], _unitID: number): void => writeRegisters(addr, values),
  };

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
    const facade = new FilteredSocket(sock);
    let pending: Buffer = Buffer.alloc(0);
    sock.on("close", () => {
      sockets.delete(sock);
      facade.emit("close", false);
    });
    sock.on("error", (err) => facade.emit("error", err));
    sock.on("data", (chunk: Buffer) => {
      if (!online) return; // communication loss: ignore requests
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const valid: Buffer[] = [];
      while (pending.length >= 8) {
        const len = pending.readUInt16BE(4); // unit id + PDU
        if (pending.readUInt16BE(2) !== 0 || len < 2 || len > 254) {
          logger.debug({ len }, "modbus sim: malformed MBAP header, closing connection");
          sock.destroy();
          return;
        }
        if (pending.length < 6 + len) break;
        const frame = pending.subarray(0, 6 + len);
        pending = pending.subarray(6 + len);
        const unit = frame.readUInt8(6);
        const mine = device.unitId === 0 || device.unitId === 255 || unit === device.unitId;
        const pdu = frame.subarray(7);
        const code = mine ? checkPdu(pdu, maps) : 0;
        if (code === 0) {
          valid.push(frame);
        } else {
          // Answer on the next turn, as ServerTCP does, so answers keep the order of requests.
          const answer = exceptionFrame(frame, pdu[0] ?? 0, code);
          setTimeout(() => facade.write(answer), 0);
        }
      }
      if (valid.length > 0) facade.emit("data", valid.length === 1 ? valid[0] : Buffer.concat(valid));
    });
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

/** Does the write [address, address + count) cover every word of the tag? */
function coversTag(tag: TagConfig, address: number, count: number): boolean {
  const a = tag.modbus?.address ?? -1;
  return a >= address && a + tagWidth(tag) <= address + count;
}
