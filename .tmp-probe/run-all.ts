import { readdirSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCheckConfig } from "../src/config/check-config-command.js";
const root = "test/fixtures/config-broken";
for (const c of readdirSync(root).sort()) {
  const dt = join(root, c, "dir.txt");
  const dir = existsSync(dt) ? join(root, c, readFileSync(dt, "utf8").trim()) : join(root, c);
  console.log(`== ${c}`);
  const rc = runCheckConfig(dir, { log: (s) => console.log("LOG " + s), error: (s) => console.log("   " + s) });
  console.log(`   rc=${rc}`);
}
