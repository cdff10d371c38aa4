import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { formatJsonSchema, siteJsonSchema } from "../../../src/config/config-json-schema.js";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { loadSiteConfig, loadSiteConfigOrThrow, siteBrokerUrl } from "../../../src/config/site-config-loader.js";
import { ScadaError } from "../../../src/core/errors.js";
import { formatProblem } from "../../../src/core/problem.js";
import { checkOwnLineConfig, prepareLineConfig } from "../../../src/site/site-line-dirs.js";
import { lineEnvironment, siteLinePlans } from "../../../src/site/site-plan.js";
import { plantPortsOf } from "../../../src/runtime/start-preflight.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const siteFile = join(root, "plc-config/site.yaml");
const brokenRoot = join(root, "test/fixtures/site-broken");

describe("site file (plc-config/site.yaml, config/site-config-loader.ts)", () => {
  it("the committed site.yaml is valid: three lines, defaults applied, paths absolute", () => {
    const site = loadSiteConfigOrThrow(siteFile);
    assert.equal(site.groupId, "htr-site");
    assert.equal(site.baseConfigDir, join(root, "plc-config"));
    assert.deepEqual(site.lines.map((l) => l.id), ["htr-line-1", "htr-line-2", "htr-line-3"]);
    assert.equal(site.lines[0]!.hmiUrl, "http://127.0.0.1:8081/");
    assert.deepEqual(site.speedMetric, { device: "feed", metric: "feed.web_speed" });
    assert.equal(site.influxUrl, null);
    assert.ok(Object.isFrozen(site) && Object.isFrozen(site.lines[0]));
  });

  for (const name of readdirSync(brokenRoot).filter((n) => !n.endsWith(".md")).sort()) {
    it(`lists every problem of the broken fixture '${name}' as file:path: message, in order`, () => {
      const dir = join(brokenRoot, name);
      const expected = readFileSync(join(dir, "expected.txt"), "utf8").split("\n").filter((l) => l !== "").map((l) => l.split("<DIR>").join(dir));
      const r = loadSiteConfig(join(dir, "site.yaml"));
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual(r.problems.map(formatProblem), expected);
      assert.throws(() => loadSiteConfigOrThrow(join(dir, "site.yaml")), (e: unknown) => e instanceof ScadaError && e.code === "SCADA_ERR_CONFIG_INVALID" && (e.details as string[]).length === expected.length);
    });
  }

  it("a missing file is one problem", () => {
    const r = loadSiteConfig(join(brokenRoot, "nowhere", "site.yaml"));
    assert.deepEqual(r.ok ? [] : r.problems.map(formatProblem), ["site.yaml:(root): file is missing"]);
  });

  it("SCADA_MQTT_URL overrides the broker; a malformed one is refused with its name", () => {
    const site = loadSiteConfigOrThrow(siteFile);
    assert.equal(siteBrokerUrl(site, {}), "mqtt://127.0.0.1:1884");
    assert.equal(siteBrokerUrl(site, { SCADA_MQTT_URL: "mqtts://broker.plant:8883" }), "mqtts://broker.plant:8883");
    assert.throws(() => siteBrokerUrl(site, { SCADA_MQTT_URL: "http://x" }), (e: unknown) => e instanceof ScadaError && /SCADA_MQTT_URL/.test(String((e.details as string[])[0])));
  });

  it("the committed plc-config/schema/site.schema.json is the generated one, and site.yaml points at it", () => {
    assert.equal(readFileSync(join(root, "plc-config/schema/site.schema.json"), "utf8"), formatJsonSchema(siteJsonSchema()));
    assert.equal(readFileSync(siteFile, "utf8").split("\n")[0], "# yaml-language-server: $schema=./schema/site.schema.json");
    const s = siteJsonSchema() as { required: string[]; properties: { lines: { items: { required: string[] } } } };
    assert.deepEqual(s.required, ["site", "lines"]);
    assert.deepEqual(s.properties.lines.items.required, ["id", "httpPort"]);
  });
});

