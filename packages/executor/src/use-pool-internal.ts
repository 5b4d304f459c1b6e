import { type Operation, resource, until } from "effection";
import type { ExecutorPool } from "./executor-pool.ts";
import { PoolEngine } from "./pool-engine-internal.ts";
import type { PoolConfig } from "./pool-options.ts";

/** The resource behind both `useThreadPool` and `useProcessPool`. */
export function usePool(config: PoolConfig): Operation<ExecutorPool> {
  return resource(function* (provide) {
    const engine = new PoolEngine(config);
    try {
      yield* until(engine.start());
      yield* provide(engine);
    } finally {
      // The resource's own teardown (not a helper's finally), so this wait is safe.
      yield* until(engine.close({ wait: false, cancelFutures: true }));
    }
  });
}
