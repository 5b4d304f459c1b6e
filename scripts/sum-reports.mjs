// Sums vitest JSON reports into the one closing line CI reads:
// "N passed, N failed". A missing or unreadable report counts as a failure.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, ...labels] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;
for (const label of labels) {
  try {
    const report = JSON.parse(readFileSync(join(dir, `${label}.json`), "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
    // A suite that failed to load has no failed test but is still a failure.
    if (!report.success || report.numFailedTestSuites > 0) broken = true;
    if (report.numTotalTests === 0) broken = true;
  } catch (error) {
    console.error(`no usable report for ${label}: ${error.message}`);
    broken = true;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || broken ? 1 : 0);
