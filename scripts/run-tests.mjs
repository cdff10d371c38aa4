#!/usr/bin/env node
// `npm test`: the three suites (unit, integration, e2e), each in its own mocha process, one after the other,
// then one closing line CI reads: "N passed, N failed, N skipped" (the sums).
//
// Why separate processes: in one process the heap that hundreds of unit and integration runtimes leave
// behind made the e2e runs' garbage collections long enough (≥ 0.5 s) to age the in-process virtual plant's
// values to Uncertain and trip IL-08 / IL-13 — a stall no plant would see, since a real SCADA is its own
// process. Each suite still runs its files in one process, in order, as before.
//
// Arguments after `npm test --` go to every mocha run (e.g. `npm test -- --grep roll`).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SUITES = [
  { name: "unit", glob: "test/unit/**/*.test.ts" },
  { name: "integration", glob: "test/integration/**/*.test.ts" },
  { name: "e2e", glob: "test/e2e/**/*.test.ts" },
];

const extra = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), "htr-tests-"));
const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

for (const suite of SUITES) {
  const summaryFile = join(dir, `${suite.name}.json`);
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join("node_modules", "mocha", "bin", "mocha.js"), suite.glob, ...extra], {
      stdio: "inherit",
      env: { ...process.env, HTR_TEST_SUMMARY_FILE: summaryFile },
    });
    child.on("exit", (c, signal) => resolve(c ?? (signal ? `signal ${signal}` : 1)));
    child.on("error", (err) => resolve(`spawn error ${err.message}`));
  });
  let counts;
  try {
    counts = JSON.parse(readFileSync(summaryFile, "utf8"));
  } catch {
    // Mocha ended before its reporter's end (a crash, a kill): the suite counts as one failure.
    counts = { passed: 0, failed: 1, skipped: 0 };
    console.log(`\n${suite.name}: mocha ended without a summary (exit ${code}) — counted as 1 failure`);
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  lines.push(`  ${suite.name.padEnd(12)} ${counts.passed} passing, ${counts.failed} failing, ${counts.skipped} pending (${Math.round((Date.now() - started) / 1000)} s)`);
}
rmSync(dir, { recursive: true, force: true });

console.log(`\nsuites (each its own process):\n${lines.join("\n")}\n`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed === 0 ? 0 : 1);
