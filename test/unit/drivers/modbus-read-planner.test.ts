import assert from "node:assert/strict";
import fc from "fast-check";
import { registerWidth } from "../../../src/config/config-cross-check.js";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import type { TagConfig, TagType } from "../../../src/tags/tag-schema.js";
import {
  isBitTable,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  planReads,
  type ModbusTable,
  type PollGroup,
} from "../../../src/drivers/modbus/modbus-read-planner.js";

let seq = 0;
function t(table: ModbusTable, address: number, type: TagType = isBitTable(table) ? "bool" : "uint16", updateMs = 100): TagConfig {
  seq += 1;
  return {
    name: `t.x${seq}`,
    description: "",
    device: "plc",
    type,
    modbus: { table, address },
    quantity: "count",
    units: "",
    updateMs,
    writable: false,
  };
}

function blocksOf(groups: PollGroup[]): string[] {
  return groups.flatMap((g) => g.blocks.map((b) => `${g.updateMs}:${b.table}:${b.start}+${b.count}`));
}

/** Checks every invariant of a plan against its input tags; throws on the first violation. */
function checkPlan(tags: readonly TagConfig[], groups: PollGroup[], maxGap: number): void {
  const seen = new Map<string, number>();
  const rates = groups.map((g) => g.updateMs);
  assert.deepEqual(rates, [...new Set(rates)].sort((a, b) => a - b), "one group per rate, fastest first");
  for (const g of groups) {
    for (const b of g.blocks) {
      assert.equal(b.updateMs, g.updateMs);
      const limit = isBitTable(b.table) ? MAX_READ_BITS : MAX_READ_REGISTERS;
      assert.ok(b.count >= 1 && b.count <= limit, `block ${b.table}:${b.start}+${b.count} exceeds ${limit}`);
      assert.ok(b.start >= 0 && b.start + b.count <= 65536);
      assert.ok(b.tags.length > 0);
      // the block starts at its first tag and ends at its last tag's end (no useless reads at the edges)
      assert.equal(Math.min(...b.tags.map((p) => p.offset)), 0);
      assert.equal(Math.max(...b.tags.map((p) => p.offset + p.width)), b.count);
      let prevEnd = 0;
      for (const p of b.tags) {
        const m = p.tag.modbus;
        assert.ok(m !== undefined);
        assert.equal(m.table, b.table, "tag in a block of another table");
        assert.equal(p.tag.updateMs, g.updateMs, "tag in a group of another rate");
        assert.equal(m.address, b.start + p.offset, "offset does not match the address");
        const width = isBitTable(m.table) ? 1 : registerWidth(p.tag.type);
        assert.equal(p.width, width);
        assert.ok(p.offset + p.width <= b.count, `tag ${p.tag.name} split across blocks`);
        assert.ok(p.offset - prevEnd <= maxGap, "gap inside a block larger than maxGap");
        prevEnd = Math.max(prevEnd, p.offset + p.width);
        seen.set(p.tag.name, (seen.get(p.tag.name) ?? 0) + 1);
      }
    }
    // blocks of one table and rate never overlap
    const byTable = new Map<ModbusTable, [number, number][]>();
    for (const b of g.blocks) {
      const list = byTable.get(b.table) ?? [];
      list.push([b.start, b.start + b.count]);
      byTable.set(b.table, list);
    }
    for (const list of byTable.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) assert.ok((list[i]?.[0] ?? 0) >= (list[i - 1]?.[1] ?? 0), "overlapping blocks");
    }
  }
  for (const tag of tags) assert.equal(seen.get(tag.name), 1, `tag ${tag.name} covered ${seen.get(tag.name) ?? 0} times`);
  assert.equal(seen.size, tags.length);
}

