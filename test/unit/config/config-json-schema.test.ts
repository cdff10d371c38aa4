import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { configJsonSchemas, formatJsonSchema } from "../../../src/config/config-json-schema.js";
import { QUANTITY_UNITS, TAG_TYPES } from "../../../src/tags/tag-schema.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");
const validFixture = join(root, "test/fixtures/config-valid");
const brokenFixtures = join(root, "test/fixtures/config-broken");

type Json = Record<string, unknown>;
type SchemaName = keyof ReturnType<typeof configJsonSchemas>;

/** The keywords the generated schemas use; `validate` below understands exactly these. */
const KNOWN_KEYWORDS = new Set([
  "$schema", "title", "description", "default", "type", "properties", "required", "additionalProperties", "items",
  "minItems", "enum", "const", "pattern", "minLength", "minimum", "maximum", "exclusiveMinimum", "anyOf", "oneOf",
  "allOf", "if", "then",
]);

function keywordsOf(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => keywordsOf(s, out));
  else if (schema !== null && typeof schema === "object") {
    for (const [k, v] of Object.entries(schema)) {
      out.add(k);
      if (k === "properties") Object.values(v as Json).forEach((s) => keywordsOf(s, out));
      else if (k !== "default" && k !== "const" && k !== "enum") keywordsOf(v, out);
    }
  }
  return out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object": return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array": return Array.isArray(value);
    case "string": return typeof value === "string";
    case "number": return typeof value === "number";
    case "integer": return Number.isInteger(value);
    case "boolean": return typeof value === "boolean";
    default: throw new Error(`validator does not know type ${type}`);
  }
}

