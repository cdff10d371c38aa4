/**
 * The hardened systemd unit (issue 13, item 3), checked with systemd's own tools — no mocks:
 * - `systemd-analyze verify` on the unit: no warning or error about it;
 * - `systemd-analyze security --offline=true`: the overall exposure stays at or below EXPOSURE_MAX, and every
 *   one of its checks passes but the exposures we accept on purpose (each with its reason below);
 * - the opt-in for a port below 1024 (three commented lines) really takes effect when uncommented;
 * - the same tools fail the unhardened unit and a unit with a misspelt setting (the test can fail);
 * - `systemd-sysusers` and `systemd-tmpfiles` really create the user and the directories, in a scratch root
 *   directory (`--root`), never on this host;
 * - the unit, the sysusers and tmpfiles files and the start-refusal exit codes agree.
 * Running the unit itself needs systemd as PID 1, which this machine does not have (see the report of
 * issue 13: it was run once under a namespaced systemd 252, with the virtual plant, managed influxd and serial
 * probes); these checks are what can run anywhere systemd 252 is installed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { START_EXIT_CODES } from "../../src/core/start-refusal.js";

const REPO = resolve(".");
const UNIT = join(REPO, "deploy", "htr-scada.service");
const SYSUSERS = join(REPO, "deploy", "htr-scada.sysusers.conf");
const TMPFILES = join(REPO, "deploy", "htr-scada.tmpfiles.conf");
const ANALYZE = "/usr/bin/systemd-analyze";
const INSTALL_ROOT = "/opt/htr-scada";

/**
 * Measured with systemd 252 (Debian 12): 1.4 "OK" (the unit before hardening: 9.2 "UNSAFE"). In tenths, as
 * `systemd-analyze security --threshold=` takes it.
 */
const EXPOSURE_MAX = 1.5;

