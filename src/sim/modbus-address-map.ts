/**
 * The Modbus address map of one device in the virtual plant, and the checks of a request against it.
 *
 * The device's map, per table, is the span from its lowest to its highest tagged address: reads anywhere
 * inside it are answered (unused registers read 0, like unused PLC memory, so planned reads may bridge
 * gaps); reads reaching outside it, and writes to an address that holds no tag, get exception 2.
 */
import type { ModbusDeviceConfig } from "../config/device-schema.js";
import type { TagConfig } from "../tags/tag-schema.js";
import { tagWidth, type ModbusTable } from "../drivers/modbus/modbus-read-planner.js";

/** Modbus exception codes the plant's server answers. */
export const EX_ILLEGAL_DATA_ADDRESS = 2;
export const EX_ILLEGAL_DATA_VALUE = 3;
export const EX_DEVICE_FAILURE = 4;

/** One table's address map: address → the tag there and which of its words / bits it is. */
export interface TableMap {
  readonly cells: Map<number, { tag: TagConfig; index: number }>;
  /** Inclusive span of tagged addresses; empty table: lo > hi. */
  lo: number;
  hi: number;
}

export type AddressMap = Record<ModbusTable, TableMap>;

export function buildAddressMap(device: ModbusDeviceConfig, tags: readonly TagConfig[]): AddressMap {
  const maps: AddressMap = {
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
 * Validates one request PDU (function code first) before ServerTCP handles it: quantity 1–125 registers /
 * 1–2000 bits per read (1–123 / 1–1968 per write) → exception 3; addresses outside the map → exception 2.
 * Returns the exception code to answer, or 0 to let ServerTCP answer.
 */
export function checkPdu(pdu: Buffer, maps: AddressMap): number {
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
