import type { CancelReason } from "@quiesce/core";
import type { TinypoolChannel } from "tinypool";
import { REASON_BYTES } from "./cancel-slot.mjs";
import type { AnyJob } from "./job-internal.ts";
import type { RunTask } from "./protocol.mjs";

/**
 * How the host tells a running job it was cancelled: through the shared cancel slots
 * of a thread pool ({@link ThreadCancel}), or a line on a child process's stdin
 * ({@link ChildCancel}). Either way the job reads a flag in shared memory.
 */
export interface CancelTransport {
  /** Tinypool's channel for the job's task, if the transport needs one. */
  channelFor(job: AnyJob, task: RunTask | null): TinypoolChannel | undefined;
  /**
   * Tells the job's worker to stop it. A job no worker has taken yet never starts:
   * the worker that takes it finds it cancelled before it runs anything.
   */
  cancel(job: AnyJob): void;
  /** The thread id or PID of the worker that took the job, once known. */
  workerIdOf(job: AnyJob): number | undefined;
  /**
   * Makes sure the job never starts, unless it has already: true if it never will. A
   * job handed to tinypool may wait in tinypool's queue, or for a worker that starts;
   * the worker that takes it then hands it back unstarted.
   */
  forbidStart(job: AnyJob): boolean;
  /** The job is about to be handed to tinypool in its slot. */
  handOver(job: AnyJob): void;
}

const encoder = new TextEncoder();

/**
 * The job's cancel reason as JSON that fits a cancel slot; an error becomes its name
 * and message, and a reason too large to fit keeps only its kind.
 */
export function reasonJson(reason: CancelReason | undefined): string {
  const plain = plainReason(reason ?? { kind: "explicit" });
  let json: string | undefined;
  try {
    json = JSON.stringify(plain);
  } catch {
    json = undefined;
  }
  if (json !== undefined && encoder.encode(json).length <= REASON_BYTES) return json;
  const kind = (plain as { kind?: unknown } | null)?.kind;
  return JSON.stringify({ kind: typeof kind === "string" ? kind : "explicit" });
}

function plainReason(reason: CancelReason): unknown {
  if (reason.kind === "error" && reason.error instanceof Error) {
    return { kind: "error", error: { name: reason.error.name, message: reason.error.message } };
  }
  return reason;
}
