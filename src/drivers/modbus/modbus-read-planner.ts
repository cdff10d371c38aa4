/**
 * Modbus read planner (pure): turns a device's tags into the fewest read requests that respect the
 * protocol limits. Tags are grouped by poll rate (updateMs) and table; within a group, tags whose
 * addresses are contiguous or close (unused gap ≤ maxGap) are merged into one block, as long as the block
 * stays within 125 registers (FC3/FC4) or 2000 bits (FC1/FC2). A tag (e.g. a 32-bit value's two words) is
 * never split across blocks.
 */
import type { TagConfig } from "../../tags/tag-schema.js";
import type { ModbusAddress } from "../../tags/tag-schema.js";
import { registerWidth } from "../../config/config-cross-check.js";

export type ModbusTable = ModbusAddress["table"];

/** Protocol limits of one read request. */
export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;

/** Tables in a stable order, so plans are deterministic. */
export const MODBUS_TABLES: readonly ModbusTable[] = ["coil", "discrete", "holding", "input"];

export function isBitTable(table: ModbusTable): boolean {
  return table === "coil" || table === "discrete";
}

/** Addresses (registers, or bits for coil / discrete) a tag occupies in its table. */
export function tagWidth(tag: TagConfig): number {
  const table = tag.modbus?.table;
  if (table === undefined) throw new Error(`tag '${tag.name}' has no Modbus address`);
  return isBitTable(table) ? 1 : registerWidth(tag.type);
}

/** A tag inside a block: its words / bits are at `offset` .. `offset + width - 1` of the block's data. */
export interface PlannedTag {
  readonly tag: TagConfig;
  readonly offset: number;
  readonly width: number;
}

/** One read request. */
export interface ReadBlock {
  readonly table: ModbusTable;
  /** First address read. */
  readonly start: number;
  /** Number of registers (or bits) read. */
  readonly count: number;
  /** The poll rate of the group this block belongs to. */
  readonly updateMs: number;
  /** Tags in address order. */
  readonly tags: readonly PlannedTag[];
}

/** All blocks polled at one rate. */
export interface PollGroup {
  readonly updateMs: number;
  readonly blocks: readonly ReadBlock[];
}

export interface PlanOptions {
  /** Largest run of unused addresses a block may span to merge two tags (device.maxGap). */
  readonly maxGap: number;
  /** Overrides of the protocol limits (tests); never above the protocol's own. */
  readonly maxRegisters?: number;
  readonly maxBits?: number;
}

/** Plans the reads for one device's tags: one poll group per distinct updateMs, fastest first. */
export function planReads(tags: readonly TagConfig[], options: PlanOptions): PollGroup[] {
  const maxRegisters = Math.min(options.maxRegisters ?? MAX_READ_REGISTERS, MAX_READ_REGISTERS);
  const maxBits = Math.min(options.maxBits ?? MAX_READ_BITS, MAX_READ_BITS);
  const maxGap = Math.max(0, options.maxGap);

  // updateMs → table → tags
  const byRate = new Map<number, Map<ModbusTable, TagConfig[]>>();
  for (const tag of tags) {
    const table = tag.modbus?.table;
    if (table === undefined) throw new Error(`tag '${tag.name}' has no Modbus address`);
    let byTable = byRate.get(tag.updateMs);
    if (!byTable) byRate.set(tag.updateMs, (byTable = new Map()));
    let list = byTable.get(table);
    if (!list) byTable.set(table, (list = []));
    list.push(tag);
  }

  const groups: PollGroup[] = [];
  for (const updateMs of [...byRate.keys()].sort((a, b) => a - b)) {
    const byTable = byRate.get(updateMs) ?? new Map<ModbusTable, TagConfig[]>();
    const blocks: ReadBlock[] = [];
    for (const table of MODBUS_TABLES) {
      const list = byTable.get(table);
      if (!list) continue;
      const limit = isBitTable(table) ? maxBits : maxRegisters;
      blocks.push(...mergeTable(table, updateMs, list, limit, maxGap));
    }
    groups.push({ updateMs, blocks });
  }
  return groups;
}

/** Greedy merge of one table's tags (one poll rate) in address order. */
function mergeTable(
  table: ModbusTable,
  updateMs: number,
  tags: readonly TagConfig[],
  limit: number,
  maxGap: number,
): ReadBlock[] {
  const sorted = [...tags].sort((a, b) => addressOf(a) - addressOf(b) || a.name.localeCompare(b.name));
  const blocks: ReadBlock[] = [];
  let start = -1;
  let end = -1; // exclusive
  let members: { tag: TagConfig; address: number; width: number }[] = [];

  const flush = (): void => {
    if (members.length === 0) return;
    blocks.push({
      table,
      start,
      count: end - start,
      updateMs,
      tags: members.map((m) => ({ tag: m.tag, offset: m.address - start, width: m.width })),
    });
    members = [];
  };

  for (const tag of sorted) {
    const address = addressOf(tag);
    const width = tagWidth(tag);
    const tagEnd = address + width;
    const fits = members.length > 0 && address - end <= maxGap && Math.max(end, tagEnd) - start <= limit;
    if (!fits) {
      flush();
      start = address;
      end = tagEnd;
    } else {
      end = Math.max(end, tagEnd);
    }
    members.push({ tag, address, width });
  }
  flush();
  return blocks;
}

function addressOf(tag: TagConfig): number {
  const a = tag.modbus?.address;
  if (a === undefined) throw new Error(`tag '${tag.name}' has no Modbus address`);
  return a;
}
