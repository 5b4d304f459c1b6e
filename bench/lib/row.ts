import type { Samples } from "./alternate.ts";
import { type Summary, summarize } from "./stats.ts";

/** One variant's measurements of one metric in one row. */
export interface Cell {
  readonly variant: string;
  readonly summary: Summary;
}

/** A stated goal and whether this run met it. */
export interface Goal {
  /** Which line of the goals table (groups.ts GOALS) this row answers. */
  readonly id?: string;
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
  const all = spec.anchors.map((anchor) => ({
    label: `${spec.variants[0]} / ${anchor}`,
    value: ours / (cells.find((c) => c.variant === anchor)?.summary.median ?? Number.NaN),
  }));
  const byAnchor: Record<string, number> = {};
  for (const [i, anchor] of spec.anchors.entries()) byAnchor[anchor] = all[i]!.value;
  // A column that did not run (no python3, say) has no ratio to show.
  const ratios = all.filter((r) => Number.isFinite(r.value));
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

/**
 * A row of derived numbers, one per variant (growth factors, say): each cell is a
 * single value, shown without a range.
 */
export function derivedRow(spec: {
  case: string;
  metric: string;
  unit: string;
  values: Record<string, number>;
  anchors: readonly string[];
  goal?: (ratios: Record<string, number>) => Goal | undefined;
}): Row {
  const samples: Samples = {};
  for (const [variant, value] of Object.entries(spec.values)) {
    samples[variant] = { [spec.metric]: Number.isFinite(value) ? [value] : [] };
  }
  return makeRow(samples, { ...spec, variants: Object.keys(spec.values) });
}

/** Goal "ratio at most `ceiling`" (overheads): met when ratio ≤ ceiling. */
export function atMost(text: string, ratio: number, ceiling: number, id?: string): Goal {
  const met = ratio <= ceiling;
  const pct = (ratio - 1) * 100;
  return {
    ...(id ? { id } : {}),
    text,
    met,
    detail: met
      ? `${fmtRatio(ratio)} (${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%)`
      : `${fmtRatio(ratio)}: ${((ratio / ceiling - 1) * 100).toFixed(1)}% over the ${fmtRatio(ceiling)} ceiling`,
  };
}

/** Goal "ratio at least `floor`" (rates): met when ratio ≥ floor. */
export function atLeast(text: string, ratio: number, floor: number, id?: string): Goal {
  const met = ratio >= floor;
  return {
    ...(id ? { id } : {}),
    text,
    met,
    detail: met
      ? fmtRatio(ratio)
      : `${fmtRatio(ratio)}: ${((1 - ratio / floor) * 100).toFixed(1)}% under the ${fmtRatio(floor)} floor`,
  };
}

/** Goal "value under `limit`" in a unit: met when value < limit. */
export function under(text: string, value: number, limit: number, unit: string, id?: string): Goal {
  const met = value < limit;
  return {
    ...(id ? { id } : {}),
    text,
    met,
    detail: met
      ? `${fmt(value)} ${unit}`
      : `${fmt(value)} ${unit}: ${fmt(value - limit)} ${unit} (${(value / limit).toFixed(1)}x) over`,
  };
}

/** One goal made of several (all must hold), e.g. "median and p99 under 50 ms". */
export function allOf(id: string | undefined, text: string, parts: readonly Goal[]): Goal {
  return {
    ...(id ? { id } : {}),
    text,
    met: parts.every((g) => g.met),
    detail: parts.map((g) => `${g.text}: ${g.detail}`).join("; "),
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
