// Runs as a worker thread inside every child process of a process pool, so that it can
// act while the child's main thread is stuck in a CPU loop:
// - cancels: the host writes one line per cancel to the child's stdin (see cancelLine in
//   protocol.mjs); this thread marks the job cancelled in the child's cancel slot, where
//   `ctx.cancelled()` reads it with one Atomics.load;
// - orphans: when the parent dies (even by SIGKILL), stdin ends and the child is
//   re-parented; either way this thread kills its own process.
import { Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { markCancelled } from "./cancel-slot.mjs";
import { parseCancelLine } from "./protocol.mjs";

const { buffer, parentPid, intervalMs } =
  /** @type {{ buffer: SharedArrayBuffer, parentPid: number, intervalMs: number }} */ (workerData);

const die = () => process.kill(process.pid, "SIGKILL");

const stdin = new Socket({ fd: 0, readable: true, writable: false });
let pending = "";
stdin.setEncoding("utf8");
stdin.on("data", (/** @type {string} */ chunk) => {
  pending += chunk;
  for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
    const cancel = parseCancelLine(pending.slice(0, end));
    pending = pending.slice(end + 1);
    if (cancel !== undefined) markCancelled(buffer, 0, cancel.job, cancel.reasonJson);
  }
});
stdin.on("end", die);
stdin.on("error", die);
parentPort?.postMessage("watching");

function checkParent() {
  if (process.ppid !== parentPid) die();
}

checkParent();
setInterval(checkParent, intervalMs);
