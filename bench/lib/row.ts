import type { Samples } from "./alternate.ts";
import { type Summary, summarize } from "./stats.ts";

/** One variant's measurements of one metric in one row. */
export interface Cell {
  readonly variant: string;
  readonly summary: Summary;
}

/** A stated goal and whether this run met it. */
export interface Goal {
  readonly text: string;
  readonly met: boolean;
  /** By how much, in words: "1.04x, 6 points under the 1.10x ceiling". */
  readonly detail: string;
}

/** One line of a group's table: a case, a metric, each variant's summary. */
export interface Row {
  readonly case: string;
  readonly metric: string;
  /** Unit of the summaries: "ms", "µs", "B", "jobs/s". */
  readonly unit: string;
  readonly cells: readonly Cell[];
  /** ours ÷ anchor, on medians; the label names both ("ours / effection"). */
  readonly ratios: readonly { readonly label: string; readonly value: number }[];
  readonly goal?: Goal;
}

/** A row group: one file under bench/, one table in docs/benchmarks.md. */
export interface Group {
  readonly id: string;
  readonly title: string;
  /** One or two sentences: what the rows measure and how. */
  readonly meaning: string;
  readonly rows: readonly Row[];
  /** Findings: where time goes, why a goal is missed, caveats. */
  readonly notes: readonly string[];
  /** Set when the group could not run (code not landed yet). */
  readonly skipped?: string;
}

/** What every group runner gets. */
export interface BenchContext {
  /** Tiny sizes, to catch a broken benchmark in seconds (CI). */
  readonly quick: boolean;
  readonly log: (message: string) => void;
}

export type GroupRunner = (context: BenchContext) => Promise<Group>;

/**
 * Builds a row from alternating samples: `scale` converts each raw sample (for
 * example total ms → µs per task). The first variant is ours; ratios divide it by
 * each of `anchors`.
 */
export function makeRow(
  samples: Samples,
  spec: {
    case: string;
    metric: string;
    unit: string;
    variants: readonly string[];
    anchors: readonly string[];
    scale?: (value: number) => number;
    goal?: (ratios: Record<string, number>, cells: readonly Cell[]) => Goal | undefined;
  },
): Row {
  const scale = spec.scale ?? ((v: number) => v);
  const cells = spec.variants.map((variant) => ({
    variant,
    summary: summarize((samples[variant]?.[spec.metric] ?? []).map(scale)),
  }));
  const ours = cells[0]!.summary.median;
  const ratios = spec.anchors.map((anchor) => ({
    label: `${spec.variants[0]} / ${anchor}`,
    value: ours / (cells.find((c) => c.variant === anchor)?.summary.median ?? Number.NaN),
  }));
  const byAnchor: Record<string, number> = {};
  for (const [i, anchor] of spec.anchors.entries()) byAnchor[anchor] = ratios[i]!.value;
  const goal = spec.goal?.(byAnchor, cells);
  return {
    case: spec.case,
    metric: spec.metric,
    unit: spec.unit,
    cells,
    ratios,
    ...(goal ? { goal } : {}),
  };
}

/** Goal "ratio at most `ceiling`" (overheads): met when ratio ≤ ceiling. */
export function atMost(text: string, ratio: number, ceiling: number): Goal {
  const met = ratio <= ceiling;
  const pct = (ratio - 1) * 100;
  return {
    text,
    met,
    detail: met
      ? `${fmtRatio(ratio)} (${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%)`
      : `${fmtRatio(ratio)}: ${((ratio / ceiling - 1) * 100).toFixed(1)}% over the ${fmtRatio(ceiling)} ceiling`,
  };
}

/** Goal "value under `limit`" in a unit: met when value < limit. */
export function under(text: string, value: number, limit: number, unit: string): Goal {
  const met = value < limit;
  return {
    text,
    met,
    detail: met
      ? `${fmt(value)} ${unit}`
      : `${fmt(value)} ${unit}: ${fmt(value - limit)} ${unit} (${(value / limit).toFixed(1)}x) over`,
  };
}

/** A number with three significant digits, no exponent. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export function fmtRatio(value: number): string {
  return `${value.toFixed(2)}x`;
}
