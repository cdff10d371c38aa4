import { loadConfig, formatProblem } from "../src/config/config-loader.js";
const r = loadConfig(process.argv[2] ?? "plc-config");
if (r.ok) console.log("OK", r.config.tags.length); else console.log(r.problems.map(formatProblem).join("\n"));
