import { deserializeError } from "./deserialize-error-internal.ts";
import { UnknownFunctionError, WorkerLoadError } from "./errors.ts";
import type { JobOutcome } from "./executor-pool.ts";
import type { AnyJob, JobResult } from "./job-internal.ts";
import type { Envelope } from "./protocol.mjs";

/**
 * How a job ends, given the worker's answer: its value; the error its function threw
 * (cancelled, with that error as `cause`, if it threw after a cancel); a module that
 * would not load; an unknown function; or a cancel seen before it started.
 */
export function answerOutcome(
  job: AnyJob,
  envelope: Envelope,
  module: string,
): [JobOutcome, JobResult] {
  // The start-up probe reads the answer itself, whatever it says.
  if (job.entry === "describe") return ["completed", { value: envelope }];
  if (envelope.ok) return ["completed", { value: envelope.value }];
  switch (envelope.kind) {
    case "not-started":
      return ["cancelled", { error: job.cancelledError() }];
    case "load":
      return [
        "failed",
        { error: new WorkerLoadError(module, { cause: deserializeError(envelope.error) }) },
      ];
    case "unknown-function":
      return ["failed", { error: new UnknownFunctionError(job.fn, module, envelope.available) }];
    case "threw": {
      const error = deserializeError(envelope.error);
      if (job.cancelReason === undefined) return ["failed", { error }];
      return ["cancelled", { error: job.cancelledError(error) }];
    }
  }
}
