import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { pythonStatus } from "./python.ts";
import { fmt, fmtRatio, type Group, type Row } from "./row.ts";

/** Where and when the suite ran. */
export interface Machine {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
  /** Versions of the reference columns' runtimes ("missing" when absent). */
  readonly references: { readonly effect: string; readonly python: string };
  readonly quick: boolean;
  readonly durationS?: number;
}

/** The suite's time budget on a 2-core machine (issue 13). */
export const BUDGET_S = 300;
/** A load average at start from which the run is not on a quiet machine. */
export const QUIET_LOAD = 1;

function effectVersion(): string {
  try {
    const file = createRequire(import.meta.url).resolve("effect/package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

export function describeMachine(quick: boolean): Machine {
  const cpus = os.cpus();
  const python = pythonStatus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    references: { effect: effectVersion(), python: python.ok ? python.version : "missing" },
    quick,
  };
}

/** Warnings about the run itself: a busy machine, a suite over its budget. */
export function runWarnings(machine: Machine): string[] {
  const warnings: string[] = [];
  const load = machine.loadAverage[0] ?? 0;
  if (load >= QUIET_LOAD) {
    warnings.push(
      `⚠️ The 1-minute load average at start was ${load} (≥ ${QUIET_LOAD}): not a quiet ` +
        "machine, so these numbers are rougher than they look.",
    );
  }
  if (!machine.quick && (machine.durationS ?? 0) > BUDGET_S) {
    warnings.push(`⚠️ The suite took ${machine.durationS} s, over its ${BUDGET_S} s budget.`);
  }
  if (machine.quick) {
    warnings.push("⚠️ `--quick` run: tiny sizes, one round; the goals are not judged.");
  }
  return warnings;
}

function cell(row: Row, variant: string): string {
  const s = row.cells.find((c) => c.variant === variant)?.summary;
  if (!s || s.n === 0) return "–";
  if (s.n === 1) return `${fmt(s.median)} ${row.unit}`;
  // Latency rows (many samples) show p99; round-based rows show the range.
  const spread = s.n >= 20 ? `p99 ${fmt(s.p99)}` : `${fmt(s.min)}–${fmt(s.max)}`;
  return `${fmt(s.median)} ${row.unit} (${spread})`;
}

/** A group's table, as GitHub markdown. */
export function renderTable(group: Group, judge = true): string {
  const variants = [...new Set(group.rows.flatMap((r) => r.cells.map((c) => c.variant)))];
  const head = ["case", ...variants, "ratio", "goal"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`];
  for (const row of group.rows) {
    const ratios = row.ratios.map((r) => `${r.label}: **${fmtRatio(r.value)}**`).join("<br>");
    const mark = judge ? (row.goal?.met ? "✅ " : "❌ ") : "";
    const goal = row.goal ? `${mark}${row.goal.text}: ${row.goal.detail}` : "";
    lines.push(`| ${[row.case, ...variants.map((v) => cell(row, v)), ratios, goal].join(" | ")} |`);
  }
  return lines.join("\n");
}

export function renderGroup(group: Group, judge = true): string {
  const parts = [`## ${group.title} (\`${group.id}\`)`, "", group.meaning, ""];
  if (group.skipped) parts.push(`_Not run: ${group.skipped}_`, "");
  if (group.rows.length > 0) parts.push(renderTable(group, judge), "");
  for (const note of group.notes) parts.push(`- ${note}`);
  if (group.notes.length > 0) parts.push("");
  return parts.join("\n");
}

/** One line of the goals table, as given (groups.ts GOALS). */
export interface GoalLine {
  readonly id: string;
  readonly row: string;
  readonly goal: string;
}

/** The issue's goals table with this run's verdict per line, and a one-line count. */
export function renderGoals(
  lines: readonly GoalLine[],
  groups: readonly Group[],
  judge = true,
): string {
  const rows = groups.flatMap((g) => g.rows);
  let met = 0;
  let judged = 0;
  const table = ["| row | goal | result |", "| --- | --- | --- |"];
  for (const line of lines) {
    const answers = rows.flatMap((r) => (r.goal?.id === line.id ? [{ row: r, goal: r.goal }] : []));
    let result = "not run";
    if (answers.length > 0) {
      const ok = answers.every((a) => a.goal.met);
      const details = answers
        .map((a) => `${answers.length > 1 ? `${a.row.case}: ` : ""}${a.goal.detail}`)
        .join("<br>");
      result = judge ? `${ok ? "✅ met" : "❌ missed"}: ${details}` : details;
      judged += 1;
      if (ok) met += 1;
    }
    table.push(`| ${line.row} | ${line.goal} | ${result} |`);
  }
  const summary = judge ? `Goals: ${met} of ${judged} met.` : "Goals (not judged in --quick):";
  return [summary, "", ...table].join("\n");
}

export function renderDocument(
  machine: Machine,
  groups: readonly Group[],
  goals: readonly GoalLine[],
  preface: string,
): string {
  const judge = !machine.quick;
  const { effect, python } = machine.references;
  return [
    "# Benchmarks",
    "",
    "<!-- Generated by `pnpm bench` (bench/run.ts). Do not edit by hand. -->",
    "",
    "| machine | Node | Effect | CPython | date | load average at start (1 / 5 / 15 min) | suite time |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    `| ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform} | ${machine.node} | ${effect} | ${python} | ${machine.date} | ${machine.loadAverage.join(" / ")} | ${machine.durationS ?? "?"} s |`,
    "",
    ...runWarnings(machine).flatMap((w) => [w, ""]),
    preface,
    "",
    renderGoals(goals, groups, judge),
    "",
    ...groups.map((g) => renderGroup(g, judge)),
  ].join("\n");
}
