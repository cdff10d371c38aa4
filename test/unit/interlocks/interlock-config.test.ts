import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadConfig, type ScadaConfig } from "../../../src/config/config-loader.js";
import { formatProblem } from "../../../src/core/problem.js";
import { runCheckConfig } from "../../../src/config/check-config-command.js";
import { formatJsonSchema, interlocksJsonSchema } from "../../../src/config/config-json-schema.js";
import { checkInterlocks, type InterlockReferences } from "../../../src/interlocks/interlock-cross-check.js";
import { type InterlockDefs, interlocksFileSchema, tagsOfCondition } from "../../../src/interlocks/interlock-schema.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");
const validFixture = join(root, "test/fixtures/config-valid");
const brokenRoot = join(root, "test/fixtures/config-broken");

function loadOk(dir: string): ScadaConfig {
  const result = loadConfig(dir);
  if (!result.ok) assert.fail(`expected ${dir} to load:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.config;
}

function expectedOf(name: string): string[] {
  return readFileSync(join(brokenRoot, name, "expected.txt"), "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

type Json = Record<string, unknown>;

/** Enough of JSON Schema draft-07 for the generated interlocks schema (with $ref to its definitions). */
function validate(rootSchema: Json, schema: Json, value: unknown, path = "$"): string[] {
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/definitions/", "");
    return validate(rootSchema, (rootSchema.definitions as Record<string, Json>)[name]!, value, path);
  }
  const errors: string[] = [];
  const fail = (m: string): void => void errors.push(`${path}: ${m}`);
  const typeOk = (t: string): boolean =>
    t === "object"
      ? value !== null && typeof value === "object" && !Array.isArray(value)
      : t === "array"
        ? Array.isArray(value)
        : t === "integer"
          ? Number.isInteger(value)
          : typeof value === t;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some(typeOk)) return [`${path}: expected ${types.join("|")}`];
  }
  if ("const" in schema && schema.const !== value) fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail("not in enum");
  if (typeof value === "string" && typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) fail("pattern");
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) fail("too few items");
    if (schema.items) value.forEach((v, i) => errors.push(...validate(rootSchema, schema.items as Json, v, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const k of (schema.required ?? []) as string[]) if (!(k in value)) fail(`missing '${k}'`);
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) errors.push(...validate(rootSchema, props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) fail(`unknown key '${k}'`);
    }
  }
  for (const sub of (schema.allOf ?? []) as Json[]) errors.push(...validate(rootSchema, sub, value, path));
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Json[]).some((s) => validate(rootSchema, s, value, path).length === 0)) fail("matches no anyOf branch");
  return errors;
}

describe("interlocks.yaml", () => {
  describe("the real plc-config", () => {
    let config: ScadaConfig;
    before(() => {
      config = loadOk(plcConfig);
    });

    it("loads IL-01 … IL-11 with the kinds of PROCESS.md, and the PLC watchdogs' IL-12 and IL-13", () => {
      const kinds = Object.fromEntries(config.interlocks.interlocks.map((il) => [il.id, il.kind]));
      assert.deepEqual(kinds, {
        "IL-01": "trip",
        "IL-02": "trip",
        "IL-03": "trip",
        "IL-04": "permissive",
        "IL-05": "trip",
        "IL-06": "trip",
        "IL-07": "trip+permissive",
        "IL-08": "trip",
        "IL-09": "trip",
        "IL-10": "trip",
        "IL-11": "permissive",
        "IL-12": "trip",
        "IL-13": "trip",
      });
      assert.equal(config.interlocks.settings.notGoodTripAfterMs, 250);
      assert.ok(Object.isFrozen(config.interlocks.interlocks[0]), "frozen with the rest of the config");
    });

    it("says which interlocks may be bypassed: never the hard trips, the fail-safe or the start permissives", () => {
      const bypassable = config.interlocks.interlocks.filter((il) => il.bypass.allowed).map((il) => il.id);
      assert.deepEqual(bypassable, ["IL-05", "IL-06", "IL-10"]);
    });

    it("mirrors the PLC's hard trips with their trip-word bits (0 over-temp, 1 door, 2 e-stop, 3 O₂, 4 over-current, 5 SCADA lost; line PLC 0 SCADA lost)", () => {
      const bits = config.interlocks.interlocks.flatMap((il) => (il.plcTrip ? [`${il.id}:${il.plcTrip.tag}.${il.plcTrip.bit}`] : []));
      assert.deepEqual(bits, [
        "IL-01:htr.trip_word.2",
        "IL-02:htr.trip_word.0",
        "IL-03:htr.trip_word.3",
        "IL-07:htr.trip_word.1",
        "IL-09:htr.trip_word.4",
        "IL-12:htr.trip_word.5",
        "IL-13:line-plc.trip_word.0",
      ]);
    });

    it("IL-08 watches every tag another interlock decides on", () => {
      const il08 = config.interlocks.interlocks.find((il) => il.id === "IL-08")!;
      const watched = new Set(tagsOfCondition(il08.cause));
      for (const il of config.interlocks.interlocks) {
        for (const tag of [...tagsOfCondition(il.cause), ...(il.while ? tagsOfCondition(il.while) : [])]) {
          assert.ok(watched.has(tag), `${il.id} reads ${tag}`);
        }
      }
    });

    it("check-config still says OK", () => {
      const logs: string[] = [];
      const errors: string[] = [];
      assert.equal(runCheckConfig(plcConfig, { log: (s) => logs.push(s), error: (s) => errors.push(s) }), 0);
      assert.deepEqual(errors, []);
    });

    it("the valid fixture loads its interlocks too", () => {
      assert.deepEqual(loadOk(validFixture).interlocks.interlocks.map((il) => il.id), ["IL-01", "IL-02", "IL-08", "IL-11"]);
    });
  });

  describe("JSON Schema", () => {
    const schema = interlocksJsonSchema() as Json;

    it("the committed plc-config/schema/interlocks.schema.json is the generated one (run scripts/gen-config-schema.ts)", () => {
      assert.equal(readFileSync(join(plcConfig, "schema/interlocks.schema.json"), "utf8"), formatJsonSchema(schema));
    });

    it("interlocks.yaml points its editor at it, and validates against it", () => {
      const text = readFileSync(join(plcConfig, "interlocks.yaml"), "utf8");
      assert.equal(text.split("\n")[0], "# yaml-language-server: $schema=./schema/interlocks.schema.json");
      assert.deepEqual(validate(schema, schema, parse(text)), []);
      assert.deepEqual(validate(schema, schema, parse(readFileSync(join(validFixture, "interlocks.yaml"), "utf8"))), []);
    });

    it("flags in the editor what the loader rejects within the file", () => {
      const broken = parse(readFileSync(join(brokenRoot, "interlock-schema-errors/interlocks.yaml"), "utf8"));
      const errors = validate(schema, schema, broken);
      assert.ok(errors.some((e) => e.startsWith("$.interlocks[0].cause: matches no anyOf")), errors.join("\n"));
      assert.ok(errors.some((e) => e.startsWith("$.interlocks[3].kind: not in enum")), errors.join("\n"));
    });
  });

  describe("broken fixtures", () => {
    for (const name of ["interlocks-file-missing", "interlock-unknown-references", "interlock-bad-writes", "interlock-schema-errors"]) {
      it(`${name}: check-config prints its expected messages`, () => {
        const dir = join(brokenRoot, name);
        const expected = expectedOf(name);
        assert.ok(expected.every((l) => l.startsWith("interlocks.yaml:")), "only interlock problems");
        const errors: string[] = [];
        assert.equal(runCheckConfig(dir, { log: () => undefined, error: (s) => errors.push(s) }), 1);
        assert.deepEqual(errors, [...expected, `${expected.length} problem(s) in ${dir}`]);
      });
    }

    it("the messages name what is wrong", () => {
      const all = ["interlock-unknown-references", "interlock-bad-writes", "interlock-schema-errors"].flatMap(expectedOf).join("\n");
      for (const what of [
        /unknown tag 'htr\.door_open'/,
        /unknown device 'rinse-plc'/,
        /unknown recipe parameter 'peakTemp'/,
        /tag 'htr\.web_temp' is not writable/,
        /tag 'feed\.web_speed_sp' is float32: write a number, not true/,
        /duplicate interlock 'IL-08'/,
        /'<' does not apply to bool tag/,
        /cause\.any\[1\]: key 'heartbeat' fits none of the forms: \{tag, op, value\}, \{all\}/,
      ]) {
        assert.match(all, what);
      }
    });
  });

  describe("cross-checks", () => {
    const tag = (name: string, type: TagConfig["type"], extra: Partial<TagConfig> = {}): TagConfig => ({
      name,
      description: "",
      device: "plc",
      type,
      nodeId: `ns=1;s=${name}`,
      quantity: type === "bool" ? "state" : "count",
      units: "",
      updateMs: 100,
      writable: false,
      ...extra,
    });
    const refs: InterlockReferences = {
      tags: [tag("a.flag", "bool"), tag("a.level", "float64"), tag("a.cmd", "bool", { writable: true }), tag("a.word", "uint16"), tag("a.ok", "bool")],
      deviceIds: ["plc"],
      tagsComplete: true,
      devicesComplete: true,
    };
    const file = (interlocks: unknown[], settings: unknown = {}): InterlockDefs => interlocksFileSchema.parse({ settings, interlocks });
    const base = { title: "t", severity: "high", bypass: { allowed: false } };
    const lines = (defs: InterlockDefs, r: InterlockReferences = refs): string[] => checkInterlocks(defs, r).map(formatProblem);

    it("checks kinds against effects", () => {
      const defs = file([
        { ...base, id: "IL-01", kind: "trip", cause: { tag: "a.flag", op: "==", value: true }, effects: { blocksStart: ["line"] } },
        { ...base, id: "IL-02", kind: "permissive", cause: { tag: "a.flag", op: "==", value: true }, effects: { writes: [{ tag: "a.cmd", value: false }], line: "hold" } },
      ]);
      assert.deepEqual(lines(defs), [
        "interlocks.yaml:interlocks[0].effects: a trip needs an effect: writes or line",
        "interlocks.yaml:interlocks[0].effects.blocksStart: only a permissive blocks a start: use kind 'trip+permissive'",
        "interlocks.yaml:interlocks[1].effects.blocksStart: a permissive must block a start (line or heater)",
        "interlocks.yaml:interlocks[1].effects.writes: a permissive does not trip: use kind 'trip+permissive' for writes",
        "interlocks.yaml:interlocks[1].effects.line: a permissive does not trip: use kind 'trip+permissive' for a line command",
      ]);
    });

    it("checks the PLC trip word, bypass limits, reset writes and numeric comparisons", () => {
      const defs = file(
        [
          {
            ...base,
            id: "IL-01",
            kind: "trip",
            cause: { tag: "a.level", op: ">", value: true },
            effects: { line: "abort" },
            plcTrip: { tag: "a.flag", bit: 0, confirmMs: 50 },
            bypass: { allowed: false, maxMinutes: 5 },
          },
          { ...base, id: "IL-02", kind: "trip", cause: { tag: "a.level", op: ">", value: 1 }, effects: { line: "hold" }, plcTrip: { tag: "a.word", bit: 16, confirmMs: 50 }, bypass: { allowed: true, maxMinutes: 600 } },
        ],
        { maxBypassMinutes: 480, resetWrites: [{ tag: "a.flag", value: 1 }] },
      );
      assert.deepEqual(lines(defs), [
        "interlocks.yaml:settings.resetWrites[0].tag: tag 'a.flag' is not writable",
        "interlocks.yaml:settings.resetWrites[0].value: tag 'a.flag' is bool: write true or false, not 1",
        "interlocks.yaml:interlocks[0].cause.value: tag 'a.level' is float64: compare with a number, not true",
        "interlocks.yaml:interlocks[0].plcTrip.tag: trip word 'a.flag' must be an integer tag, not bool",
        "interlocks.yaml:interlocks[0].bypass.maxMinutes: only a bypassable interlock (allowed: true) has a bypass limit",
        "interlocks.yaml:interlocks[1].plcTrip.bit: bit 16 does not exist in the 16-bit trip word 'a.word'",
        "interlocks.yaml:interlocks[1].bypass.maxMinutes: must be <= settings.maxBypassMinutes (480)",
      ]);
    });

    it("requires every tag an interlock reads in a notGood list, once the file has one", () => {
      const defs = file([
        { ...base, id: "IL-01", kind: "trip", cause: { tag: "a.level", op: ">", value: 1 }, while: { tag: "a.ok", op: "==", value: true }, effects: { line: "hold" } },
        { ...base, id: "IL-08", kind: "trip", cause: { notGood: ["a.level"], forMs: 250 }, effects: { line: "hold" } },
      ]);
      assert.deepEqual(lines(defs), [
        "interlocks.yaml:interlocks[0].while.tag: tag 'a.ok' is in no notGood list (a value an interlock reads that is not Good must trip the fail-safe interlock)",
      ]);
    });

    it("does not echo references into files that could not be read completely", () => {
      const defs = file([
        { ...base, id: "IL-01", kind: "trip", cause: { any: [{ tag: "b.gone", op: "==", value: true }, { heartbeatStale: ["other"] }] }, effects: { line: "hold" } },
      ]);
      assert.equal(lines(defs).length, 2);
      assert.deepEqual(lines(defs, { ...refs, tagsComplete: false, devicesComplete: false }), []);
      assert.deepEqual(lines(defs, { ...refs, invalidTags: new Set(["b.gone"]), invalidDevices: new Set(["other"]) }), []);
    });
  });
});
