import { argumentError, expectDuration } from "@quiesce/core/internal";
import type { ShutdownOptions } from "./executor-pool.ts";

/** {@link ShutdownOptions} after validation. */
export interface CheckedShutdown {
  /** How long running jobs are awaited before they are cancelled (0: at once). */
  readonly waitMs: number;
  readonly cancelFutures: boolean;
}

/** Checks shutdown options at the call (house message shape). */
export function checkShutdownOptions(options: ShutdownOptions): CheckedShutdown {
  if (options === null || typeof options !== "object") {
    throw argumentError("options", "an object", options);
  }
  const { wait = true, cancelFutures = false, timeoutMs = Number.POSITIVE_INFINITY } = options;
  if (typeof wait !== "boolean") throw argumentError("wait", "a boolean", wait);
  if (typeof cancelFutures !== "boolean") {
    throw argumentError("cancelFutures", "a boolean", cancelFutures);
  }
  if (timeoutMs !== Number.POSITIVE_INFINITY) expectDuration("timeoutMs", timeoutMs);
  return { waitMs: wait ? timeoutMs : 0, cancelFutures };
}
