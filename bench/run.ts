/**
 * `pnpm bench [--quick] [--no-write] [--only=spawn,heap]`: runs the row groups
 * one after another, prints each table, and (unless --quick or --no-write)
 * writes docs/benchmarks.md and docs/benchmarks.json. Exits 1 if a group threw.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { GROUPS, PREFACE } from "./groups.ts";
import { describeMachine, renderDocument, renderGroup } from "./lib/report.ts";
import type { Group } from "./lib/row.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const write = !quick && !args.includes("--no-write");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");

const machine = describeMachine(quick);
const started = performance.now();
const log = (message: string) => console.error(`  · ${message}`);
const groups: Group[] = [];
let failed = 0;

for (const [id, runner] of Object.entries(GROUPS)) {
  if (only && !only.includes(id)) continue;
  const t0 = performance.now();
  console.error(`▶ ${id}`);
  try {
    const group = await runner({ quick, log });
    groups.push(group);
    console.log(renderGroup(group));
  } catch (error) {
    failed += 1;
    console.error(`✖ ${id} threw:`, error);
  }
  console.error(`  ${id}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const durationS = Math.round((performance.now() - started) / 1000);
console.error(`suite: ${durationS} s, ${failed} group(s) failed`);

if (write && failed === 0) {
  const docs = new URL("../docs/", import.meta.url);
  await mkdir(docs, { recursive: true });
  const done = { ...machine, durationS };
  await writeFile(new URL("benchmarks.md", docs), renderDocument(done, groups, PREFACE));
  await writeFile(
    new URL("benchmarks.json", docs),
    `${JSON.stringify({ machine: done, groups }, null, 2)}\n`,
  );
  console.error("wrote docs/benchmarks.md and docs/benchmarks.json");
} else if (write) {
  console.error("not writing docs/: a group failed");
}

process.exitCode = failed > 0 ? 1 : 0;