describe("site plan and derived line configs (site/site-plan.ts, site/site-line-dirs.ts)", function () {
  this.timeout(20_000);
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), "site-plan-"))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it("plans each line with its own config and data directory, ports, broker and InfluxDB", () => {
    const site = loadSiteConfigOrThrow(siteFile);
    const plans = siteLinePlans({ site, dataDir: tmp, brokerUrl: "mqtt://127.0.0.1:1884", influxUrl: "http://127.0.0.1:9999/htr" });
    assert.equal(plans.length, 3);
    const p = plans[1]!;
    assert.equal(p.configDir, `${tmp}/lines/htr-line-2/plc-config`);
    assert.equal(p.dataDir, `${tmp}/lines/htr-line-2/data`);
    assert.deepEqual(p.args, ["start", "--sim", "--config", p.configDir, "--data", p.dataDir, "--port", "8082"]);
    assert.deepEqual(p.derive?.edits, { lineId: "htr-line-2", lineName: "HTR line 2", opcuaPort: 4842, modbusPort: 5022, groupId: "htr-site" });
    assert.deepEqual(new Set(plans.map((x) => x.dataDir)).size, 3, "every line its own data directory");
    const env = lineEnvironment({ PATH: "/bin", PORT: "8080", SCADA_DATA_DIR: "/var/x", SCADA_CONFIG_DIR: "/c", INFLUX_URL: "http://other:1/db" }, p);
    assert.deepEqual(env, { PATH: "/bin", SCADA_MQTT_URL: "mqtt://127.0.0.1:1884", INFLUX_URL: "http://127.0.0.1:9999/htr" });
  });

  it("writes a derived config: the line id, plant ports and group changed, comments kept, valid, no site file in it", () => {
    const site = loadSiteConfigOrThrow(siteFile);
    const [plan] = siteLinePlans({ site, dataDir: tmp, brokerUrl: "mqtt://127.0.0.1:1884", influxUrl: null });
    const config = prepareLineConfig(plan!, site.groupId);
    assert.equal(config.line.id, "htr-line-1");
    assert.equal(config.line.name, "HTR line 1");
    assert.deepEqual(plantPortsOf(config).map((x) => x.port), [4841, 5021]);
    assert.equal(config.northbound?.sparkplug.groupId, "htr-site");
    assert.equal(config.northbound?.sparkplug.edgeNodeId, undefined);
    assert.ok(readFileSync(join(plan!.configDir, "devices.yaml"), "utf8").includes("# The PLC's watchdog"), "comments kept");
    assert.deepEqual(readdirSync(plan!.configDir).filter((f) => f.startsWith("site")), []);
    assert.equal(config.tags.length, loadConfigOrThrow(join(root, "plc-config")).tags.length);
    // Written afresh on the next launch.
    writeFileSync(join(plan!.configDir, "stray.yaml"), "x: 1\n");
    prepareLineConfig(plan!, site.groupId);
    assert.ok(!readdirSync(plan!.configDir).includes("stray.yaml"));
  });

  it("a line's own config must be this line of this site", () => {
    const site = loadSiteConfigOrThrow(siteFile);
    const [plan] = siteLinePlans({ site, dataDir: tmp, brokerUrl: "mqtt://127.0.0.1:1884", influxUrl: null });
    prepareLineConfig(plan!, site.groupId);
    assert.equal(checkOwnLineConfig(plan!.configDir, "htr-line-1", "htr-site").line.id, "htr-line-1");
    assert.throws(
      () => checkOwnLineConfig(plan!.configDir, "htr-line-9", "other-site"),
      (e: unknown) =>
        e instanceof ScadaError &&
        (e.details as string[]).join("\n") ===
          "line.yaml:line.id: is 'htr-line-1', but the site file names this line 'htr-line-9'\n" +
            "northbound.yaml:sparkplug.groupId: is 'htr-site', but the site's group is 'other-site' (the overview would not see the line)",
    );
    const nb = parse(readFileSync(join(plan!.configDir, "northbound.yaml"), "utf8")) as { sparkplug: { groupId: string } };
    assert.equal(nb.sparkplug.groupId, "htr-site");
  });
});
