/**
 * The validating facade between a client connection and modbus-serial's ServerTCP: ServerTCP answers a read
 * of more than 127 registers with exception 4 before any vector function runs, so request checks have to
 * sit in front of it. Each connection is handed to ServerTCP through a thin socket facade that only forwards
 * valid, complete frames; invalid ones are answered with an exception here.
 */
import { EventEmitter } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../core/logger.js";
import { checkPdu, type AddressMap } from "./modbus-address-map.js";

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

export interface FrameFilterOptions {
  readonly unitId: number;
  readonly maps: AddressMap;
  readonly logger: Logger;
  /** false: communication loss, requests are ignored. */
  isOnline(): boolean;
}

/** Wraps one accepted connection: returns the facade to hand to ServerTCP's connection handler. */
export function filterFrames(sock: Socket, options: FrameFilterOptions): EventEmitter {
  const { unitId, maps, logger } = options;
  const facade = new FilteredSocket(sock);
  let pending: Buffer = Buffer.alloc(0);
  sock.on("close", () => facade.emit("close", false));
  sock.on("error", (err) => facade.emit("error", err));
  sock.on("data", (chunk: Buffer) => {
    if (!options.isOnline()) return; // communication loss: ignore requests
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
      const mine = unitId === 0 || unitId === 255 || unit === unitId;
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
  return facade;
}
