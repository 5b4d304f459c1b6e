// Runs as a worker thread inside every child process of a process pool. When the parent
// dies (even by SIGKILL) the child is re-parented; this thread notices within
// `intervalMs` and kills its own process, whatever its main thread is doing.
import { workerData } from "node:worker_threads";

const { parentPid, intervalMs } = workerData;

function check() {
  if (process.ppid !== parentPid) process.kill(process.pid, "SIGKILL");
}

check();
setInterval(check, intervalMs);
