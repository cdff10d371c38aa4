/**
 * The modbus-serial client, as the Modbus link uses it: open one for a device (TCP or RTU, with a connect
 * timeout), read a block as words, and drop one without leaving a socket or an 'error' listener behind.
 */
import type { EventEmitter } from "node:events";
import Modbus from "modbus-serial";
import type { ModbusDeviceConfig } from "../../config/device-schema.js";
import { isBitTable, type ModbusTable } from "./modbus-read-planner.js";

/** modbus-serial is CommonJS: its client class is the module's `default` (see TOOLCHAIN.md). */
const ModbusRTU = Modbus.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/**
 * The library's request timeout: well behind the device's, so that the link's own timeout decides. Were it
 * as short, after a stall of this process both timers would fire together and the library's would reject
 * an answer that sat unread in the socket.
 */
const LIBRARY_TIMEOUT_FACTOR = 4;
const LIBRARY_TIMEOUT_MIN_MS = 2000;

/** A connected client for the device; rejects (leaving nothing open) when the connection fails or times out. */
export async function openModbusClient(device: ModbusDeviceConfig): Promise<ModbusClient> {
  const client = new ModbusRTU();
  client.setID(device.unitId);
  // The link times each request itself (modbus-link.ts, a timeout that lets arrived answers be read first);
  // the library's own timeout is only a backstop behind it.
  client.setTimeout(Math.max(device.timeoutMs * LIBRARY_TIMEOUT_FACTOR, LIBRARY_TIMEOUT_MIN_MS));
  // A connection attempt gets a little longer than a request: a TCP handshake plus the first answer.
  const connectTimeoutMs = Math.max(device.timeoutMs, 1000);
  let timer: NodeJS.Timeout | undefined;
  try {
    const opening =
      device.protocol === "modbus-tcp"
        ? client.connectTCP(device.host, { port: device.port })
        : client.connectRTUBuffered(device.path, {
            baudRate: device.baudRate,
            parity: device.parity,
            dataBits: device.dataBits,
            stopBits: device.stopBits,
          });
    await Promise.race([
      opening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`connect timeout after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }),
    ]);
  } catch (e) {
    clearTimeout(timer);
    destroyQuietly(client);
    throw e;
  }
  clearTimeout(timer);
  return client;
}

/** One read request (a poll block or a single tag) → register words (bits as 0 / 1), exactly `count` of them. */
export async function readWords(c: ModbusClient, table: ModbusTable, start: number, count: number): Promise<number[]> {
  if (isBitTable(table)) {
    const res = table === "coil" ? await c.readCoils(start, count) : await c.readDiscreteInputs(start, count);
    const bits = new Array<number>(count);
    for (let i = 0; i < count; i++) bits[i] = res.data[i] ? 1 : 0;
    return bits;
  }
  const res = table === "holding" ? await c.readHoldingRegisters(start, count) : await c.readInputRegisters(start, count);
  if (res.data.length < count) throw new Error(`short answer: ${res.data.length} of ${count} registers`);
  return res.data;
}

export function destroyQuietly(client: ModbusClient): void {
  try {
    // The typings omit EventEmitter's methods; the client is one.
    const emitter = client as unknown as EventEmitter;
    emitter.removeAllListeners("close");
    emitter.removeAllListeners("error");
    // A late socket error after destroy must not become an unhandled 'error' event.
    client.on("error", () => undefined);
    // destroy() drops a TCP socket at once and cancels pending transactions; a serial port has no
    // destroy (modbus-serial then does nothing), so close it.
    if (client.isOpen && !hasDestroy(client)) client.close(() => undefined);
    else client.destroy(() => undefined);
  } catch {
    // already closed
  }
}

function hasDestroy(client: ModbusClient): boolean {
  const port = (client as unknown as { _port?: { destroy?: unknown } })._port;
  return typeof port?.destroy === "function";
}
