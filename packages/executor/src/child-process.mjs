// Worker side, child processes only: how a pool's child behaves as a process.
import { once } from "node:events";
import { writeSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { SLOT_BYTES } from "./cancel-slot.mjs";
import { PARENT_PID_ENV, TAG } from "./protocol.mjs";
import { serializeError } from "./serialize-error.mjs";
/** @import { UncaughtMessage } from "./protocol.mjs" */

/**
 * Sets up this child process of a pool and returns its cancel buffer (one slot, written
 * by the watcher thread) and a promise that the watcher reads stdin. The child leaves a
 * terminal's Ctrl+C to its parent, dies with its parent, and reports an exception that
 * escapes a job before it exits.
 *
 * @returns {{ buffer: SharedArrayBuffer, watching: Promise<unknown> }}
 */
export function setUpChild() {
  // A terminal's Ctrl+C reaches the whole foreground process group; the parent
  // decides what its children do, so the child only notes the signal.
  process.on("SIGINT", () => {});
  // Orphaned: the parent is gone (its IPC pipe closed). Nothing can use our result.
  process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
  process.on("uncaughtException", reportAndExit);
  const buffer = new SharedArrayBuffer(SLOT_BYTES);
  const parentPid = Number(process.env[PARENT_PID_ENV]) || process.ppid;
  const watcher = new Worker(new URL("./child-watcher.mjs", import.meta.url), {
    workerData: { buffer, parentPid, intervalMs: 100 },
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  watcher.unref();
  return { buffer, watching: once(watcher, "message") };
}

/**
 * Sends an exception that escaped a job (a timer, an event handler, a rejection nobody
 * handled) to the parent, which fails the job with it as `cause`, then exits as Node
 * would have (code 1). Printed instead if the parent cannot be told.
 *
 * @param {unknown} error
 */
function reportAndExit(error) {
  const print = () =>
    writeSync(2, `Uncaught ${error instanceof Error ? error.stack : String(error)}\n`);
  if (process.send === undefined) {
    print();
    process.exit(1);
  }
  /** @type {UncaughtMessage} */
  const message = { [TAG]: "uncaught", error: serializeError(error) };
  try {
    process.send(message, (/** @type {unknown} */ failed) => {
      if (failed) print();
      process.exit(1);
    });
  } catch {
    print();
    process.exit(1);
  }
}
