import type { Host } from "./host.ts";
import type { Watchdog } from "./watchdog.ts";
import { WATCHDOG_MARGIN_MS } from "./watchdog-worker-internal.ts";

/** How often the watchdog's copy of the task tree is refreshed during teardown. */
const SNAPSHOT_EVERY_MS = 250;

/** What the shutdown clock needs. */
export interface ClockOptions {
  readonly host: Host;
  readonly graceMs: number;
  readonly watchdog: Watchdog;
  /**
   * How long ago the shutdown really began: a signal that the watchdog thread saw
   * while the main thread was blocked counts from when it arrived (contract 5).
   */
  readonly sinceMs: number;
  /** The live tree, rendered. */
  tree(): string;
  /** The grace period ran out (contract 4). */
  onGraceOut(): void;
}

/**
 * Starts the shutdown clock, once, at the first trigger (a signal, a failure,
 * `exit()`, the body's return): the grace timer on the main thread and, as its
 * backstop, the watchdog's deadline `WATCHDOG_MARGIN_MS` later, with a copy of the
 * tree that is refreshed while teardown lasts. Returns the function that stops it.
 */
export function startShutdownClock(options: ClockOptions): () => void {
  const { host, watchdog } = options;
  const remaining = Math.max(0, options.graceMs - options.sinceMs);
  // The watchdog first: cleanup may start, and block, right after this.
  watchdog.update(options.tree());
  watchdog.arm(remaining + WATCHDOG_MARGIN_MS);
  const stopGrace = host.setTimeout(() => options.onGraceOut(), remaining);
  const refresh = () => {
    watchdog.update(options.tree());
    stopRefresh = host.setTimeout(refresh, SNAPSHOT_EVERY_MS);
  };
  let stopRefresh = host.setTimeout(refresh, SNAPSHOT_EVERY_MS);
  return () => {
    stopGrace();
    stopRefresh();
  };
}
