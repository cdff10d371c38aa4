/**
 * deploy/docker-compose.yml through a real Compose (Debian's docker-compose 1.29: `config` resolves and
 * validates without an engine). The resolved configuration is read with `yaml` and checked for what the
 * deployment relies on: the three services, named volumes, InfluxDB's authentication, the SCADA writing as
 * a user that is not the admin, no secret in the files, and a clear refusal when a secret is missing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";

const DEPLOY = resolve("deploy");
const COMPOSE = join(DEPLOY, "docker-compose.yml");
const SIM = join(DEPLOY, "docker-compose.sim.yml");
const ENV_EXAMPLE = join(DEPLOY, ".env.example");
const DOCKER_COMPOSE = "/usr/bin/docker-compose";
const REQUIRED_SECRETS = ["SCADA_ADMIN_PASSWORD", "INFLUXDB_ADMIN_PASSWORD", "INFLUXDB_WRITE_USER_PASSWORD", "INFLUXDB_READ_USER_PASSWORD", "GRAFANA_ADMIN_PASSWORD"];

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  ports?: unknown[];
}
interface Resolved {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose -f FILE… --env-file ENV config` with nothing from this process's environment. */
function composeConfig(envFile: string, files: string[] = [COMPOSE]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(DOCKER_COMPOSE, [...files.flatMap((f) => ["-f", f]), "--env-file", envFile, "config"], {
    cwd: DEPLOY,
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", HOME: tmpdir() },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const resolvedCache = new Map<string, string>();
/** The resolved configuration (each combination run once: docker-compose takes ~1 s to start). */
function resolved(envFile: string, files: string[] = [COMPOSE]): Resolved {
  const key = JSON.stringify([envFile, files]);
  if (!resolvedCache.has(key)) {
    const r = composeConfig(envFile, files);
    assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
    resolvedCache.set(key, r.stdout);
  }
  return parse(resolvedCache.get(key)!) as Resolved;
}

/** The variables of .env.example (KEY=VALUE lines). */
function envExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readFileSync(ENV_EXAMPLE, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

/** Named volumes mounted by a service: its `name:/path` entries, by target. */
function namedVolumes(s: Service): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of s.volumes ?? []) {
    const [source, target] = typeof v === "string" ? v.split(":") : [v.source, v.target];
    if (source && target && !source.startsWith("/") && !source.startsWith(".")) out[target] = source;
  }
  return out;
}

const bindMounts = (s: Service): string[] => (s.volumes ?? []).map((v) => (typeof v === "string" ? v : `${v.source}:${v.target}`)).filter((v) => v.startsWith("/"));

describe("deploy/docker-compose.yml (real docker-compose config)", function () {
  this.timeout(60_000);
  let tmp: string;
  /** An env file with a distinct value for every variable of .env.example, to see where each one lands. */
  let canaryEnv: string;
  const canary = (name: string): string => `canary-${name.toLowerCase().replaceAll("_", "-")}`;

  before(function () {
    if (!existsSync(DOCKER_COMPOSE)) throw new Error("docker-compose is not installed: apt-get install -y docker-compose (npm test does it as root)");
    tmp = mkdtempSync(join(tmpdir(), "compose-"));
    canaryEnv = join(tmp, "canary.env");
    const lines = [...envExample()].map(([k, v]) => `${k}=${/PASSWORD/.test(k) ? canary(k) : v}`);
    writeFileSync(canaryEnv, `${lines.join("\n")}\n`);
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("resolves with .env.example (exit 0): scada, influxdb and grafana, each with a restart policy", () => {
    const c = resolved(ENV_EXAMPLE);
    assert.deepEqual(Object.keys(c.services).sort(), ["grafana", "influxdb", "scada"]);
    for (const [name, s] of Object.entries(c.services)) assert.match(s.restart ?? "", /^(unless-stopped|always|on-failure)/, name);
    assert.deepEqual({ context: c.services.scada!.build?.context, dockerfile: c.services.scada!.build?.dockerfile }, { context: resolve("."), dockerfile: "Dockerfile" });
    assert.match(c.services.influxdb!.image ?? "", /^influxdb:1\.8(\.\d+)?$/);
    assert.match(c.services.grafana!.image ?? "", /^grafana\/grafana-oss:\d+\.\d+\.\d+$/, "Grafana pinned to a version");
  });

  it("keeps every datum in a named volume; mounts the init scripts, the plc-config and Grafana's provisioning read-only", () => {
    const c = resolved(ENV_EXAMPLE);
    assert.deepEqual(Object.keys(c.volumes ?? {}).sort(), ["grafana-data", "influxdb-data", "scada-data"]);
    assert.deepEqual(namedVolumes(c.services.scada!), { "/var/lib/htr-scada": "scada-data" });
    assert.deepEqual(namedVolumes(c.services.influxdb!), { "/var/lib/influxdb": "influxdb-data" });
    assert.deepEqual(namedVolumes(c.services.grafana!), { "/var/lib/grafana": "grafana-data" });
    assert.equal(c.services.scada!.environment!.SCADA_DATA_DIR, "/var/lib/htr-scada");
    assert.deepEqual(bindMounts(c.services.influxdb!), [`${join(DEPLOY, "influxdb", "init")}:/docker-entrypoint-initdb.d:ro`]);
    assert.ok(existsSync(join(DEPLOY, "influxdb", "init", "htr-schema.iql")));
    assert.deepEqual(bindMounts(c.services.scada!), [`${resolve("plc-config")}:/etc/htr-scada/plc-config:ro`]);
    assert.equal(c.services.scada!.environment!.SCADA_CONFIG_DIR, "/etc/htr-scada/plc-config");
    assert.deepEqual(bindMounts(c.services.grafana!).sort(), [
      `${join(DEPLOY, "grafana", "dashboards")}:/var/lib/grafana/dashboards:ro`,
      `${join(DEPLOY, "grafana", "provisioning")}:/etc/grafana/provisioning:ro`,
    ]);
  });

  it("healthchecks on influxdb and grafana (scada's is the image's), and the start order waits for a healthy influxdb", () => {
    const c = resolved(ENV_EXAMPLE);
    assert.ok(c.services.influxdb!.healthcheck?.test.length, "influxdb has no healthcheck");
    assert.ok(c.services.grafana!.healthcheck?.test.length, "grafana has no healthcheck");
    assert.match(readFileSync(resolve("Dockerfile"), "utf8"), /^HEALTHCHECK\b[^\n]*\\\n\s*CMD \["node", "-e"/m);
    assert.deepEqual(c.services.scada!.depends_on, { influxdb: { condition: "service_healthy" } });
    assert.deepEqual(c.services.grafana!.depends_on, { influxdb: { condition: "service_healthy" } });
  });

  it("InfluxDB with authentication on; the SCADA writes as the writer, not the admin; Grafana reads as the reader", () => {
    const c = resolved(canaryEnv);
    const influx = c.services.influxdb!.environment!;
    assert.equal(influx.INFLUXDB_HTTP_AUTH_ENABLED, "true");
    assert.equal(influx.INFLUXDB_DB, "htr");
    assert.notEqual(influx.INFLUXDB_WRITE_USER, influx.INFLUXDB_ADMIN_USER);
    assert.equal(influx.INFLUXDB_USER, undefined, "INFLUXDB_USER would be a second user with ALL on htr");
    const url = new URL(c.services.scada!.environment!.INFLUX_URL!);
    assert.deepEqual(
      { user: url.username, password: url.password, host: url.host, db: url.pathname },
      { user: influx.INFLUXDB_WRITE_USER, password: canary("INFLUXDB_WRITE_USER_PASSWORD"), host: "influxdb:8086", db: "/htr" },
    );
    // The admin's password reaches InfluxDB only; the reader's InfluxDB and Grafana only.
    const carrying = (secret: string) => Object.entries(c.services).filter(([, s]) => JSON.stringify(s).includes(canary(secret))).map(([n]) => n).sort();
    assert.deepEqual(carrying("INFLUXDB_ADMIN_PASSWORD"), ["influxdb"]);
    assert.deepEqual(carrying("INFLUXDB_WRITE_USER_PASSWORD"), ["influxdb", "scada"]);
    assert.deepEqual(carrying("INFLUXDB_READ_USER_PASSWORD"), ["grafana", "influxdb"]);
    assert.deepEqual(carrying("GRAFANA_ADMIN_PASSWORD"), ["grafana"]);
    assert.deepEqual(carrying("SCADA_ADMIN_PASSWORD"), ["scada"]);
    const grafana = c.services.grafana!.environment!;
    assert.deepEqual(
      { db: grafana.INFLUXDB_DB, user: grafana.INFLUXDB_READ_USER, password: grafana.INFLUXDB_READ_USER_PASSWORD },
      { db: influx.INFLUXDB_DB, user: influx.INFLUXDB_READ_USER, password: influx.INFLUXDB_READ_USER_PASSWORD },
    );
    // The datasource Grafana provisions reads exactly these variables.
    const ds = readFileSync(join(DEPLOY, "grafana", "provisioning", "datasources", "influxdb.yaml"), "utf8");
    for (const v of ["INFLUXDB_DB", "INFLUXDB_READ_USER", "INFLUXDB_READ_USER_PASSWORD"]) assert.match(ds, new RegExp(`\\$\\{?${v}\\b`), v);
    assert.match(ds, /url: http:\/\/influxdb:8086/);
  });

  it("no secret in the files: every password is a required ${VAR:?message} from .env, and .env.example holds placeholders only", () => {
    const raw = parse(readFileSync(COMPOSE, "utf8")) as { services: Record<string, { environment?: Record<string, string> }> };
    for (const [name, s] of Object.entries(raw.services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|SECRET|TOKEN/.test(k)) assert.match(String(v), /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${k}`);
        if (k === "INFLUX_URL") assert.match(String(v), /^http:\/\/\$\{INFLUXDB_WRITE_USER[^}]*\}:\$\{INFLUXDB_WRITE_USER_PASSWORD:\?[^}]+\}@influxdb:8086\/htr$/);
      }
    }
    const example = envExample();
    // Every variable the compose files use is in .env.example, and every secret is a placeholder there.
    const used = new Set([...`${readFileSync(COMPOSE, "utf8")}${readFileSync(SIM, "utf8")}`.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    assert.deepEqual([...used].filter((v) => !example.has(v)), [], "used in the compose files, missing from .env.example");
    assert.deepEqual([...example.keys()].filter((v) => !used.has(v)), [], "in .env.example, used nowhere");
    for (const secret of REQUIRED_SECRETS) assert.equal(example.get(secret), "CHANGE-ME", secret);
    // The SCADA's password policy refuses the placeholder (at least 12 characters): a forgotten one cannot go live.
    assert.ok(example.get("SCADA_ADMIN_PASSWORD")!.length < 12);
    // The real .env stays out of git.
    assert.equal(spawnSync("git", ["check-ignore", "-q", join(DEPLOY, ".env")]).status, 0, "deploy/.env is not git-ignored");
  });

  for (const secret of REQUIRED_SECRETS) {
    it(`a missing or empty ${secret} stops docker-compose with a message naming it`, () => {
      for (const how of ["missing", "empty"] as const) {
        const lines = readFileSync(ENV_EXAMPLE, "utf8").split("\n").filter((l) => !l.startsWith(`${secret}=`));
        if (how === "empty") lines.push(`${secret}=`);
        const file = join(tmp, `${how}-${secret}.env`);
        writeFileSync(file, `${lines.join("\n")}\n`);
        const r = composeConfig(file);
        assert.notEqual(r.status, 0, `${how} ${secret}: docker-compose config succeeded`);
        assert.match(r.stderr, new RegExp(`Missing mandatory value .*: set ${secret} in deploy/\\.env`), r.stderr);
      }
    });
  }

  it("the sim override only makes the SCADA start the virtual plant (start --sim); the main file runs the real PLCs", () => {
    const main = resolved(ENV_EXAMPLE);
    assert.equal(main.services.scada!.command, undefined, "the main file must run the image's CMD (start, the real PLCs)");
    assert.match(readFileSync(resolve("Dockerfile"), "utf8"), /^CMD \["start"\]$/m);
    const sim = resolved(ENV_EXAMPLE, [COMPOSE, SIM]);
    assert.deepEqual(sim.services.scada!.command, ["start", "--sim"]);
    const rest = ({ command: _, volumes, ...others }: Service) => ({ ...others, volumes: [...(volumes ?? [])].map(String).sort() });
    // (Compose lists a merged file's volumes in another order: compared as sets.)
    for (const name of ["scada", "influxdb", "grafana"]) assert.deepEqual(rest(sim.services[name]!), rest(main.services[name]!), name);
  });
});