describe("modbus-read-planner", () => {
  it("merges contiguous registers of one table and rate into one block", () => {
    const tags = [t("holding", 0, "float32"), t("holding", 2, "uint32"), t("holding", 4, "int16")];
    const plan = planReads(tags, { maxGap: 0 });
    assert.deepEqual(blocksOf(plan), ["100:holding:0+5"]);
    assert.deepEqual(plan[0]?.blocks[0]?.tags.map((p) => [p.offset, p.width]), [[0, 2], [2, 2], [4, 1]]);
  });

  it("bridges a gap up to maxGap, and no further", () => {
    const tags = [t("input", 0), t("input", 9)]; // unused 1..8 = gap of 8
    assert.deepEqual(blocksOf(planReads(tags, { maxGap: 8 })), ["100:input:0+10"]);
    assert.deepEqual(blocksOf(planReads(tags, { maxGap: 7 })), ["100:input:0+1", "100:input:9+1"]);
  });

  it("separates tables and poll groups", () => {
    const tags = [t("coil", 0), t("discrete", 1), t("holding", 0), t("input", 0), t("input", 1, "uint16", 500)];
    assert.deepEqual(blocksOf(planReads(tags, { maxGap: 8 })), [
      "100:coil:0+1",
      "100:discrete:1+1",
      "100:holding:0+1",
      "100:input:0+1",
      "500:input:1+1",
    ]);
  });

  it("splits at 125 registers without splitting a 32-bit value", () => {
    // float32s at 0, 2, …, 124: the one at 124 would need registers 124..125 = 126 registers
    const tags = Array.from({ length: 63 }, (_, i) => t("holding", i * 2, "float32"));
    const plan = planReads(tags, { maxGap: 8 });
    assert.deepEqual(blocksOf(plan), ["100:holding:0+124", "100:holding:124+2"]);
    checkPlan(tags, plan, 8);
  });

  it("splits coils at 2000 bits", () => {
    const tags = Array.from({ length: 2001 }, (_, i) => t("coil", i));
    assert.deepEqual(blocksOf(planReads(tags, { maxGap: 0 })), ["100:coil:0+2000", "100:coil:2000+1"]);
  });

  it("a lower limit override is honoured, a higher one is capped at the protocol's", () => {
    const tags = Array.from({ length: 200 }, (_, i) => t("input", i));
    assert.deepEqual(blocksOf(planReads(tags, { maxGap: 0, maxRegisters: 50 })).length, 4);
    assert.deepEqual(blocksOf(planReads(tags, { maxGap: 0, maxRegisters: 1000 })), ["100:input:0+125", "100:input:125+75"]);
  });

  it("plans the real line-plc device", () => {
    const config = loadConfigOrThrow("plc-config");
    const device = config.devices.find((d) => d.id === "line-plc");
    assert.ok(device && device.protocol !== "opcua");
    const tags = config.tags.filter((x) => x.device === device.id);
    const plan = planReads(tags, { maxGap: device.maxGap });
    checkPlan(tags, plan, device.maxGap);
    assert.deepEqual(
      plan.map((g) => g.updateMs),
      [...new Set(tags.map((x) => x.updateMs))].sort((a, b) => a - b),
    );
  });

  it("throws for a tag without a Modbus address", () => {
    const bad = { ...t("holding", 0) };
    delete (bad as { modbus?: unknown }).modbus;
    assert.throws(() => planReads([bad], { maxGap: 0 }), /has no Modbus address/);
  });

  it("property: thousands of random layouts keep every invariant", () => {
    const registerTypes: TagType[] = ["int16", "uint16", "int32", "uint32", "float32"];
    // A layout: per tag a table, a type, a rate and a distance from the previous tag of that table
    // (so tags never overlap, as the config check guarantees), sometimes near 65535.
    // `density` bounds the steps of one layout: dense layouts fill blocks to the limits, sparse ones
    // exercise the gap rule.
    const layout = fc.integer({ min: 0, max: 3 }).chain((density) =>
      fc.record({
        maxGap: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 124 })),
        base: fc.constantFrom(0, 1000, 64000),
        tags: fc.array(
          fc.record({
            table: fc.constantFrom<ModbusTable>("coil", "discrete", "holding", "input"),
            type: fc.constantFrom(...registerTypes),
            rate: fc.constantFrom(10, 50, 100, 1000),
            step: fc.integer({ min: 0, max: [0, 3, 30, 300][density] ?? 0 }),
          }),
          { minLength: 0, maxLength: 800, size: "max" },
        ),
      }),
    );
    let runs = 0;
    fc.assert(
      fc.property(layout, ({ maxGap, base, tags: specs }) => {
        runs += 1;
        const next: Record<ModbusTable, number> = { coil: base, discrete: base, holding: base, input: base };
        const tags: TagConfig[] = [];
        for (const s of specs) {
          const type: TagType = isBitTable(s.table) ? "bool" : s.type;
          const width = isBitTable(s.table) ? 1 : registerWidth(type);
          const address = next[s.table] + s.step;
          if (address + width > 65536) continue;
          next[s.table] = address + width;
          tags.push(t(s.table, address, type, s.rate));
        }
        // shuffle-independent: the planner must not depend on input order
        const plan = planReads([...tags].reverse(), { maxGap });
        checkPlan(tags, plan, maxGap);
        assert.deepEqual(blocksOf(plan), blocksOf(planReads(tags, { maxGap })));
      }),
      { numRuns: 3000 },
    );
    assert.equal(runs, 3000);
  });

  it("property: dense layouts hit the limits exactly (blocks are as large as allowed)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.constantFrom<ModbusTable>("holding", "coil"), (n, table) => {
        const tags = Array.from({ length: n }, (_, i) => t(table, isBitTable(table) ? i * 5 : i, isBitTable(table) ? "bool" : "uint16"));
        const plan = planReads(tags, { maxGap: 8 });
        checkPlan(tags, plan, 8);
        const blocks = plan[0]?.blocks ?? [];
        const limit = isBitTable(table) ? MAX_READ_BITS : MAX_READ_REGISTERS;
        // every block but the last is full (or as full as the tag spacing allows)
        for (const b of blocks.slice(0, -1)) assert.ok(b.count > limit - 5, `${b.count} of ${limit}`);
      }),
      { numRuns: 300 },
    );
  });
});
