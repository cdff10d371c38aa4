import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ICruiseOptions, type ICruiseResult, cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

// ARCHITECTURE.md "Who may import whom", as the dependency-cruiser rules of .dependency-cruiser.cjs: run over
// the real tree (src/ and the HMI), and each rule shown to fail on a planted violation.
const CONFIG = resolve(".dependency-cruiser.cjs");
const FIXTURES = resolve("test/fixtures/dependency-rules");

/**
 * Each fixture tree (test/fixtures/dependency-rules/<rule>[+<variant>]/) is a little repository with exactly
 * one planted violation of <rule>, and the violations the cruise must find there: `rule: from → to`.
 */
const PLANTED: Record<string, readonly string[]> = {
  // A cycle is reported once, at its first edge.
  "no-circular": ["no-circular: src/tags/tag-a.ts → src/tags/tag-b.ts"],
  "not-to-unresolvable": ["not-to-unresolvable: src/tags/tag-a.ts → ./missing.js"],
  "core-imports-only-core": ["core-imports-only-core: src/core/clock.ts → src/tags/tag-value.ts"],
  "pure-imports-only-core-and-pure": ["pure-imports-only-core-and-pure: src/control/line-service.ts → src/stores/snapshot-store.ts"],
  "pure-no-node-io": ["pure-no-node-io: src/recipes/recipe-files.ts → fs"],
  "pure-no-node-io+require": ["pure-no-node-io: src/audit/audit-record.ts → net"],
  "pure-no-node-io+dynamic-import": ["pure-no-node-io: src/core/clock.ts → child_process"],
  "pure-no-node-io+get-builtin-module": ["pure-no-node-io: src/tags/tag-table.ts → http"],
  "pure-no-io-library": ["pure-no-io-library: src/alarms/alarm-routes.ts → node_modules/express/index.js"],
  "only-adapters-use-io-libraries": ["only-adapters-use-io-libraries: src/server/plc-route.ts → node_modules/modbus-serial/index.js"],
  "server-not-to-adapters": ["server-not-to-adapters: src/server/history-routes.ts → src/historian/historian-writer.ts"],
  "nothing-imports-server": ["nothing-imports-server: src/config/check-config-command.ts → src/server/app.ts"],
  "hmi-imports-only-socket-contract": ["hmi-imports-only-socket-contract: hmi/src/tag-page.ts → src/tags/tag-table.ts"],
  "only-main-imports-runtime": ["only-main-imports-runtime: src/sim/virtual-plant-service.ts → src/runtime.ts"],
  "nothing-imports-main": ["nothing-imports-main: src/config/check-config-command.ts → src/main.ts"],
  "pure-no-node-io+site": ["pure-no-node-io: src/site/site-state.ts → fs"],
  "site-pure-imports-only-core": ["site-pure-imports-only-core: src/site/site-plan.ts → src/config/site-config-loader.ts"],
  "site-not-to-line-internals": ["site-not-to-line-internals: src/site/site-overview.ts → src/control/line-service.ts"],
  "nothing-imports-site": ["nothing-imports-site: src/server/line-routes.ts → src/site/site-state.ts"],
};

let options: ICruiseOptions;
let tsConfig: ReturnType<typeof extractTSConfig>;

/** The violations the rules find in a tree (its src/ and hmi/src/), as `rule: from → to`, npm paths from the repository. */
async function violationsIn(baseDir: string): Promise<string[]> {
  const roots = ["src", "hmi/src"].filter((d) => existsSync(join(baseDir, d)));
  const { output } = await cruise(roots, { ...structuredClone(options), baseDir }, {}, { tsConfig });
  const result = output as ICruiseResult;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^(\.\.\/)+(?=node_modules\/)/, "")}`);
}

describe("dependency rules (.dependency-cruiser.cjs, ARCHITECTURE.md)", function () {
  this.timeout(60_000);

  before(async () => {
    options = await extractDepcruiseOptions(CONFIG);
    tsConfig = extractTSConfig(resolve("tsconfig.json"));
  });

  it("src/ and hmi/src/ follow every rule", async () => {
    const found = await violationsIn(resolve("."));
    assert.deepEqual(found, [], `dependency rules broken (see .dependency-cruiser.cjs for each rule's reason):\n${found.join("\n")}`);
  });

  it("every rule has a planted violation, and every fixture tree is listed here", () => {
    const rules = (options.ruleSet?.forbidden ?? []).map((r) => r.name ?? "(unnamed)");
    const planted = new Set(Object.keys(PLANTED).map((tree) => tree.split("+")[0]));
    assert.deepEqual(rules.filter((r) => !planted.has(r)), [], "rules without a planted violation");
    assert.deepEqual(readdirSync(FIXTURES).sort(), Object.keys(PLANTED).sort());
  });

  for (const [tree, expected] of Object.entries(PLANTED)) {
    const rule = tree.split("+")[0]!;
    it(`${rule} fires on its planted violation${tree === rule ? "" : ` (${tree.slice(rule.length + 1)})`}, and no other rule does`, async () => {
      const found = await violationsIn(join(FIXTURES, tree));
      assert.deepEqual(found, expected);
    });
  }
});
