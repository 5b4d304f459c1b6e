/**
 * `pnpm bench [--quick] [--no-write] [--only=spawn,heap] [--out=<dir>]`: runs the row
 * groups one after another, prints each table and the goals, and writes
 * docs/benchmarks.md and docs/benchmarks.json (unless --quick or --no-write; --out
 * writes the two files to another folder, also with --quick). Exits 1 if a group threw.
 * Ours runs the packages' built `dist/` (the script builds them first; see lib/child.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { GOALS, GROUPS, PREFACE } from "./groups.ts";
import { endHosts } from "./lib/isolated.ts";
import {
  BUDGET_S,
  describeMachine,
  renderDocument,
  renderGoals,
  renderGroup,
  runWarnings,
} from "./lib/report.ts";
import type { Group } from "./lib/row.ts";

const args = process.argv.slice(2);
const option = (name: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = args.includes("--quick");
const out = option("out");
const write = out !== undefined || (!quick && !args.includes("--no-write"));
const only = option("only")?.split(",");
const unknown = only?.filter((id) => !(id in GROUPS)) ?? [];
if (unknown.length > 0) {
  console.error(
    `unknown group(s) ${unknown.join(", ")}; groups: ${Object.keys(GROUPS).join(", ")}`,
  );
  process.exit(2);
}

// Ours is measured as users run it: the built JavaScript, not the sources through tsx.
for (const name of ["@quiesce/core", "@quiesce/executor"]) {
  const url = import.meta.resolve(name);
  if (!url.endsWith("/dist/index.js")) {
    console.error(`${name} resolves to ${url}, not its built dist/: run \`pnpm bench\``);
    process.exit(2);
  }
}

const machine = describeMachine(quick);
for (const warning of runWarnings(machine)) console.error(warning);
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
    console.log(renderGroup(group, !quick));
  } catch (error) {
    failed += 1;
    console.error(`✖ ${id} threw:`, error);
  }
  console.error(`  ${id}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

await endHosts();
const durationS = Math.round((performance.now() - started) / 1000);
console.log(renderGoals(GOALS, groups, !quick));
console.error(`suite: ${durationS} s, ${failed} group(s) failed`);
if (!quick && !only && durationS > BUDGET_S) {
  console.error(`⚠️ over the ${BUDGET_S} s budget`);
}

if (write && failed === 0) {
  const docs = out
    ? pathToFileURL(`${out.replace(/\/$/, "")}/`)
    : new URL("../docs/", import.meta.url);
  await mkdir(docs, { recursive: true });
  const done = { ...machine, durationS };
  await writeFile(new URL("benchmarks.md", docs), renderDocument(done, groups, GOALS, PREFACE));
  await writeFile(
    new URL("benchmarks.json", docs),
    `${JSON.stringify({ machine: done, goals: GOALS, groups }, null, 2)}\n`,
  );
  console.error(`wrote benchmarks.md and benchmarks.json to ${docs.pathname}`);
} else if (write) {
  console.error("not writing: a group failed");
}

process.exitCode = failed > 0 ? 1 : 0;