/** The checks of `systemd-analyze security` this unit fails on purpose, and why. Anything else must pass. */
const ACCEPTED_EXPOSURES: Record<string, string> = {
  "SystemCallFilter=~@privileged": "capset(2) is allowed: setpriv (the managed influxd's parent-death signal) calls it",
  "RootDirectory=/RootImage=": "runs node and the project from the host (/usr/bin/node, /opt/htr-scada)",
  "SupplementaryGroups=": "dialout, for the Modbus RTU serial ports",
  "PrivateDevices=": "the serial ports must be visible (DevicePolicy=closed + DeviceAllow= instead)",
  "DeviceAllow=": "char-ttyS / ttyUSB / ttyACM rw (and ProtectClock's char-rtc r)",
  "MemoryDenyWriteExecute=": "V8's JIT needs writable-then-executable memory: node aborts under it",
  "RestrictAddressFamilies=~AF_UNIX": "DNS through nss and the journal",
  "RestrictAddressFamilies=~AF_(INET|INET6)": "the PLCs, the HTTP server, InfluxDB",
  "PrivateNetwork=": "the PLCs are on the plant network",
  "IPAddressDeny=": "the plant's networks are site-specific (an opt-in comment in the unit)",
  "ProcSubset=": "the managed influxd's port choice reads /proc/sys/net/ipv4/ip_local_port_range",
  "UMask=": "0027: the group may read the data (no access for others)",
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Run {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, env: { ...process.env, SYSTEMD_PAGER: "", SYSTEMD_COLORS: "0" } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `[Section] Key=value` lines of a unit file, comments and blank lines left out; values in order per key. */
function parseUnit(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(eq > 0, `not a unit line: ${line}`);
    const key = `${section}.${line.slice(0, eq)}`;
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

/** The one value of a key, or a failure naming it. */
function one(unit: Map<string, string[]>, key: string): string {
  const v = unit.get(key);
  assert.ok(v && v.length === 1, `${key}: expected one value, got ${JSON.stringify(v)}`);
  return v[0]!;
}

/** Writes `text` as htr-scada.service in a new directory (verify and security go by the file's name). */
function unitCopy(root: string, name: string, text: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "htr-scada.service");
  writeFileSync(file, text);
  return file;
}

/** The lines of `systemd-analyze verify`'s stderr that are about our unit (other units' noise is not ours). */
function verifyComplaints(file: string): { status: number | null; ours: string[]; stderr: string } {
  const r = run(ANALYZE, ["verify", file]);
  const ours = r.stderr.split("\n").filter((l) => l.includes(file) || l.includes("htr-scada"));
  return { status: r.status, ours, stderr: r.stderr };
}

function overallExposure(file: string, thresholdTenths?: number): { exposure: number; rating: string; status: number | null } {
  const args = ["security", "--offline=true", "--no-pager", ...(thresholdTenths === undefined ? [] : [`--threshold=${thresholdTenths}`]), file];
  const r = run(ANALYZE, args);
  const m = /Overall exposure level for htr-scada\.service: (\d+\.\d+) (\w+)/.exec(r.stdout);
  assert.ok(m, `no overall exposure level in:\n${r.stdout}\n${r.stderr}`);
  return { exposure: Number(m[1]), rating: m[2]!, status: r.status };
}

/** The names of the security checks the unit fails (JSON output of `systemd-analyze security`). */
function failedChecks(file: string): string[] {
  const r = run(ANALYZE, ["security", "--offline=true", "--json=short", "--no-pager", file]);
  assert.equal(r.status, 0, r.stderr);
  const items = JSON.parse(r.stdout) as { set: boolean; name: string }[];
  assert.ok(items.length > 50, `only ${items.length} security checks listed`);
  return items.filter((i) => !i.set).map((i) => i.name).sort();
}

/** The unit with its hardening section (from the "# --- Hardening" line to [Install]) cut out. */
function unhardened(text: string): string {
  const start = text.indexOf("# --- Hardening");
  const end = text.indexOf("[Install]");
  assert.ok(start > 0 && end > start, "the unit has no '# --- Hardening' section before [Install]");
  return text.slice(0, start) + text.slice(end);
}

/** The unit with its port-below-1024 opt-in uncommented. */
function withLowPortOptIn(text: string): string {
  const out = text
    .replace(/^#CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m, "CapabilityBoundingSet=CAP_NET_BIND_SERVICE")
    .replace(/^#AmbientCapabilities=CAP_NET_BIND_SERVICE$/m, "AmbientCapabilities=CAP_NET_BIND_SERVICE")
    .replace(/^#PrivateUsers=no$/m, "PrivateUsers=no");
  assert.equal(out.split("\n").filter((l, i) => l !== text.split("\n")[i]).length, 3, "the three opt-in lines are not in the unit as comments");
  return out;
}

describe("integration: the hardened systemd unit (real systemd-analyze, systemd-sysusers, systemd-tmpfiles)", function () {
  this.timeout(60_000);
  const text = readFileSync(UNIT, "utf8");
  const unit = parseUnit(text);
  let root: string;

  before(() => {
    assert.ok(existsSync(ANALYZE), `${ANALYZE} is missing (apt-get install systemd; scripts/ensure-deps.mjs installs it)`);
    assert.match(run(ANALYZE, ["--version"]).stdout, /^systemd \d+/);
  });
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "systemd-unit-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it(`systemd-analyze verify: no warning or error about the unit (${INSTALL_ROOT} replaced by this checkout when it is not installed here)`, () => {
    // verify checks that ExecStart's program exists. Today it is /usr/bin/node, there on any machine with
    // node, and WorkingDirectory is not checked; should ExecStart point into the install root (a compiled
    // build), a machine without /opt/htr-scada would fail for that alone, so the copy then points at this
    // checkout, which has the same layout. Everything else is verified as written.
    const substituted = existsSync(INSTALL_ROOT) ? text : text.split(INSTALL_ROOT).join(REPO);
    const v = verifyComplaints(unitCopy(root, "verify", substituted));
    assert.deepEqual(v.ours, [], `systemd-analyze verify complains:\n${v.stderr}`);
    assert.equal(v.status, 0, v.stderr);
  });

  it("systemd-analyze verify sees a misspelt setting, an unknown system call group and a missing program (the check above can fail)", () => {
    const broken = text
      .replace(/^ProtectSystem=strict$/m, "ProtectSystm=strict")
      .replace(/^SystemCallFilter=@system-service$/m, "SystemCallFilter=@system-servise")
      .replace(/^ExecStart=\/usr\/bin\/node /m, "ExecStart=/usr/bin/no-such-node ");
    const v = verifyComplaints(unitCopy(root, "broken", broken));
    assert.ok(v.ours.some((l) => /Unknown key 'ProtectSystm'/.test(l)), v.stderr);
    assert.ok(v.ours.some((l) => /@system-servise/.test(l)), v.stderr);
    assert.ok(v.ours.some((l) => /no-such-node is not executable/.test(l)), v.stderr);
    assert.notEqual(v.status, 0);
  });

  it(`systemd-analyze security: overall exposure ≤ ${EXPOSURE_MAX} ("OK"), also through --threshold`, () => {
    const file = unitCopy(root, "security", text);
    const s = overallExposure(file, Math.round(EXPOSURE_MAX * 10));
    assert.ok(s.exposure <= EXPOSURE_MAX, `exposure ${s.exposure} ${s.rating} is over ${EXPOSURE_MAX}`);
    assert.equal(s.rating, "OK");
    assert.equal(s.status, 0, `--threshold=${Math.round(EXPOSURE_MAX * 10)} refused exposure ${s.exposure}`);
  });

  it("systemd-analyze security: every check passes but the accepted exposures, each for its reason", () => {
    const failed = failedChecks(unitCopy(root, "checks", text));
    const unexpected = failed.filter((n) => !(n in ACCEPTED_EXPOSURES));
    const nowPassing = Object.keys(ACCEPTED_EXPOSURES).filter((n) => !failed.includes(n));
    assert.deepEqual(unexpected, [], `hardening lost: ${unexpected.join(", ")}`);
    // A check we accepted passing now is news too: MemoryDenyWriteExecute=yes stops node, ProcSubset=pid
    // hides the port range, PrivateDevices=yes hides the serial ports …
    assert.deepEqual(nowPassing, [], `now passing (is that meant? ${nowPassing.map((n) => `${n}: ${ACCEPTED_EXPOSURES[n]}`).join("; ")})`);
  });

  it("the unhardened unit is over the threshold and fails the checks (the checks above can fail)", () => {
    const file = unitCopy(root, "unhardened", unhardened(text));
    const s = overallExposure(file, Math.round(EXPOSURE_MAX * 10));
    assert.ok(s.exposure > 9, `the unhardened unit rates ${s.exposure}`);
    assert.notEqual(s.status, 0, "--threshold let an exposure over it pass");
    const lost = failedChecks(file).filter((n) => !(n in ACCEPTED_EXPOSURES));
    for (const name of ["NoNewPrivileges=", "ProtectSystem=", "PrivateTmp=", "ProtectHome=", "CapabilityBoundingSet=~CAP_SYS_ADMIN", "SystemCallFilter=~@mount", "RestrictAddressFamilies=~AF_PACKET", "RestrictNamespaces=~user", "ProtectKernelModules="])
      assert.ok(lost.includes(name), `${name} passes without the hardening section`);
  });

  it("the opt-in for a port below 1024 takes effect when its three lines are uncommented (verify-clean, NET_BIND_SERVICE only)", () => {
    const optIn = withLowPortOptIn(text);
    const file = unitCopy(root, "low-port", optIn);
    const v = verifyComplaints(file);
    assert.deepEqual(v.ours, [], v.stderr);
    const added = failedChecks(file).filter((n) => !(n in ACCEPTED_EXPOSURES));
    assert.deepEqual(added, ["AmbientCapabilities=", "CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "PrivateUsers="]);
    assert.ok(overallExposure(file).exposure <= 2.0);
  });

  it("the unit's settings the analysis cannot judge: user, data directory, serial ports, system calls, exit codes", () => {
    assert.equal(one(unit, "Service.User"), "htr-scada");
    assert.equal(one(unit, "Service.Group"), "htr-scada");
    assert.equal(unit.has("Service.DynamicUser"), false, "a static user: DynamicUser= would change the data's owner between installs");
    assert.deepEqual(unit.get("Service.SupplementaryGroups"), ["dialout"]);
    const env = new Map((unit.get("Service.Environment") ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    assert.equal(env.get("SCADA_DATA_DIR"), `/var/lib/${one(unit, "Service.StateDirectory")}`, "SCADA_DATA_DIR is the StateDirectory");
    assert.equal(one(unit, "Service.StateDirectoryMode"), "0750");
    assert.equal(one(unit, "Service.UMask"), "0027");
    assert.equal(one(unit, "Service.DevicePolicy"), "closed");
    assert.deepEqual(unit.get("Service.DeviceAllow"), ["char-ttyS rw", "char-ttyUSB rw", "char-ttyACM rw"]);
    assert.deepEqual(one(unit, "Service.RestrictAddressFamilies").split(/\s+/).sort(), ["AF_INET", "AF_INET6", "AF_UNIX"]);
    assert.equal(unit.has("Service.MemoryDenyWriteExecute"), false, "MemoryDenyWriteExecute= stops V8's JIT");
    // An allow list, the privileged and resource calls taken out, capset put back for setpriv (found by running
    // the unit: "setpriv: activate capabilities: Operation not permitted"), EPERM rather than SIGSYS.
    assert.deepEqual(unit.get("Service.SystemCallFilter"), ["@system-service", "~@privileged @resources", "capset"]);
    assert.equal(one(unit, "Service.SystemCallErrorNumber"), "EPERM");
    // The refused starts (src/core/start-refusal.ts) fail again the same way: no restart for them.
    const refused = Object.values(START_EXIT_CODES).filter((c) => c !== START_EXIT_CODES.failed).sort();
    assert.deepEqual(one(unit, "Service.RestartPreventExitStatus").split(/\s+/).map(Number).sort(), refused);
    assert.equal(one(unit, "Service.Restart"), "on-failure");
    assert.equal(one(unit, "Service.KillMode"), "mixed");
  });

  it("systemd-sysusers and systemd-tmpfiles create the user and directories in a scratch root (--root), as the unit expects them", function () {
    const sysusers = readFileSync(SYSUSERS, "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    assert.deepEqual(sysusers, ['u htr-scada - "HTR line SCADA" /var/lib/htr-scada /usr/sbin/nologin']);
    const tmpfiles = readFileSync(TMPFILES, "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) => l.split(/\s+/));
    assert.deepEqual(tmpfiles, [
      ["d", "/var/lib/htr-scada", "0750", "htr-scada", "htr-scada", "-"],
      ["d", "/etc/htr-scada", "0750", "root", "htr-scada", "-"],
      ["d", "/etc/htr-scada/plc-config", "0750", "root", "htr-scada", "-"],
    ]);
    const env = new Map((unit.get("Service.Environment") ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    assert.equal(tmpfiles[0]![1], env.get("SCADA_DATA_DIR"), "tmpfiles makes the unit's SCADA_DATA_DIR");
    assert.equal(tmpfiles[2]![1], env.get("SCADA_CONFIG_DIR"), "tmpfiles makes the unit's SCADA_CONFIG_DIR");
    assert.equal(tmpfiles[0]![2], one(unit, "Service.StateDirectoryMode"), "tmpfiles and StateDirectoryMode= agree");
    if (process.getuid?.() !== 0) this.skip(); // tmpfiles chowns: as another user only the lines are checked

    const r = join(root, "root");
    mkdirSync(join(r, "etc"), { recursive: true });
    const base = { passwd: "root:x:0:0:root:/root:/bin/sh\n", group: "root:x:0:\ndialout:x:20:\n", shadow: "root:*:19000:0:99999:7:::\n", gshadow: "root:*::\ndialout:*::\n" };
    for (const [f, content] of Object.entries(base)) writeFileSync(join(r, "etc", f), content, { mode: f.endsWith("shadow") ? 0o600 : 0o644 });
    // --dry-run: says what it would make, writes nothing. (A configuration path outside the root is read from
    // the host's file system, which is what we want: the file in this checkout.)
    const dry = run("/usr/bin/systemd-sysusers", ["--dry-run", `--root=${r}`, SYSUSERS]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout + dry.stderr, /Creating user 'htr-scada'/);
    assert.equal(readFileSync(join(r, "etc", "passwd"), "utf8"), base.passwd);

    const made = run("/usr/bin/systemd-sysusers", [`--root=${r}`, SYSUSERS]);
    assert.equal(made.status, 0, made.stderr);
    const user = readFileSync(join(r, "etc", "passwd"), "utf8").split("\n").find((l) => l.startsWith("htr-scada:"))?.split(":");
    assert.ok(user, "no htr-scada in passwd");
    const [, , uid, gid, , home, shell] = user;
    assert.ok(Number(uid) > 0 && Number(uid) < 1000, `uid ${uid} is not a system uid`);
    assert.equal(home, `/var/lib/${one(unit, "Service.StateDirectory")}`);
    assert.equal(shell, "/usr/sbin/nologin");
    assert.match(readFileSync(join(r, "etc", "group"), "utf8"), new RegExp(`^htr-scada:x:${gid}:$`, "m"));
    const again = run("/usr/bin/systemd-sysusers", [`--root=${r}`, SYSUSERS]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(readFileSync(join(r, "etc", "passwd"), "utf8").match(/^htr-scada:/gm)?.length, 1, "a second run made a second user");

    const t = run("/usr/bin/systemd-tmpfiles", ["--create", `--root=${r}`, TMPFILES]);
    assert.equal(t.status, 0, t.stderr);
    const owner = (p: string) => {
      const s = statSync(join(r, p));
      return { mode: (s.mode & 0o7777).toString(8), uid: s.uid, gid: s.gid, dir: s.isDirectory() };
    };
    assert.deepEqual(owner("var/lib/htr-scada"), { mode: "750", uid: Number(uid), gid: Number(gid), dir: true });
    assert.deepEqual(owner("etc/htr-scada"), { mode: "750", uid: 0, gid: Number(gid), dir: true });
    assert.deepEqual(owner("etc/htr-scada/plc-config"), { mode: "750", uid: 0, gid: Number(gid), dir: true });
  });
});
