#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a fresh machine of this kind, before anything else
// runs: node modules (npm ci when node_modules is missing or older than package-lock.json) and, for the
// tests, the Debian packages of the independent peers. As root it installs them itself and says so;
// otherwise it stops with the exact command to run. Uses only Node built-ins (node_modules may be absent).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const forTests = process.argv.includes("--test");
/** Only the HMI build check (the browser tests call it when run on their own, outside `npm test`). */
const hmiOnly = process.argv.includes("--hmi-only");
/** `npm run site:demo`: the site's broker too (a package the tests need, and the demo). */
const forSite = process.argv.includes("--site");

/** Debian packages, with how to tell they are there. */
const SYSTEM_PACKAGES = [
  // npm start runs the historian on a managed local influxd; without it (and not root to install it) the
  // line still runs, history spools to disk and an alarm says so: `optional` for start, required for tests.
  { pkg: "influxdb", why: "the historian's managed local InfluxDB (influxd)", present: () => existsSync("/usr/bin/influxd"), tests: false, optional: true },
  { pkg: "influxdb-client", why: "the influx CLI, the tests' independent reader of the history", present: () => existsSync("/usr/bin/influx"), tests: true },
  { pkg: "mbpoll", why: "independent Modbus client in the tests", present: () => existsSync("/usr/bin/mbpoll"), tests: true },
  { pkg: "chromium", why: "the browser the HMI end-to-end tests drive (playwright-core)", present: () => existsSync("/usr/bin/chromium"), tests: true },
  { pkg: "poppler-utils", why: "pdftoppm, the tests' independent rasteriser of the roll report PDF", present: () => existsSync("/usr/bin/pdftoppm"), tests: true },
  { pkg: "docker-compose", why: "a real Compose implementation the deployment test validates deploy/docker-compose.yml with (no engine needed)", present: () => existsSync("/usr/bin/docker-compose"), tests: true },
  { pkg: "mosquitto", why: "a real MQTT broker for the Sparkplug B tests (started by the tests on a free port)", present: () => existsSync("/usr/sbin/mosquitto"), tests: true, site: true },
  { pkg: "redis-server", why: "a real Redis for the HMI fan-out tests (socket.io Redis streams adapter; started by the tests on a free port)", present: () => existsSync("/usr/bin/redis-server"), tests: true },
  { pkg: "systemd", why: "systemd-analyze, which the deployment test runs on the hardened unit (verify, security)", present: () => existsSync("/usr/bin/systemd-analyze"), tests: true },
  {
    pkg: "python3-pymodbus",
    why: "third-party Modbus server in the tests",
    present: () => spawnSync("/usr/bin/python3", ["-c", "import pymodbus"], { stdio: "ignore" }).status === 0,
    tests: true,
  },
  // pymodbus' server imports serial and serial_asyncio: only Recommended by Debian's package, and apt runs
  // with --no-install-recommends, so they are asked for by name.
  {
    pkg: "python3-serial-asyncio",
    why: "the serial modules pymodbus' server imports (python3-serial comes with it)",
    present: () => spawnSync("/usr/bin/python3", ["-c", "import serial, serial_asyncio"], { stdio: "ignore" }).status === 0,
    tests: true,
  },
];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`ensure-deps: '${cmd} ${args.join(" ")}' failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function nodeModulesCurrent() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (!existsSync(marker)) return false;
  return !existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
}

if (!hmiOnly) {
  if (!nodeModulesCurrent()) {
    console.log("ensure-deps: installing node modules (npm ci) …");
    run("npm", existsSync(join(root, "package-lock.json")) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"]);
  }

  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const wanted = SYSTEM_PACKAGES.filter((p) => (forTests || !p.tests || (forSite && p.site)) && !p.present());
  // Starting the line as a normal user: an optional package that is missing is reported, not required.
  const missing = wanted.filter((p) => forTests || isRoot || !p.optional);
  for (const p of wanted.filter((w) => !missing.includes(w))) {
    console.warn(`ensure-deps: ${p.pkg} is not installed (${p.why}); history will spool to disk. To install: sudo apt-get install -y ${p.pkg}`);
  }
  if (missing.length > 0) {
    const names = missing.map((p) => p.pkg);
    if (!isRoot) {
      console.error("ensure-deps: missing Debian packages:");
      for (const p of missing) console.error(`  ${p.pkg} — ${p.why}`);
      console.error(`Run: sudo apt-get update && sudo apt-get install -y ${names.join(" ")}`);
      process.exit(1);
    }
    console.log(`ensure-deps: installing Debian packages: ${names.join(" ")} (running as root) …`);
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names]);
    const still = missing.filter((p) => !p.present());
    if (still.length > 0) {
      console.error(`ensure-deps: still missing after install: ${still.map((p) => p.pkg).join(" ")}`);
      process.exit(1);
    }
  }
}

// The operator HMI (hmi/ → hmi/dist): built when missing or older than any of its sources (or the socket
// contract it imports), so `npm start` and `npm test` serve the current one on a fresh clone.
function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}
const hmiDir = join(root, "hmi");
const hmiIndex = join(hmiDir, "dist", "index.html");
if (existsSync(hmiDir)) {
  const sources = Math.max(newestMtime(hmiDir), statSync(join(root, "src", "server", "socket-contract.ts")).mtimeMs);
  if (!existsSync(hmiIndex) || statSync(hmiIndex).mtimeMs < sources) {
    console.log("ensure-deps: building the HMI (npm run build:hmi) …");
    run("npm", ["run", "--silent", "build:hmi"]);
  }
}
