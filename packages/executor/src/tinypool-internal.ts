import type { ChildProcess } from "node:child_process";
import { Tinypool, type TinypoolChannel, type TinypoolWorker } from "tinypool";
import type { PoolConfig } from "./pool-options.ts";
import { MODULE_ENV, PARENT_PID_ENV, type ThreadWorkerData } from "./protocol.mjs";
import { timerDelay } from "./timers-internal.ts";

const BOOTSTRAP = new URL("./worker-bootstrap.mjs", import.meta.url);

/**
 * The tinypool instance behind a pool: every worker loads our bootstrap, which
 * imports the user's module; thread workers get it and the shared cancel buffer as
 * `workerData`, child processes get it and their parent's PID (for the orphan
 * watchdog) in their environment. Child processes talk JSON, Node's default IPC
 * serialization and the cheapest per message; what JSON cannot carry exactly crosses
 * as V8 serialization inside it (wire.mjs).
 */
export function createTinypool(config: PoolConfig, cancelBuffer: SharedArrayBuffer | undefined) {
  const workerData: ThreadWorkerData | undefined =
    cancelBuffer === undefined ? undefined : { module: config.module, cancelBuffer };
  return new Tinypool({
    filename: BOOTSTRAP.href,
    name: "run",
    runtime: config.runtime,
    minThreads: config.minWorkers,
    maxThreads: config.maxWorkers,
    idleTimeout: timerDelay(config.idleTimeoutMs),
    workerData,
    // Node's --watch makes a worker thread post the modules it imports to its parent,
    // a message tinypool takes for a failure (it ends the worker): workers do not
    // report (their files are not watched).
    ...(config.runtime === "worker_threads" ? { env: workerEnv(process.env) } : {}),
    ...(config.resourceLimits ? { resourceLimits: config.resourceLimits } : {}),
    ...(config.execArgv ? { execArgv: config.execArgv } : {}),
    ...(config.runtime === "child_process"
      ? {
          env: {
            ...workerEnv(config.env),
            [PARENT_PID_ENV]: String(process.pid),
            [MODULE_ENV]: config.module,
          },
        }
      : {}),
  });
}

// The reaches past tinypool's public API (tinypool is pinned to ~2.2): the worker a
// task's channel was given to, and the ChildProcess behind a process worker. Also
// relied on: a process worker calls its channel's `onMessage` as it takes a task, before
// the task is copied to the child (ChildCancel marks a cancelled task there).

/** The worker tinypool handed the task with this channel to (it keeps it as `channel`). */
export function holdsChannel(worker: TinypoolWorker, channel: TinypoolChannel): boolean {
  return (worker as { channel?: unknown }).channel === channel;
}

/** The child process behind a process-pool worker (tinypool keeps it as `process`). */
export function childProcessOf(worker: TinypoolWorker): ChildProcess | undefined {
  return (worker as { process?: ChildProcess }).process;
}

/** What Node's --watch sets so that a program reports the modules it loads. */
const WATCH_REPORT = "WATCH_REPORT_DEPENDENCIES";

/** `env` as strings, without {@link WATCH_REPORT} (a worker is not the watched program). */
function workerEnv(env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env ?? {})) {
    if (value !== undefined && key !== WATCH_REPORT) out[key] = value;
  }
  return out;
}
