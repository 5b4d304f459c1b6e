import { Tinypool } from "tinypool";
import type { PoolConfig } from "./pool-options.ts";
import { PARENT_PID_ENV } from "./protocol.mjs";
import { timerDelay } from "./timers-internal.ts";

const BOOTSTRAP = new URL("./worker-bootstrap.mjs", import.meta.url);

/**
 * The tinypool instance behind a pool: every worker loads our bootstrap, which
 * imports the user's module; thread workers get the shared cancel buffer, child
 * processes their parent's PID (for the orphan watchdog) and V8 serialization.
 */
export function createTinypool(config: PoolConfig, cancelBuffer: SharedArrayBuffer | undefined) {
  return new Tinypool({
    filename: BOOTSTRAP.href,
    name: "run",
    runtime: config.runtime,
    minThreads: config.minWorkers,
    maxThreads: config.maxWorkers,
    idleTimeout: timerDelay(config.idleTimeoutMs),
    workerData: cancelBuffer,
    ...(config.resourceLimits ? { resourceLimits: config.resourceLimits } : {}),
    ...(config.execArgv ? { execArgv: config.execArgv } : {}),
    ...(config.runtime === "child_process"
      ? {
          env: { ...stringEnv(config.env), [PARENT_PID_ENV]: String(process.pid) },
          serialization: "advanced" as const,
        }
      : {}),
  });
}

function stringEnv(env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env ?? {})) if (value !== undefined) out[key] = value;
  return out;
}
