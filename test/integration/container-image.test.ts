/**
 * The container image without a Docker engine: the Dockerfile's runtime stage reproduced for real. The test
 * builds what the build stage builds (`npm run build`, the HMI), prunes a copy of node_modules with the build
 * stage's own `npm prune` line, lays out a root file system in a temp directory exactly as the runtime
 * stage's COPY lines say (read from the Dockerfile: one source of truth), and runs the image's ENTRYPOINT
 * there with its ENV (absolute paths under that root), its WORKDIR, its USER (when the test runs as root) and
 * a PATH with `node` alone — no influxd, as in the image. Then `check-config`, `start --sim`, /healthz, the
 * HMI at /, and the HEALTHCHECK's own command line against the running app and against no app.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { type Child, spawnChild } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

const REPO = resolve(".");
const execFileAsync = promisify(execFile);

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}
interface Stage {
  readonly from: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

/** The Dockerfile as stages of instructions: continuation lines joined, comments dropped, ARGs before FROM substituted. */
function parseDockerfile(text: string): { stages: Stage[]; globalArgs: Record<string, string> } {
  const instructions: Instruction[] = [];
  let pending = "";
  let startLine = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) return;
    if (pending !== "" && line.startsWith("#")) return; // a comment inside a continued instruction
    if (pending === "") startLine = i + 1;
    pending += `${line.replace(/\\$/, "")} `;
    if (line.endsWith("\\")) return;
    const m = /^(\S+)\s+(.*)$/.exec(pending.trim());
    if (!m) throw new Error(`Dockerfile:${startLine}: cannot parse '${pending.trim()}'`);
    instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: startLine });
    pending = "";
  });
  const globalArgs: Record<string, string> = {};
  const stages: { from: string; name: string | null; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile:${ins.line}: cannot parse FROM ${ins.args}`);
      const from = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[(a ?? b)!] ?? "");
      stages.push({ from, name: m[2] ?? null, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== "ARG") throw new Error(`Dockerfile:${ins.line}: ${ins.keyword} before the first FROM`);
      const [k, v = ""] = ins.args.split("=");
      globalArgs[k!] = v;
    } else stages.at(-1)!.instructions.push(ins);
  }
  return { stages, globalArgs };
}

const of = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string): Instruction => {
  const found = of(stage, keyword).at(-1);
  if (!found) throw new Error(`the ${stage.name ?? "last"} stage has no ${keyword}`);
  return found;
};
const jsonArray = (ins: Instruction, text = ins.args): string[] => {
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw new Error(`Dockerfile:${ins.line}: ${ins.keyword} must be a JSON array of strings`);
  return v as string[];
};

interface Copy {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly line: number;
}
function copiesOf(stage: Stage): Copy[] {
  return of(stage, "COPY").map((ins) => {
    const words = ins.args.split(/\s+/);
    if (words[0]?.startsWith("[")) throw new Error(`Dockerfile:${ins.line}: COPY in JSON form is not read by this test`);
    let from: string | null = null;
    while (words[0]?.startsWith("--")) {
      const flag = words.shift()!;
      const m = /^--from=(.+)$/.exec(flag);
      if (m) from = m[1]!;
      else if (!/^--(chown|chmod|link)(=|$)/.test(flag)) throw new Error(`Dockerfile:${ins.line}: COPY flag ${flag} is not reproduced by this test`);
    }
    const dest = words.pop()!;
    return { from, sources: words, dest, line: ins.line };
  });
}

/** ENV K=V … (the form this Dockerfile uses; quotes are not read). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of of(stage, "ENV")) {
    for (const pair of ins.args.split(/\s+/)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^"'\s]*)$/.exec(pair);
      if (!m) throw new Error(`Dockerfile:${ins.line}: ENV '${pair}' is not K=V`);
      env[m[1]!] = m[2]!;
    }
  }
  return env;
}

/** Docker's matching, as far as an allow-list needs it: the last pattern that matches a path (or a parent) wins. */
function dockerignored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, "");
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "(.*/)?").replace(/\*/g, "[^/]*")}(/.*)?$`);
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const runtime = dockerfile.stages.at(-1)!;
const buildStage = (name: string): Stage => {
  const s = dockerfile.stages.find((st) => st.name === name);
  if (!s) throw new Error(`no stage named ${name}`);
  return s;
};

/** The HEALTHCHECK's command (exec form), its options left out. */
function healthcheckCommand(): string[] {
  const ins = last(runtime, "HEALTHCHECK");
  const m = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(ins.args);
  if (!m) throw new Error(`Dockerfile:${ins.line}: HEALTHCHECK must be 'CMD [json]'`);
  return jsonArray(ins, m[1]);
}

