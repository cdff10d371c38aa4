import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// ARCHITECTURE.md "Who may import whom", checked on the real source tree.
const SRC = resolve("src");

/** Top-level area of a file under src/ ("core", "tags", "drivers", …; "main"/"runtime" for the roots). */
function areaOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split("/")[0]!;
  return first.endsWith(".ts") ? first.replace(/\.ts$/, "") : first;
}

const PURE = new Set(["tags", "interlocks", "alarms", "recipes", "quality", "audit", "auth"]);
const ADAPTER_LIBS = ["node-opcua", "modbus-serial", "influx", "better-sqlite3"];
const ADAPTERS = new Set(["drivers", "historian", "sim", "stores"]);
/** Ports and pure helpers inside adapter areas that other layers may use. */
const ADAPTER_PORTS = new Set(["drivers/driver-port.ts", "drivers/device-health.ts", "sim/plant-io.ts"]);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith(".ts") ? [full] : [];
  });
}

interface Import {
  from: string;
  spec: string;
  /** Resolved source file for relative imports. */
  target?: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const spec = (m[1] ?? m[2])!;
    const imp: Import = { from: file, spec };
    if (spec.startsWith(".")) imp.target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
    out.push(imp);
  }
  return out;
}

/** Every violation of the rules, as "file imports spec: why". */
export function violations(files: string[], readImports: (file: string) => Import[] = importsOf): string[] {
  const bad: string[] = [];
  for (const file of files) {
    const area = areaOf(file);
    const rel = relative(SRC, file);
    for (const imp of readImports(file)) {
      const say = (why: string) => bad.push(`${rel} imports ${imp.spec}: ${why}`);
      if (!imp.target) {
        const lib = ADAPTER_LIBS.find((l) => imp.spec === l || imp.spec.startsWith(`${l}/`));
        if (lib && !ADAPTERS.has(area)) say(`only adapters (${[...ADAPTERS].join(", ")}) may use ${lib}`);
        continue;
      }
      const targetArea = areaOf(imp.target);
      const targetRel = relative(SRC, imp.target);
      if (targetArea === "main") say("nothing imports main");
      if (targetArea === "runtime" && area !== "main") say("only main imports the composition root");
      if (targetArea === "server" && area !== "server" && area !== "runtime" && area !== "main") say("nothing imports server");
      if (area === "core" && targetArea !== "core") say("core imports only core");
      if (PURE.has(area) && !(targetArea === "core" || PURE.has(targetArea))) say(`pure domain '${area}' imports only core and pure domains`);
      if (area === "server" && ADAPTERS.has(targetArea) && !ADAPTER_PORTS.has(targetRel)) say("server talks to services, never to adapters");
      if (area === "control" && ADAPTERS.has(targetArea) && !ADAPTER_PORTS.has(targetRel)) say("control uses ports, not adapters");
    }
  }
  return bad;
}

/** Import cycles between files, as lists of files. */
export function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).flatMap((i) => (i.target ? [i.target] : []))]));
  const found: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, "visiting");
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === "visiting") found.push(stack.slice(stack.indexOf(t)).map((x) => relative(SRC, x)));
      else if (!state.has(t) && graph.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe("import rules (ARCHITECTURE.md)", () => {
  const files = walk(SRC);

  it("finds the source tree", () => {
    assert.ok(files.length > 20, `only ${files.length} files under src/`);
  });

  it("every import follows who-may-import-whom", () => {
    assert.deepEqual(violations(files), []);
  });

  it("has no import cycles", () => {
    assert.deepEqual(cycles(files), []);
  });

  it("the checker catches each kind of violation (so it can fail)", () => {
    const f = (p: string) => join(SRC, p);
    const fakeImports: Record<string, Import[]> = {
      [f("tags/a.ts")]: [{ from: f("tags/a.ts"), spec: "../drivers/modbus/x.js", target: f("drivers/modbus/x.ts") }],
      [f("core/b.ts")]: [{ from: f("core/b.ts"), spec: "../tags/t.js", target: f("tags/t.ts") }],
      [f("alarms/c.ts")]: [{ from: f("alarms/c.ts"), spec: "node-opcua" }],
      [f("server/d.ts")]: [{ from: f("server/d.ts"), spec: "../sim/virtual-plant.js", target: f("sim/virtual-plant.ts") }],
      [f("control/e.ts")]: [{ from: f("control/e.ts"), spec: "../runtime.js", target: f("runtime.ts") }],
    };
    const found = violations(Object.keys(fakeImports), (file) => fakeImports[file] ?? []);
    assert.equal(found.length, 5, found.join("\n"));
    assert.match(found.join("\n"), /only adapters .* may use node-opcua/);
  });
});
