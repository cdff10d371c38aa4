// Mocha's spec reporter, plus the closing counts. Run alone (`npx mocha …`): one line, "N passed, N failed,
// N skipped". Under `npm test` (scripts/run-tests.mjs, HTR_TEST_SUMMARY_FILE set): the counts go to that
// file as JSON, and the runner prints the one line of the sums of its suites.
"use strict";
const { writeFileSync } = require("node:fs");
const Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once("end", () => {
      const s = this.stats;
      const file = process.env.HTR_TEST_SUMMARY_FILE;
      if (file) writeFileSync(file, JSON.stringify({ passed: s.passes, failed: s.failures, skipped: s.pending }));
      else process.stdout.write(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;
