import type { Readable } from "node:stream";
import { WorkerCrashedError, type WorkerDeath } from "./errors.ts";

/** Tinypool's own error when a child process exits under a task; the exit says more. */
const UNEXPECTED_EXIT = "Worker exited unexpectedly";
/** Node's code for a worker thread that ran out of memory; used for child processes too. */
const OUT_OF_MEMORY = "ERR_WORKER_OUT_OF_MEMORY";
/** What V8 prints on stderr before it aborts a process that ran out of heap. */
const V8_OUT_OF_MEMORY = "JavaScript heap out of memory";

/** What is known about a worker that died under a job. */
export interface Death {
  /** Errors the worker or tinypool reported, most telling first. */
  readonly errors: readonly unknown[];
  readonly code: number | null | undefined;
  readonly signal: NodeJS.Signals | null | undefined;
  readonly workerId: number | undefined;
}

/** The error a job fails with when its worker died under it: says how it died. */
export function crashError(fn: string, death: Death): WorkerCrashedError {
  const cause = death.errors.map(meaningful).find((error) => error !== undefined);
  let how: WorkerDeath;
  if ((cause as { code?: unknown } | undefined)?.code === OUT_OF_MEMORY) how = "out-of-memory";
  else if (death.signal) how = "signal";
  else if (cause !== undefined) how = "uncaught-error";
  else how = "exit";
  return new WorkerCrashedError(
    fn,
    {
      how,
      exitCode: death.code ?? undefined,
      signal: death.signal ?? undefined,
      workerId: death.workerId,
    },
    cause === undefined ? undefined : { cause },
  );
}

/** The cause of a child process's death when V8 said it ran out of heap. */
export function outOfMemoryError(): Error {
  return Object.assign(
    new Error(`${V8_OUT_OF_MEMORY}: V8 aborted the child process (see --max-old-space-size)`),
    { code: OUT_OF_MEMORY },
  );
}

/**
 * Calls `onOutOfMemory` if V8 reports on a child's stderr that the heap is exhausted
 * (the process then aborts, SIGABRT, with nothing else to tell it from a crash).
 */
export function watchForOutOfMemory(stderr: Readable, onOutOfMemory: () => void): void {
  const edge = V8_OUT_OF_MEMORY.length - 1;
  let tail = "";
  stderr.on("data", (data: Buffer | string) => {
    const chunk = typeof data === "string" ? Buffer.from(data) : data;
    // The message may straddle two chunks: look at the seam too.
    const seam = tail + chunk.subarray(0, edge).toString("latin1");
    if (chunk.includes(V8_OUT_OF_MEMORY) || seam.includes(V8_OUT_OF_MEMORY)) onOutOfMemory();
    tail = chunk.subarray(Math.max(0, chunk.length - edge)).toString("latin1");
  });
}

/** Drops tinypool's generic "exited unexpectedly": the exit code or signal says more. */
function meaningful(error: unknown): unknown {
  if (error === undefined) return undefined;
  if (error instanceof Error && error.message === UNEXPECTED_EXIT) return undefined;
  return error;
}
