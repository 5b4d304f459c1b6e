/** One contender in a row: returns named measurements (ms, bytes, ...) per call. */
export interface Variant {
  readonly name: string;
  readonly measure: () => Promise<Record<string, number>> | Record<string, number>;
}

export interface AlternateOptions {
  /** Recorded rounds; each runs every variant once. */
  readonly rounds: number;
  /** Unrecorded rounds first, to warm the JIT. Default 1. */
  readonly warmup?: number;
}

/** variant name → metric name → samples, one per round. */
export type Samples = Record<string, Record<string, number[]>>;

/**
 * Runs the variants in alternation, rotating which goes first each round so no
 * variant always inherits the other's garbage or a quiet moment on a shared box.
 */
export async function alternate(
  variants: readonly Variant[],
  options: AlternateOptions,
): Promise<Samples> {
  const samples: Samples = {};
  for (const v of variants) samples[v.name] = {};
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup + options.rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length]!;
      collectGarbage();
      const result = await variant.measure();
      if (round < warmup) continue;
      const byMetric = samples[variant.name]!;
      for (const [metric, value] of Object.entries(result)) {
        const list = byMetric[metric] ?? [];
        list.push(value);
        byMetric[metric] = list;
      }
    }
  }
  return samples;
}

/** Runs a full GC when node was started with --expose-gc; otherwise nothing. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/** Milliseconds elapsed while `fn` runs. */
export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
