// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints one JSON
// line per figure: our figure, the raw-library baseline measured in the same run, the ratio and the goal.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchFigure, BenchRun } from "./bench-figure.js";

const dir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

process.env.LOG_LEVEL ??= "silent";
// node-opcua logs its warnings (default certificate created, PKCS#1 notes) to stdout: keep stdout JSON only
process.env.NODEOPCUA_LOG_LEVEL ??= "3";
let failed = 0;
for (const f of files) {
  try {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run: BenchRun };
    const figures: BenchFigure[] = await mod.run();
    for (const fig of figures) console.log(JSON.stringify({ bench: f.replace(/\.bench\.ts$/, ""), ...fig }));
  } catch (err) {
    failed++;
    console.log(JSON.stringify({ bench: f.replace(/\.bench\.ts$/, ""), error: String((err as Error).stack ?? err) }));
  }
}
process.exit(failed > 0 ? 1 : 0);
