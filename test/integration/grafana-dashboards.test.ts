import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { type ApiClient, adminClient, newUserClient, setSimFault } from "../helpers/api-client.js";
import { type TestInfluxd, startTestInfluxd } from "../helpers/influxd.js";
import { type TestConfig, editLine, editRecipe, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";

const GRAFANA = resolve("deploy", "grafana");
const DASHBOARDS = join(GRAFANA, "dashboards");
const PANEL_TYPES = new Set(["timeseries", "stat", "state-timeline", "bargauge", "table", "row"]);
const LOT = "11000042";

interface Target {
  refId: string;
  datasource?: { type?: string; uid?: string };
  rawQuery?: boolean;
  query?: string;
  hide?: boolean;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  interval?: string;
  targets?: Target[];
  panels?: Panel[];
  collapsed?: boolean;
  transformations?: { id: string; options?: { configRefId?: string } }[];
}
interface Variable {
  name: string;
  type: string;
  query?: string;
  datasource?: { type?: string; uid?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
  current?: { value?: string | string[] };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  time: { from: string; to: string };
  templating: { list: Variable[] };
  panels: Panel[];
}
interface InfluxAnswer {
  error?: string;
  results?: { statement_id: number; error?: string; series?: { name: string; columns: string[]; values?: unknown[][] }[] }[];
}

const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith(".json")).sort();
const load = (file: string) => JSON.parse(readFileSync(join(DASHBOARDS, file), "utf8")) as Dashboard;
/** Every panel, those inside (collapsed) rows included. */
const allPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = (d: Dashboard) => allPanels(d).filter((p) => p.type !== "row");

/** Grafana's relative time (`now-6h`) in ms before now. */
function relativeMs(from: string): number {
  const m = /^now-(\d+)([smhdw])$/.exec(from);
  assert.ok(m, `relative time '${from}'`);
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[m[2] as "s"];
}

function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
  assert.ok(m, `interval '${d}'`);
  return Number(m[1]) * { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as "s"];
}

/** Grafana's rounded intervals (rangeUtil.roundInterval, the steps it snaps a computed interval up to). */
const NICE = ["10ms", "20ms", "50ms", "100ms", "200ms", "500ms", "1s", "2s", "5s", "10s", "15s", "20s", "30s", "1m", "2m", "5m", "10m", "15m", "20m", "30m", "1h", "3h", "6h", "12h", "1d"];

/**
 * `$__interval` as Grafana computes it: the range over the panel's data points (≈ its width in pixels:
 * 1000 here), snapped up to a round interval, never below the panel's min interval or else the
 * datasource's (`timeInterval` in the provisioned datasource).
 */
function grafanaInterval(rangeMs: number, panelMin: string | undefined, datasourceMin: string): string {
  const floor = durationMs(panelMin ?? datasourceMin);
  const want = Math.max(rangeMs / 1000, floor);
  return NICE.find((n) => durationMs(n) >= want) ?? "1d";
}

interface Context {
  fromMs: number;
  toMs: number;
  interval: string;
  vars: Record<string, string>;
}

/** A query as Grafana's InfluxQL datasource sends it: its macros and the dashboard's variables replaced. */
function interpolate(query: string, c: Context): string {
  let q = query
    .replaceAll("$timeFilter", `time >= ${c.fromMs}ms and time <= ${c.toMs}ms`)
    .replace(/\$\{__from\}|\$__from\b/g, String(c.fromMs))
    .replace(/\$\{__to\}|\$__to\b/g, String(c.toMs))
    .replace(/\$\{__interval_ms\}|\$__interval_ms\b/g, String(durationMs(c.interval)))
    .replace(/\$\{__interval\}|\$__interval\b/g, c.interval);
  q = q.replace(/\$\{(\w+)\}|\[\[(\w+)\]\]|\$(\w+)/g, (all, a?: string, b?: string, d?: string) => {
    const name = (a ?? b ?? d)!;
    if (!(name in c.vars)) throw new Error(`query uses $${name}, which is no variable of the dashboard: ${query}`);
    return c.vars[name]!;
  });
  return q;
}

