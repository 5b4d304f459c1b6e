import { WorkerCrashedError, type WorkerDeath } from "./errors.ts";

/** Tinypool's own error when a child process exits under a task; the exit says more. */
const UNEXPECTED_EXIT = "Worker exited unexpectedly";

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
  if ((cause as { code?: unknown } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
    how = "out-of-memory";
  } else if (death.signal) how = "signal";
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

/** Drops tinypool's generic "exited unexpectedly": the exit code or signal says more. */
function meaningful(error: unknown): unknown {
  if (error === undefined) return undefined;
  if (error instanceof Error && error.message === UNEXPECTED_EXIT) return undefined;
  return error;
}
