import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { loadConfig, loadConfigOrThrow, type ScadaConfig } from "../../../src/config/config-loader.js";
import { formatProblem } from "../../../src/core/problem.js";
import { runCheckConfig } from "../../../src/config/check-config-command.js";
import { checkCrossReferences } from "../../../src/config/config-cross-check.js";
import type { DeviceConfig } from "../../../src/config/device-schema.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";
import { ScadaError } from "../../../src/core/errors.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const plcConfig = join(root, "plc-config");
const validFixture = join(root, "test/fixtures/config-valid");
const brokenRoot = join(root, "test/fixtures/config-broken");

/**
 * A broken fixture: `<case>/` is the config dir (or `<case>/<dir.txt>` when the case is about the dir
 * itself), `<case>/expected.txt` the problem lines check-config must print, in order; `<DIR>` stands for
 * the config dir as given.
 */
function brokenCase(name: string): { dir: string; expected: string[] } {
  const caseDir = join(brokenRoot, name);
  const dirTxt = join(caseDir, "dir.txt");
  const dir = existsSync(dirTxt) ? join(caseDir, readFileSync(dirTxt, "utf8").trim()) : caseDir;
  const expected = readFileSync(join(caseDir, "expected.txt"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("<DIR>").join(dir));
  return { dir, expected };
}

function captured(): { out: { log(s: string): void; error(s: string): void }; logs: string[]; errors: string[] } {
  const logs: string[] = [];
  const errors: string[] = [];
  return { out: { log: (s) => logs.push(s), error: (s) => errors.push(s) }, logs, errors };
}

function loadOk(dir: string): ScadaConfig {
  const result = loadConfig(dir);
  if (!result.ok) assert.fail(`expected ${dir} to load:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.config;
}

function assertDeeplyFrozen(value: unknown, path: string): void {
  if (value === null || typeof value !== "object") return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [k, v] of Object.entries(value)) assertDeeplyFrozen(v, `${path}.${k}`);
}

describe("config loader", () => {
  describe("the real plc-config", () => {
    let config: ScadaConfig;
    before(() => {
      config = loadOk(plcConfig);
    });

    it("has two devices, and every tag a known device and (if any) a known station", () => {
      assert.deepEqual(config.devices.map((d) => d.id), ["htr-plc", "line-plc"]);
      const devices = new Set(config.devices.map((d) => d.id));
      const stations = new Set(config.stations.map((s) => s.id));
      assert.ok(config.tags.length > 0);
      for (const tag of config.tags) {
        assert.ok(devices.has(tag.device), `${tag.name}: device ${tag.device}`);
        if (tag.station !== undefined) assert.ok(stations.has(tag.station), `${tag.name}: station ${tag.station}`);
      }
    });

    it("has each device's heartbeat tag, on that device", () => {
      for (const device of config.devices) {
        const hb = config.tags.find((t) => t.name === device.heartbeatTag);
        assert.ok(hb, `${device.id}: heartbeat ${device.heartbeatTag}`);
        assert.equal(hb.device, device.id);
      }
    });

    it("check-config says OK, with the counts, and returns 0", () => {
      const { out, logs, errors } = captured();
      assert.equal(runCheckConfig(plcConfig, out), 0);
      assert.deepEqual(errors, []);
      assert.deepEqual(logs, [
        `config OK: ${config.tags.length} tags, 2 devices, ${config.stations.length} stations, 13 interlocks, ${config.alarms?.alarms.length} alarms, 8 recipes (${plcConfig})`,
      ]);
    });
  });

  describe("the valid fixture", () => {
    it("loads, with defaults filled in", () => {
      const config = loadOk(validFixture);
      assert.equal(config.dir, validFixture);
      assert.equal(config.line.id, "test-line");
      assert.deepEqual(config.stations.map((s) => s.id), ["feed", "htr"]);
      assert.deepEqual(config.stations[1]?.equipment, []);
      assert.deepEqual(config.devices.map((d) => [d.id, d.protocol]), [["htr-plc", "opcua"], ["line-plc", "modbus-tcp"]]);
      assert.deepEqual(config.devices[0]?.reconnect, { initialMs: 250, maxMs: 5000 });
      assert.equal(config.devices[1]?.protocol === "modbus-tcp" && config.devices[1].wordOrder, "ABCD");
      assert.equal(config.tags.length, 10);
      assert.equal(config.tags.find((t) => t.name === "htr.web_temp")?.writable, false);
      const { out, logs, errors } = captured();
      assert.equal(runCheckConfig(validFixture, out), 0);
      assert.deepEqual(logs, [`config OK: 10 tags, 2 devices, 2 stations, 4 interlocks, 0 alarms, 0 recipes (${validFixture})`]);
      assert.deepEqual(errors, []);
    });

    it("is deeply frozen once loaded", () => {
      const config = loadOk(validFixture);
      assertDeeplyFrozen(config, "config");
      const tag = config.tags[0] as TagConfig & { units: string };
      assert.throws(() => {
        tag.units = "°C";
      }, TypeError);
      assert.throws(() => (config.tags as TagConfig[]).push(tag), TypeError);
    });
  });

  describe("broken fixtures", () => {
    const cases = readdirSync(brokenRoot)
      .filter((name) => statSync(join(brokenRoot, name)).isDirectory())
      .sort();

    it("cover every kind of mistake check-config must catch", () => {
      const required = [
        "yaml-syntax", "unknown-key", "duplicate-tag", "unknown-device", "unknown-station", "modbus-overlap",
        "modbus-out-of-range", "scaling-zero-span", "units-mismatch", "32-bit-on-16-bit", "32-bit-on-coil",
        "missing-required-field", "missing-nodeid", "word-order-16-bit", "heartbeat-unknown", "read-only-writable",
        "duplicate-device", "dir-missing", "several-problems", "scada-heartbeat-problems", "scada-heartbeat-unknown",
      ];
      for (const name of required) assert.ok(cases.includes(name), `missing fixture ${name}`);
    });

    for (const name of cases) {
      it(`${name}: check-config prints exactly expected.txt, then the count, and returns 1`, () => {
        const { dir, expected } = brokenCase(name);
        assert.ok(expected.length > 0, "expected.txt lists at least one problem");
        const { out, logs, errors } = captured();
        assert.equal(runCheckConfig(dir, out), 1);
        assert.deepEqual(errors, [...expected, `${expected.length} problem(s) in ${dir}`]);
        assert.deepEqual(logs, [], "nothing on the log stream");
        assert.ok(!errors.some((l) => l.includes("config OK")));

        const result = loadConfig(dir);
        assert.equal(result.ok, false);
        if (!result.ok) assert.deepEqual(result.problems.map(formatProblem), expected);
      });
    }

    it("several-problems lists problems in every file, at once", () => {
      const { expected } = brokenCase("several-problems");
      const files = new Set(expected.map((l) => l.slice(0, l.indexOf(":"))));
      assert.deepEqual([...files], ["line.yaml", "devices.yaml", "tags/feed.yaml", "tags/htr.yaml"]);
    });

    it("loadConfigOrThrow throws one ScadaError with every problem line", () => {
      const { dir, expected } = brokenCase("several-problems");
      assert.throws(
        () => loadConfigOrThrow(dir),
        (err: unknown) =>
          err instanceof ScadaError &&
          err.code === "SCADA_ERR_CONFIG_INVALID" &&
          expected.every((l) => err.message.includes(l)) &&
          JSON.stringify(err.details) === JSON.stringify(expected),
      );
    });
  });

  describe("Modbus address checks", () => {
    const device: DeviceConfig = {
      id: "plc",
      description: "",
      protocol: "modbus-tcp",
      host: "127.0.0.1",
      port: 502,
      unitId: 1,
      wordOrder: "ABCD",
      maxGap: 8,
      heartbeatTag: "plc.a",
      heartbeatPeriodMs: 100,
      timeoutMs: 1000,
      reconnect: { initialMs: 250, maxMs: 5000 },
    };
    const registerTag = (name: string, type: "uint16" | "float32", address: number): TagConfig => ({
      name,
      description: "",
      device: "plc",
      type,
      modbus: { table: "holding", address },
      quantity: "count",
      units: "",
      updateMs: 100,
      writable: false,
    });
    const width = (type: "uint16" | "float32"): number => (type === "float32" ? 2 : 1);

    it("report an overlap exactly when two tags share a register", () => {
      const type = fc.constantFrom("uint16" as const, "float32" as const);
      fc.assert(
        fc.property(type, fc.integer({ min: 0, max: 20 }), type, fc.integer({ min: 0, max: 20 }), (ta, a, tb, b) => {
          const tags = [registerTag("plc.a", ta, a), registerTag("plc.b", tb, b)].map((tag, index) => ({ tag, file: "tags/t.yaml", index }));
          const problems = checkCrossReferences({ stations: [] }, [device], tags);
          const overlaps = a < b + width(tb) && b < a + width(ta);
          assert.deepEqual(
            problems.map(formatProblem),
            overlaps ? [`tags/t.yaml:tags[1].modbus.address: holding ${Math.max(a, b)} overlaps tag 'plc.a'`] : [],
          );
        }),
      );
    });
  });
});