/**
 * The Grafana dashboards of deploy/grafana (issue 13) against what the SCADA really writes: a real influxd, the
 * real SCADA on the virtual plant writing its history there. The line is started (the HTR heats, a BiSb roll
 * records segments), the line PLC's link is cut and restored (COMM-LINE-PLC), and an e-stop chatters until the
 * alarm points hold a flood (> 10 annunciations in a 10-minute window). Then each dashboard JSON is loaded and
 * every panel target is sent to the influxd as Grafana's InfluxQL datasource would send it — `$timeFilter`,
 * `${__from}` / `${__to}` over the dashboard's default range ending now, `$__interval` as Grafana computes it
 * (range / 1000 points, rounded, at least the panel's or the datasource's min interval), the template
 * variables from their own queries (`$line` = the run's line) — and must parse and return at least one row
 * with a value; a failure names the dashboard, the panel, the target and the query sent. The structure
 * Grafana needs is checked too: the provisioning YAML, unique uids and panel ids, gridPos, the one
 * provisioned datasource uid everywhere, raw InfluxQL targets.
 * To keep it short the test line measures the rinse right after the quench and BiSb pulses 1.0 / 1.5 / 2.0 s.
 */
describe("integration: the Grafana dashboards against the history of a real run", function () {
  this.timeout(300_000);
  let tc: TestConfig;
  let influxd: TestInfluxd;
  let runtime: Runtime;
  let disposeRuntime: (() => Promise<void>) | undefined;
  let operator: ApiClient;
  let admin: ApiClient;
  let lineId = "";
  const datasource = parseYaml(readFileSync(join(GRAFANA, "provisioning", "datasources", "influxdb.yaml"), "utf8")) as {
    apiVersion: number;
    datasources: { name: string; uid: string; type: string; url: string; access: string; user: string; database?: string; password?: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, string> }[];
  };
  const datasourceMin = String(datasource.datasources[0]?.jsonData.timeInterval ?? "1s");
  /** Every panel, target and query variable must name the provisioned datasource by this uid. */
  const DATASOURCE_UID = datasource.datasources[0]?.uid ?? "(none provisioned)";

  async function influx(q: string): Promise<InfluxAnswer> {
    const url = `${influxd.url}/query?${new URLSearchParams({ db: "htr", epoch: "ms", q })}`;
    const res = await fetch(url);
    const body = (await res.json()) as InfluxAnswer;
    if (!res.ok && !body.error) body.error = `HTTP ${res.status}`;
    return body;
  }
  /** The first error of an answer (top level or any statement), or null. */
  const errorOf = (a: InfluxAnswer) => a.error ?? a.results?.find((r) => r.error)?.error ?? null;
  /** Rows with at least one value that is not the time and not null. */
  const rowsOf = (a: InfluxAnswer) =>
    (a.results ?? []).flatMap((r) => r.series ?? []).flatMap((s) => (s.values ?? []).filter((row) => row.some((v, i) => s.columns[i] !== "time" && v !== null)));

  const line = async () => (await operator.getJson<{ state: string }>("/api/line")).state;
  const command = async (cmd: string, extra: Record<string, unknown> = {}) => {
    const r = await operator.post("/api/line/commands", { command: cmd, ...extra });
    return { status: r.status, body: await r.text() };
  };
  const alarmState = async (id: string) =>
    (await operator.getJson<{ alarms: { id: string; state: string }[] }>("/api/alarms")).alarms.find((a) => a.id === id)?.state;

  /** The values of a template variable, as Grafana gets them (SHOW TAG VALUES: the `value` column). */
  async function variableValues(v: Variable): Promise<string[]> {
    const a = await influx(v.query!);
    assert.equal(errorOf(a), null, `variable $${v.name}: ${v.query}`);
    return (a.results ?? []).flatMap((r) => r.series ?? []).flatMap((s) => (s.values ?? []).map((row) => String(row[s.columns.indexOf("value")])));
  }

  /** The variables' values for this run: query variables answered by the influxd (the run's line chosen), All → allValue, textbox → its default. */
  async function variablesOf(d: Dashboard): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const v of d.templating.list) {
      if (v.type === "query") {
        const values = [...new Set(await variableValues(v))];
        assert.ok(values.length > 0, `${d.title}: variable $${v.name} (${v.query}) has no values`);
        const current = v.current?.value;
        if (v.name === "line") {
          assert.ok(values.includes(lineId), `${d.title}: $line offers ${values.join(", ")}, not the run's line ${lineId}`);
          out.line = lineId;
        } else if (current === "$__all" || (Array.isArray(current) && current.includes("$__all"))) {
          out[v.name] = v.allValue ?? `(${values.map((x) => x.replace(/[\\^$*+?.()|[\]{}/-]/g, "\\$&")).join("|")})`;
        } else {
          out[v.name] = values[0]!;
        }
      } else if (v.type === "textbox" || v.type === "constant" || v.type === "custom") {
        const current = Array.isArray(v.current?.value) ? v.current?.value[0] : v.current?.value;
        out[v.name] = String(current ?? v.query ?? "");
      } else {
        assert.fail(`${d.title}: variable $${v.name} of type ${v.type} is not handled by this test`);
      }
    }
    return out;
  }

  /** Starts the line with BiSb as an operator; a trip latched at rest (a stale value on a loaded machine) is reset and the start tried again. */
  async function startLine(): Promise<void> {
    let answer = "";
    await waitFor("the line started (Execute or Starting)", 60_000, async () => {
      const s = await line();
      answer = `state ${s}`;
      if (s === "Execute" || s === "Starting") return true;
      if (s === "Aborted") answer += `; clear: ${(await command("clear")).body}`;
      if (s === "Stopped" || s === "Held") {
        await operator.post("/api/interlocks/reset", {});
        answer += `; ${s === "Held" ? "unhold" : "reset"}: ${(await command(s === "Held" ? "unhold" : "reset")).body}`;
      }
      if (s === "Idle") {
        const start = await command("start", { recipe: "BiSb", lot: LOT });
        answer += `; start: ${start.body}`;
        if (start.status !== 200) await operator.post("/api/interlocks/reset", {}); // a trip latched at rest: reset once its cause is gone
      }
      return false;
    }, { everyMs: 500, observe: () => answer });
  }

  before(async function () {
    tc = await realConfigOnFreePorts();
    // Segments are recorded when they leave the rinse window: measure it right after the quench (the shipped
    // line: 2.5–3.5 m), and pulse briefly (1.0 / 1.5 / 2.0 s), so records come within a minute of the start.
    tc = editLine(tc, (l) => {
      (l.tracking as { windows: Record<string, unknown> }).windows.rinse = { from: 1.7, to: 1.75 };
    });
    editRecipe(tc, "BiSb", (r) => {
      Object.assign(r.htr as Record<string, unknown>, { rampTimeS: 1.0, holdTimeS: 1.5, coolTimeS: 2.0, minHeatingRateKps: 300, minCoolingRateKps: 500 });
      r.targetRollLengthM = 3.0;
    });
    lineId = tc.config.line.id;
    influxd = await startTestInfluxd();
    ({ runtime, dispose: disposeRuntime } = testRuntime(tc, {
      historian: "auto",
      influxUrl: influxd.url,
      historianTuning: { cq1s: { every: "1s", for: "30s" }, cq1m: { every: "10s", for: "5m" }, flushIntervalMs: 200 },
    }));
    const { url } = await runtime.start();
    await waitForTagsGood(runtime, 20_000);
    await waitFor("safe boot outputs written", 5000, () => runtime.line.bootOutputsWritten());
    await waitFor("historian online with its schema", 20_000, () => runtime.historian?.status().online === true && runtime.historian.status().schemaReady, 100);
    admin = await adminClient(url);
    operator = await newUserClient(admin, "op1", "operator");

    // The line heats and a roll records segments.
    await startLine();
    await waitFor("3 segments recorded", 150_000, async () => {
      const s = await line();
      if (s !== "Execute" && s !== "Starting") await startLine(); // a trip on a loaded machine: recover as an operator would
      return ((await operator.getJson<{ segmentsRecorded: number } | null>("/api/rolls/current"))?.segmentsRecorded ?? 0) >= 3;
    }, 500);

    // A PLC link lost and back: COMM-LINE-PLC (and whatever the trip brings).
    await setSimFault(admin, "line-plc-comm-loss", true);
    await waitFor("COMM-LINE-PLC annunciated", 15_000, async () => (await alarmState("COMM-LINE-PLC")) === "unack-active", 100);
    await setSimFault(admin, "line-plc-comm-loss", false);
    await waitForTagsGood(runtime, 20_000);

    // An alarm flood (ISA-18.2: more than 10 annunciations in one 10-minute window) by a chattering e-stop. Checked
    // with the test's own query on the raw alarm points, not the dashboards'.
    const flood = `SELECT "n" FROM (SELECT count("from") AS "n" FROM "alarm" WHERE "transition" = 'activate' AND time >= now() - 1h GROUP BY time(10m)) WHERE "n" > 10`;
    await waitFor("an alarm flood in the historian", 120_000, async () => {
      if (rowsOf(await influx(flood)).length > 0) return true;
      await setSimFault(admin, "estop", true);
      await waitFor("HTR-ESTOP active", 5000, async () => (await alarmState("HTR-ESTOP")) === "unack-active", 50);
      await setSimFault(admin, "estop", false);
      await waitFor("HTR-ESTOP back to normal condition", 5000, async () => (await alarmState("HTR-ESTOP")) !== "unack-active", 50);
      return false;
    }, 100);
  });

  after(async () => {
    if (admin) {
      await setSimFault(admin, "estop", false).catch(() => undefined);
      await setSimFault(admin, "line-plc-comm-loss", false).catch(() => undefined);
    }
    await disposeRuntime?.();
    await influxd?.cleanup();
    if (tc?.dir) rmSync(tc.dir, { recursive: true, force: true });
  });

  it("provisioning: the InfluxQL datasource (uid, url, database, read user, password from the environment) and the file provider parse", () => {
    assert.equal(datasource.apiVersion, 1);
    assert.equal(datasource.datasources.length, 1);
    const ds = datasource.datasources[0]!;
    assert.deepEqual(
      { uid: ds.uid, type: ds.type, url: ds.url, access: ds.access, user: ds.user, db: ds.jsonData.dbName, version: ds.jsonData.version },
      { uid: "htr-influxdb", type: "influxdb", url: "http://influxdb:8086", access: "proxy", user: "$INFLUXDB_READ_USER", db: "$INFLUXDB_DB", version: "InfluxQL" },
    );
    assert.equal(ds.database ?? "$INFLUXDB_DB", "$INFLUXDB_DB");
    assert.equal(ds.secureJsonData.password, "$INFLUXDB_READ_USER_PASSWORD");
    assert.equal(ds.password, undefined, "no password in clear text");
    durationMs(datasourceMin);

    const providers = parseYaml(readFileSync(join(GRAFANA, "provisioning", "dashboards", "htr.yaml"), "utf8")) as {
      apiVersion: number;
      providers: { name: string; type: string; options: { path: string } }[];
    };
    assert.equal(providers.apiVersion, 1);
    assert.equal(providers.providers.length, 1);
    assert.equal(providers.providers[0]!.type, "file");
    assert.equal(providers.providers[0]!.options.path, "/var/lib/grafana/dashboards");
  });

  it(`dashboards (${files.join(", ")}): valid JSON; unique uids and panel ids; gridPos; the provisioned datasource; raw InfluxQL targets`, () => {
    assert.ok(files.length >= 4, `dashboards: ${files.join(", ")}`);
    const uids = new Set<string>();
    for (const file of files) {
      const d = load(file);
      const where = (p?: Panel) => `${file} (${d.title})${p ? ` panel ${p.id} '${p.title}'` : ""}`;
      assert.ok(d.uid && !uids.has(d.uid), `${where()}: uid '${d.uid}' missing or used twice`);
      uids.add(d.uid);
      assert.ok(d.schemaVersion >= 36 && d.schemaVersion <= 41, `${where()}: schemaVersion ${d.schemaVersion}`);
      relativeMs(d.time.from);
      const line = d.templating.list.find((v) => v.name === "line");
      assert.ok(line, `${where()}: no $line variable`);
      assert.equal(line.query, 'SHOW TAG VALUES WITH KEY = "line"', where());
      for (const v of d.templating.list.filter((x) => x.type === "query")) assert.equal(v.datasource?.uid, DATASOURCE_UID, `${where()}: variable $${v.name}`);
      const ids = new Set<number>();
      for (const p of allPanels(d)) {
        assert.ok(Number.isInteger(p.id) && !ids.has(p.id), `${where(p)}: id missing or used twice`);
        ids.add(p.id);
        assert.ok(PANEL_TYPES.has(p.type), `${where(p)}: type ${p.type}`);
        const g = p.gridPos;
        assert.ok(g && [g.x, g.y, g.w, g.h].every(Number.isInteger) && g.x >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${where(p)}: gridPos ${JSON.stringify(g)}`);
        if (p.type === "row") continue;
        assert.ok(p.title, `${where(p)}: no title`);
        assert.deepEqual(p.datasource, { type: "influxdb", uid: DATASOURCE_UID }, `${where(p)}: datasource`);
        assert.ok(p.targets && p.targets.length > 0, `${where(p)}: no targets`);
        assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length, `${where(p)}: refIds not unique`);
        for (const t of p.targets) {
          assert.deepEqual(t.datasource, { type: "influxdb", uid: DATASOURCE_UID }, `${where(p)} ${t.refId}: datasource`);
          assert.equal(t.rawQuery, true, `${where(p)} ${t.refId}: rawQuery`);
          assert.ok(typeof t.query === "string" && /^\s*(SELECT|SHOW)\b/i.test(t.query), `${where(p)} ${t.refId}: query '${t.query}'`);
        }
        for (const tr of p.transformations ?? []) {
          if (tr.id === "configFromData") assert.ok(p.targets.some((t) => t.refId === tr.options?.configRefId), `${where(p)}: configFromData refers to ${tr.options?.configRefId}`);
        }
      }
      // Top-level panels must not overlap (Grafana would push them about).
      const top = d.panels.map((p) => ({ p, g: p.gridPos! }));
      for (const [i, a] of top.entries())
        for (const b of top.slice(i + 1))
          assert.ok(a.g.x + a.g.w <= b.g.x || b.g.x + b.g.w <= a.g.x || a.g.y + a.g.h <= b.g.y || b.g.y + b.g.h <= a.g.y, `${where(a.p)} overlaps panel ${b.p.id} '${b.p.title}'`);
    }
  });

  for (const file of files) {
    it(`${file}: every panel's query, as Grafana sends it, parses and returns rows from the run`, async () => {
      const d = load(file);
      const vars = await variablesOf(d);
      const queries = queryPanels(d).flatMap((p) => (p.targets ?? []).map((t) => ({ p, t })));
      let pending: string[] = [];
      let last: string[] = [];
      // Trends (the CQs), derivatives over several health samples: give the history up to 60 s to have them.
      await waitFor(`every query of ${file} to return rows`, 60_000, async () => {
        const toMs = Date.now();
        const fromMs = toMs - relativeMs(d.time.from);
        pending = [];
        last = [];
        for (const { p, t } of queries) {
          const q = interpolate(t.query!, { fromMs, toMs, interval: grafanaInterval(toMs - fromMs, p.interval, datasourceMin), vars });
          const answer = await influx(q);
          const error = errorOf(answer);
          if (error !== null) throw new Error(`${file} (${d.title}), panel '${p.title}' ${t.refId}: InfluxDB refuses the query: ${error}\n  ${q}`);
          const rows = rowsOf(answer);
          if (rows.length === 0) pending.push(`${file} (${d.title}), panel '${p.title}' ${t.refId}: no rows\n  ${q}`);
          else last.push(`${p.title} ${t.refId}: ${rows.length} rows`);
        }
        return pending.length === 0;
      }, { everyMs: 2000, observe: () => pending.join("\n") });
      console.log(`      ${file}: ${queries.length} queries, each with rows (${last.join("; ")})`);
    });
  }
});
