// Seed 001's KeyboardInterrupt program: three tasks of 1, 2 and 2 s. Press Ctrl+C
// while they sleep: every task is cancelled, each prints its cleanup, the program
// says what was cancelled and how long it ran, and then dies by SIGINT (the shell
// shows 130), as `asyncio.run` does.
//
//   pnpm example ctrl-c                       press Ctrl+C within 1 s
//   pnpm example ctrl-c --slow-cleanup 5000   each cleanup takes 5 s: press Ctrl+C
//                                             again to see the stuck-task report
import {
  cancelAll,
  cancelReason,
  describeCancelReason,
  main,
  spawnTask,
  wait,
} from "@quiesce/core";
import { type Operation, sleep } from "effection";

const slowCleanupMs = Number(flag("--slow-cleanup") ?? 0);
const start = performance.now();
const elapsed = () => ((performance.now() - start) / 1000).toFixed(3);

// asyncio: async def do_some_work(x): ... await asyncio.sleep(x) ...
function* doSomeWork(x: number): Operation<string> {
  console.log("Waiting: ", x);
  try {
    yield* sleep(x * 1000);
  } finally {
    // A halted task does not see an exception; it sees its reason.
    const why = yield* cancelReason();
    if (why) console.log("cancelled:", x, `(${describeCancelReason(why)})`);
    if (why && slowCleanupMs > 0) {
      console.log(`cleanup: ${x} takes ${slowCleanupMs / 1000} s (Ctrl+C again to give up)`);
      yield* sleep(slowCleanupMs);
    }
    console.log("cleanup:", x);
  }
  return `Done after ${x}s`;
}

await main(function* () {
  const tasks = [];
  for (const x of [1, 2, 2]) {
    tasks.push(yield* spawnTask(() => doSomeWork(x), { name: `do_some_work(${x})` }));
  }
  try {
    const { done } = yield* wait(tasks);
    for (const task of done) console.log("Task ret: ", task.result());
  } finally {
    // asyncio's `for task in all_tasks(): task.cancel()`: if we are being stopped,
    // make sure every task has finished its cleanup before saying what happened.
    if (tasks.some((t) => !t.settled)) {
      yield* cancelAll((yield* cancelReason()) ?? "main is stopping");
    }
    const cancelled = tasks.filter((t) => t.state === "cancelled");
    if (cancelled.length > 0) {
      console.log(
        `cancelled ${cancelled.length} tasks: ${cancelled.map((t) => t.name).join(", ")}`,
      );
    }
    console.log("TIME: ", elapsed());
  }
});

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