describe("container image: the Dockerfile's runtime stage, assembled and run for real", function () {
  this.timeout(120_000);
  let tmp: string;
  /** The image's root file system. */
  let root: string;
  /** The image's environment, its paths under `root`. */
  let env: Record<string, string>;
  let workdir: string;
  let user: { uid: number; gid: number } | null;
  const times: Record<string, number> = {};

  const timed = <T>(what: string, f: () => T): T => {
    const t0 = Date.now();
    try {
      return f();
    } finally {
      times[what] = Date.now() - t0;
    }
  };
  const inRoot = (p: string): string => join(root, p);

  /** `argv` as the container runs it: its USER, in its WORKDIR, with its environment (+ `extra`). */
  const inImage = (argv: readonly string[], extra: Record<string, string> = {}): Child => {
    const chdir = ["/usr/bin/env", `--chdir=${workdir}`, ...argv];
    const asUser = user ? ["/usr/bin/setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--", ...chdir] : chdir;
    return spawnChild(asUser[0]!, asUser.slice(1), { env: { ...env, ...extra }, stdin: "ignore", name: argv.join(" ").slice(0, 80) });
  };

  before(async function () {
    this.timeout(150_000);
    tmp = mkdtempSync(join(tmpdir(), "container-image-"));
    chmodSync(tmp, 0o755);
    root = join(tmp, "root");
    const stage = join(tmp, "stage-build"); // the build stage's WORKDIR, what the runtime stage copies from
    const build = buildStage("build");
    const buildWorkdir = last(build, "WORKDIR").args;
    const runs = of(build, "RUN").map((r) => r.args);
    // What the build stage builds, built here the same way.
    for (const step of ["npm ci", "npm run build:hmi", "npm run build", "npm prune --omit=dev"]) {
      assert.ok(runs.some((r) => r.includes(step)), `the build stage does not run '${step}'`);
    }
    // `npm run build` (tsc, the slow part) runs while node_modules is copied and pruned: they do not meet.
    const outDir = (JSON.parse(readFileSync(join(REPO, "tsconfig.build.json"), "utf8")) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;
    const t0 = Date.now();
    const failed = (what: string) => (e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`${what} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`); // tsc reports on stdout
    };
    const compiled = execFileAsync("npm", ["run", "--silent", "build"], { cwd: REPO }).then(() => (times["npm run build"] = Date.now() - t0), failed("npm run build"));
    compiled.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    timed("hmi (ensure-deps --hmi-only)", () => execFileSync(process.execPath, ["scripts/ensure-deps.mjs", "--hmi-only"], { cwd: REPO, stdio: "pipe" }));
    // The build stage's tree: what the runtime stage takes from it, plus the lock file its prune reads.
    const fromBuild = copiesOf(runtime).filter((c) => c.from === "build");
    assert.ok(fromBuild.length > 0, "the runtime stage copies nothing from the build stage");
    const toStage = (src: string): void => {
      const rel = posix.relative(buildWorkdir, src);
      assert.ok(!rel.startsWith(".."), `COPY --from=build ${src} is outside the build stage's WORKDIR ${buildWorkdir}`);
      mkdirSync(dirname(join(stage, rel)), { recursive: true });
      execFileSync("cp", ["-a", join(REPO, rel), join(stage, rel)]); // cp -a: 5× faster than cpSync on node_modules
    };
    const sources = [posix.join(buildWorkdir, "package-lock.json"), ...fromBuild.flatMap((c) => c.sources)];
    const isOutput = (src: string): boolean => posix.relative(buildWorkdir, src) === posix.normalize(outDir);
    assert.ok(sources.some(isOutput), `the runtime stage does not copy the compiled JS (${outDir}) from the build stage`);
    timed("copy the build stage's files", () => sources.filter((src) => !isOutput(src)).forEach(toStage));
    const prune = runs.find((r) => r.includes("npm prune"))!;
    const t1 = Date.now();
    const pruned = execFileAsync("sh", ["-c", prune], { cwd: stage, env: process.env }).then(() => (times["prune (the build stage's RUN line)"] = Date.now() - t1), failed(prune));
    pruned.catch(() => undefined);
    await Promise.all([compiled, pruned]);
    sources.filter(isOutput).forEach(toStage);
    // The runtime stage's COPY lines, in order, into the image's root.
    workdir = inRoot(last(runtime, "WORKDIR").args);
    timed("assemble the runtime stage", () => {
      for (const c of copiesOf(runtime)) {
        assert.ok(c.from === null || c.from === "build", `Dockerfile:${c.line}: COPY --from=${c.from} is not reproduced by this test`);
        for (const src of c.sources) {
          const from = c.from === "build" ? join(stage, posix.relative(buildWorkdir, src)) : join(REPO, src);
          const to = c.dest.startsWith("/") ? inRoot(c.dest) : join(workdir, c.dest);
          mkdirSync(dirname(to), { recursive: true });
          // The build stage's tree is ours to take apart: moved, not copied again.
          if (c.from === "build") renameSync(from, to);
          else cpSync(from, to, { recursive: true, verbatimSymlinks: true });
        }
      }
    });
    // The image's environment: ENV (absolute paths into the root), HOME of its user, a PATH with node alone.
    const bin = join(tmp, "usr-local-bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    env = { PATH: bin, HOME: inRoot("/var/lib/htr-scada"), TMPDIR: inRoot("/tmp") };
    for (const [k, v] of Object.entries(envOf(runtime))) env[k] = v.startsWith("/") ? inRoot(v) : v;
    mkdirSync(env.TMPDIR!, { recursive: true, mode: 0o1777 });
    chmodSync(env.TMPDIR!, 0o1777);
    // The data directory as the runtime stage's RUN makes it: owned by the image's user, 0750.
    const [uid, gid] = last(runtime, "USER").args.split(":").map(Number);
    user = process.getuid?.() === 0 ? { uid: uid!, gid: gid ?? uid! } : null;
    mkdirSync(env.SCADA_DATA_DIR!, { recursive: true });
    if (user) chownSync(env.SCADA_DATA_DIR!, user.uid, user.gid);
    chmodSync(env.SCADA_DATA_DIR!, 0o750);
    console.log(`      times (ms): ${JSON.stringify(times)}${user ? "" : " (not root: run as this user, not the image's)"}`);
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("the Dockerfile: node:20-bookworm-slim, build tools only in the build stage, non-root, the data volume, port 8080, the documented environment, no influxd, no secrets", () => {
    for (const s of dockerfile.stages) assert.equal(s.from, "node:20-bookworm-slim", `stage ${s.name}`);
    const runtimeText = runtime.instructions.map((i) => `${i.keyword} ${i.args}`).join("\n");
    assert.doesNotMatch(runtimeText, /apt-get install|g\+\+|python3|make /, "build tools in the runtime stage");
    assert.doesNotMatch(runtimeText, /influx/i, "influxdb in the image");
    const [uid] = last(runtime, "USER").args.split(":");
    assert.match(uid!, /^[1-9]\d*$/, "USER must be a numeric uid other than 0");
    assert.deepEqual(jsonArray(last(runtime, "VOLUME")), ["/var/lib/htr-scada"]);
    assert.equal(last(runtime, "EXPOSE").args, "8080");
    const e = envOf(runtime);
    assert.deepEqual(
      { PORT: e.PORT, HOST: e.HOST, SCADA_DATA_DIR: e.SCADA_DATA_DIR, LOG_FORMAT: e.LOG_FORMAT },
      { PORT: "8080", HOST: "0.0.0.0", SCADA_DATA_DIR: "/var/lib/htr-scada", LOG_FORMAT: "json" },
    );
    assert.ok(e.SCADA_CONFIG_DIR, "SCADA_CONFIG_DIR");
    for (const secret of ["INFLUX_URL", "SCADA_ADMIN_PASSWORD"]) assert.equal(e[secret], undefined, `${secret} built into the image`);
    assert.deepEqual(healthcheckCommand().slice(0, 2), ["node", "-e"]);
    assert.match(healthcheckCommand()[2]!, /\/healthz/);
    assert.match(jsonArray(last(runtime, "ENTRYPOINT")).join(" "), /^node .*build\/main\.js$/);
    // The build context: every COPY from it let in by .dockerignore, and nothing private.
    const ignore = readFileSync(join(REPO, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
    for (const s of dockerfile.stages) {
      for (const c of copiesOf(s).filter((cp) => cp.from === null)) {
        for (const src of c.sources) {
          assert.equal(dockerignored(ignore, src), false, `Dockerfile:${c.line}: ${src} is left out of the build context by .dockerignore`);
          assert.ok(existsSync(join(REPO, src)), `Dockerfile:${c.line}: ${src} does not exist`);
        }
      }
    }
    for (const p of ["var/scada.db", "deploy/.env", "node_modules/express/package.json", ".git/config", "build/main.js", "hmi/dist/index.html", "test/helpers/setup.ts"]) {
      assert.equal(dockerignored(ignore, p), true, `${p} would be sent to the build`);
    }
  });

  it("holds what it runs on: compiled JS with its package.json, production modules only, the HMI, plc-config; no TypeScript sources or tooling", () => {
    assert.ok(existsSync(join(workdir, "build", "main.js")));
    assert.equal((JSON.parse(readFileSync(join(workdir, "package.json"), "utf8")) as { type?: string }).type, "module");
    assert.ok(existsSync(join(workdir, "hmi", "dist", "index.html")));
    assert.ok(existsSync(join(workdir, "plc-config", "devices.yaml")));
    for (const prod of ["express", "better-sqlite3", "node-opcua", "influx"]) assert.ok(existsSync(join(workdir, "node_modules", prod)), prod);
    for (const dev of ["tsx", "typescript", "mocha", "vite", "playwright-core", ".vite-temp"]) assert.equal(existsSync(join(workdir, "node_modules", dev)), false, `${dev} in the image`);
    assert.equal(existsSync(join(workdir, "src")), false);
  });

  it("check-config: the shipped plc-config is valid (exit 0)", async () => {
    const child = inImage([...jsonArray(last(runtime, "ENTRYPOINT")), "check-config"]);
    const code = await child.exited;
    assert.equal(code, 0, child.output());
    assert.match(child.stdout(), /^config OK: .* \(.*\/app\/plc-config\)$/im);
  });

  it("start --sim: /healthz 200, the HMI at /, the HEALTHCHECK passes; after SIGTERM a clean exit and the HEALTHCHECK fails", async () => {
    // The virtual plant listens on the PLC ports of the configuration: moved to free ones, as every test does.
    const free = await realConfigOnFreePorts();
    cpSync(join(free.dir, "devices.yaml"), join(inRoot(envOf(runtime).SCADA_CONFIG_DIR!), "devices.yaml"));
    rmSync(free.dir, { recursive: true, force: true });
    const marker = join(tmp, "started");
    execFileSync("touch", [marker]);
    const port = await freePort();
    const runEnv = { PORT: String(port), SCADA_ADMIN_PASSWORD: "Container-Test-Secret-2026" };
    const healthcheck = async (): Promise<number | null> => {
      const hc = inImage(healthcheckCommand(), runEnv);
      await waitFor("the healthcheck to finish", 10_000, () => hc.proc.exitCode !== null || hc.proc.signalCode !== null, 20);
      return hc.exited;
    };
    const scada = inImage([...jsonArray(last(runtime, "ENTRYPOINT")), "start", "--sim"], runEnv);
    const base = `http://127.0.0.1:${port}`;
    try {
      const t0 = Date.now();
      await waitFor("/healthz to answer 200", 45_000, async () => {
        if (scada.proc.exitCode !== null) throw new Error(`the SCADA exited (${scada.proc.exitCode}):\n${scada.output().slice(-3000)}`);
        return (await fetch(`${base}/healthz`).catch(() => null))?.status === 200;
      }, { everyMs: 100, observe: () => scada.output().slice(-2000) });
      times["start → /healthz 200"] = Date.now() - t0;
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: "alive" });
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      const html = await page.text();
      assert.equal(html, readFileSync(join(workdir, "hmi", "dist", "index.html"), "utf8"));
      const asset = /(?:src|href)="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(asset, html);
      assert.equal((await fetch(`${base}${asset}`)).status, 200);
      assert.equal(await healthcheck(), 0);
      // JSON log lines (LOG_FORMAT=json), no managed influxd (none in the image), data only in the volume.
      // "ready": both virtual PLCs answer — the plant's worker thread runs from the compiled build too.
      await scada.waitForOutput(/"msg":"HTR SCADA ready at /, 30_000);
      assert.match(scada.stdout(), /"target":"nowhere: INFLUX_URL is unset and influxd is not installed"/);
      assert.ok(existsSync(join(env.SCADA_DATA_DIR!, "scada.db")));
      if (user) assert.equal(statSync(join(env.SCADA_DATA_DIR!, "scada.db")).uid, user.uid, "not run as the image's USER");
    } finally {
      await scada.kill("SIGTERM", 10_000);
    }
    assert.equal(await scada.exited, 0, scada.output().slice(-3000));
    assert.equal(existsSync(join(env.SCADA_DATA_DIR!, "scada.pid")), false, "the data directory's lock left behind");
    assert.notEqual(await healthcheck(), 0);
    console.log(`      times (ms): ${JSON.stringify(times)}`);
    // The app wrote nothing outside its data directory and TMPDIR.
    const written = spawnSync("find", [root, "-newer", marker, "-type", "f"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((f) => f !== "" && !f.startsWith(`${env.SCADA_DATA_DIR!}/`) && !f.startsWith(`${env.TMPDIR!}/`))
      .map((f) => relative(root, f));
    assert.deepEqual(written, []);
  });
});