/** A small JSON Schema (draft-07 subset) validator, enough for what an editor would flag in these files. */
function validate(schema: Json, value: unknown, path = "$"): string[] {
  const errors: string[] = [];
  const fail = (msg: string): void => void errors.push(`${path}: ${msg}`);
  if (typeof schema.type === "string" && !hasType(value, schema.type)) {
    fail(`expected ${schema.type}`);
    return errors;
  }
  if ("const" in schema && !same(schema.const, value)) fail(`expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => same(e, value))) fail(`not in enum`);
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) fail(`does not match ${schema.pattern}`);
    if (typeof schema.minLength === "number" && [...value].length < schema.minLength) fail(`shorter than ${schema.minLength}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) fail(`not above ${schema.exclusiveMinimum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((v, i) => errors.push(...validate(schema.items as Json, v, `${path}[${i}]`)));
  }
  if (hasType(value, "object")) {
    const obj = value as Json;
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) fail(`missing required '${key}'`);
    for (const [key, v] of Object.entries(obj)) {
      const sub = props[key];
      if (sub) errors.push(...validate(sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) fail(`unknown key '${key}'`);
    }
  }
  const branches = (k: string): Json[] => (Array.isArray(schema[k]) ? (schema[k] as Json[]) : []);
  for (const sub of branches("allOf")) errors.push(...validate(sub, value, path));
  if (schema.anyOf && !branches("anyOf").some((s) => validate(s, value, path).length === 0)) fail("matches no anyOf branch");
  if (schema.oneOf) {
    const matching = branches("oneOf").filter((s) => validate(s, value, path).length === 0).length;
    if (matching !== 1) fail(`matches ${matching} oneOf branches, not 1`);
  }
  if (schema.if && validate(schema.if as Json, value, path).length === 0 && schema.then) {
    errors.push(...validate(schema.then as Json, value, path));
  }
  return errors;
}

/** Every YAML document of a config dir with the schema that covers it. */
function documentsOf(dir: string): { file: string; schema: SchemaName; data: unknown }[] {
  const read = (rel: string): unknown => parse(readFileSync(join(dir, rel), "utf8"));
  return [
    { file: "line.yaml", schema: "line.schema.json" as const, data: read("line.yaml") },
    { file: "devices.yaml", schema: "devices.schema.json" as const, data: read("devices.yaml") },
    ...readdirSync(join(dir, "tags"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => ({ file: `tags/${f}`, schema: "tags.schema.json" as const, data: read(`tags/${f}`) })),
  ];
}

describe("config JSON Schemas", () => {
  const schemas = configJsonSchemas();
  const names = Object.keys(schemas) as SchemaName[];

  it("the committed plc-config/schema files are the generated ones (run scripts/gen-config-schema.ts)", () => {
    assert.deepEqual(names.sort(), ["devices.schema.json", "line.schema.json", "tags.schema.json"]);
    for (const name of names) {
      const committed = readFileSync(join(plcConfig, "schema", name), "utf8");
      assert.equal(committed, formatJsonSchema(schemas[name]), `plc-config/schema/${name} is out of date`);
      assert.ok(committed.endsWith("}\n"), "pretty JSON with a trailing newline");
    }
  });

  it("the YAML files point their editor at these schemas", () => {
    for (const { file, schema } of documentsOf(plcConfig)) {
      const first = readFileSync(join(plcConfig, file), "utf8").split("\n")[0];
      const prefix = file.startsWith("tags/") ? "../schema/" : "./schema/";
      assert.equal(first, `# yaml-language-server: $schema=${prefix}${schema}`, file);
    }
  });

  it("has titles and descriptions, and uses only keywords the test validator checks", () => {
    for (const name of names) {
      const s = schemas[name] as Json;
      assert.equal(s.$schema, "http://json-schema.org/draft-07/schema#");
      assert.equal(typeof s.title, "string", `${name} title`);
      assert.equal(typeof s.description, "string", `${name} description`);
      for (const k of keywordsOf(s)) assert.ok(KNOWN_KEYWORDS.has(k), `${name} uses '${k}'`);
    }
  });

  it("requires what the file must say and leaves defaulted fields optional (io: input)", () => {
    const tags = schemas["tags.schema.json"] as Json;
    const tag = ((tags.properties as Json).tags as Json).items as Json;
    assert.deepEqual(tag.required, ["name", "device", "type", "quantity", "units", "updateMs"]);
    assert.equal(tag.additionalProperties, false);
    const props = tag.properties as Record<string, Json>;
    assert.deepEqual(props.type?.enum, [...TAG_TYPES]);
    assert.deepEqual(props.quantity?.enum, Object.keys(QUANTITY_UNITS));
    assert.equal(props.writable?.default, false);
    assert.equal(typeof props.updateMs?.description, "string");

    const line = schemas["line.schema.json"] as Json;
    assert.deepEqual(line.required, ["line", "stations"]);

    const devices = schemas["devices.schema.json"] as Json;
    const variants = (((devices.properties as Json).devices as Json).items as Json).oneOf as Json[];
    const protocols = variants.map((v) => (v.properties as Record<string, Json>).protocol?.const);
    assert.deepEqual(protocols, ["opcua", "modbus-tcp", "modbus-rtu"]);
    for (const v of variants) {
      const required = v.required as string[];
      for (const key of ["id", "protocol", "heartbeatTag"]) assert.ok(required.includes(key), `${String(v.title)} requires ${key}`);
      for (const key of ["timeoutMs", "reconnect", "description"]) assert.ok(!required.includes(key), `${String(v.title)}: ${key} has a default`);
    }
  });

  it("the real plc-config and the valid fixture validate against their schemas", () => {
    for (const dir of [plcConfig, validFixture]) {
      for (const doc of documentsOf(dir)) {
        assert.deepEqual(validate(schemas[doc.schema] as Json, doc.data), [], `${dir}/${doc.file}`);
      }
    }
  });

  it("flags in the editor what the loader rejects within one file", () => {
    const cases: { fixture: string; file: string; error: RegExp }[] = [
      { fixture: "unknown-key", file: "devices.yaml", error: /matches 0 oneOf/ },
      { fixture: "unknown-protocol", file: "devices.yaml", error: /matches 0 oneOf/ },
      { fixture: "missing-required-field", file: "tags/feed.yaml", error: /\$\.tags\[1\]: missing required 'units'/ },
      { fixture: "invalid-enum", file: "tags/feed.yaml", error: /\$\.tags\[1\]\.type: not in enum/ },
      { fixture: "units-mismatch", file: "tags/htr.yaml", error: /\$\.tags\[0\]\.units: expected "K"/ },
      { fixture: "modbus-out-of-range", file: "tags/feed.yaml", error: /\$\.tags\[3\]\.modbus\.address: above 65535/ },
      { fixture: "tag-file-not-mapping", file: "tags/feed.yaml", error: /^\$: expected object$/ },
    ];
    for (const c of cases) {
      const doc = documentsOf(join(brokenFixtures, c.fixture)).find((d) => d.file === c.file);
      assert.ok(doc, `${c.fixture}/${c.file}`);
      const errors = validate(schemas[doc.schema] as Json, doc.data);
      assert.ok(errors.some((e) => c.error.test(e)), `${c.fixture}: ${JSON.stringify(errors)}`);
    }
  });
});
