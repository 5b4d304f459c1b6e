// Seeds 000/003: `loop.run_in_executor` + `asyncio.wait` on a ThreadPoolExecutor of
// three threads. Six jobs of 100 ms each run in two waves of three; every log line
// says which thread wrote it, like the Python program's `%(threadName)s`.
//
//   pnpm example executor-thread
import { writeSync } from "node:fs";
import { main, spawnTask, type TaskHandle, wait } from "@quiesce/core";
import { type ExecutorPool, runInExecutor, useThreadPool } from "@quiesce/executor";
import type { Operation } from "effection";

const t0 = performance.now();
const seconds = (ms: number) => (ms / 1000).toFixed(3);

function log(name: string, message: string): void {
  writeSync(2, `${"MainThread".padStart(10)} ${name.padStart(18)}: ${message}\n`);
}

// async def run_blocking_tasks(executor):
function* runBlockingTasks(pool: ExecutorPool): Operation<void> {
  const name = "run_blocking_tasks";
  log(name, "starting");
  log(name, "creating executor tasks");
  const blockingTasks: TaskHandle<number>[] = [];
  for (let i = 0; i < 6; i++) {
    const task = yield* spawnTask(() => runInExecutor<number>(pool, "blocks", i), {
      name: `blocks(${i})`,
    });
    blockingTasks.push(task);
  }
  log(name, "waiting for executor tasks");
  const { done: completed } = yield* wait(blockingTasks);
  const results = completed.map((t) => t.result());
  log(name, `results: ${JSON.stringify(results)}`);
  log(name, "exiting");
}

await main(function* () {
  const pool = yield* useThreadPool({
    module: new URL("./worker.mjs", import.meta.url),
    maxWorkers: 3, // started with the pool (minWorkers defaults to maxWorkers)
  });
  const ready = performance.now();
  log("pool", `${pool.stats().workers} worker threads up after ${seconds(ready - t0)} s`);
  yield* runBlockingTasks(pool);
  writeSync(2, `TIME ${seconds(performance.now() - ready)}\n`);
});
