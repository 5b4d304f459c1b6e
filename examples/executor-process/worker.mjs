// The worker side of executor-process: plain JavaScript, loaded by the pool in each
// child process. `blocks(n)` is seed 000's blocking function: it logs, blocks its
// process for 100 ms (no event loop involved), logs again and returns n².
import { writeSync } from "node:fs";

/** Python's `'PID %(process)5s %(name)18s: %(message)s'`, written straight to stderr. */
function log(name, message) {
  writeSync(2, `PID ${String(process.pid).padStart(5)} ${name.padStart(18)}: ${message}\n`);
}

/** `time.sleep(ms / 1000)`: blocks this thread, not just a promise. */
function block(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function blocks(n) {
  const name = `blocks(${n})`;
  log(name, "running");
  block(100);
  log(name, "done");
  return n ** 2;
}
