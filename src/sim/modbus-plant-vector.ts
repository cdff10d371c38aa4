/**
 * The ServerTCP service vector of the virtual plant's Modbus server: values come from the plant in
 * engineering units and are scaled + encoded per tag (type, word order); writes are decoded and handed to
 * the plant. FC16 is atomic per tag (a 32-bit tag written by one FC16 reaches the plant as one value);
 * reads including a value the plant marks `bad`, and writes the plant refuses, get exception 4.
 */
import type { IServiceVector } from "modbus-serial";
import type { TagScalar } from "../core/tag-value.js";
import type { WordOrder } from "../tags/word-order.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { PlantIO } from "./plant-io.js";
import { engineeringToWords, wordsToEngineering } from "../drivers/modbus/modbus-codec.js";
import { tagWidth } from "../drivers/modbus/modbus-read-planner.js";
import { EX_DEVICE_FAILURE, EX_ILLEGAL_DATA_ADDRESS, type AddressMap, type TableMap } from "./modbus-address-map.js";

/** An error ServerTCP answers with its Modbus exception code. */
class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Does the write [address, address + count) cover every word of the tag? */
function coversTag(tag: TagConfig, address: number, count: number): boolean {
  const a = tag.modbus?.address ?? -1;
  return a >= address && a + tagWidth(tag) <= address + count;
}

export function plantServiceVector(plant: PlantIO, maps: AddressMap, order: WordOrder): IServiceVector {
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
  return {
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
}
