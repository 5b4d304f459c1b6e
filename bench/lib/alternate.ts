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
 * With contenders in child processes (isolated.ts) each variant is one child, so
 * only one child measures at a time.
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
