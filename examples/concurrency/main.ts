// Seed 001/002: tasks that sleep 1, 2 and 4 s run at the same time, so the whole
// takes about 4 s, not 7. Four ways to wait for them: wait (done/pending),
// gather (results in order), asCompleted (as they finish) and nested tasks.
//
//   pnpm example concurrency                 all four parts, about 16 s
//   pnpm example concurrency gather          one part: wait | gather | as-completed | nested
//   pnpm example concurrency --unit 250      a "second" lasts 250 ms (the tests use this)
import {
  asCompleted,
  gather,
  main,
  printTaskTree,
  spawnTask,
  type TaskHandle,
  wait,
} from "@quiesce/core";
import { each, type Operation, sleep } from "effection";

const unit = Number(flag("--unit") ?? 1000);
const parts = ["wait", "gather", "as-completed", "nested"];
const chosen = process.argv.slice(2).filter((a) => parts.includes(a));

// asyncio: async def do_some_work(x): print('Waiting: ', x); await asyncio.sleep(x); ...
function* doSomeWork(x: number): Operation<string> {
  console.log("Waiting: ", x);
  yield* sleep(x * unit);
  return `Done after ${x}s`;
}

function* startAll(xs: number[]): Operation<TaskHandle<string>[]> {
  const tasks: TaskHandle<string>[] = [];
  for (const x of xs)
    tasks.push(yield* spawnTask(() => doSomeWork(x), { name: `do_some_work(${x})` }));
  return tasks;
}

const names = (tasks: TaskHandle<unknown>[]) => `[${tasks.map((t) => t.name).join(", ")}]`;

/** wait(): returns { done, pending } and never cancels what is pending. */
function* waitPart(): Operation<void> {
  const tasks = yield* startAll([1, 2, 4]);
  const first = yield* wait(tasks, { returnWhen: "FIRST_COMPLETED" });
  console.log("FIRST_COMPLETED: done", names(first.done), "pending", names(first.pending));
  const some = yield* wait(tasks, { timeout: 1.5 * unit });
  console.log("timeout 1.5 s:    done", names(some.done), "pending", names(some.pending));
  const { done, pending } = yield* wait(tasks);
  console.log("ALL_COMPLETED:    done", names(done), "pending", names(pending));
  for (const task of done) console.log("Task ret: ", task.result());
}

/** gather(): starts operations (or takes handles) and returns results in argument order. */
function* gatherPart(): Operation<void> {
  const results = yield* gather([doSomeWork(4), doSomeWork(1), doSomeWork(2)]);
  console.log("gather results (argument order):", JSON.stringify(results));
}

/** asCompleted(): a stream of handles, in the order they finish. */
function* asCompletedPart(): Operation<void> {
  const tasks = yield* startAll([4, 1, 2]);
  for (const task of yield* each(asCompleted(tasks))) {
    console.log("completed:", task.name, "->", task.result());
    yield* each.next();
  }
}

/** Nested tasks: an outer task waits for its own children; the tree shows who owns whom. */
function* nestedPart(): Operation<void> {
  const outer = yield* spawnTask(
    function* () {
      const tasks = yield* startAll([1, 2, 4]);
      const { done } = yield* wait(tasks);
      return done.map((t) => t.result());
    },
    { name: "main_coro" },
  );
  yield* sleep(unit / 2);
  console.log("task tree while they run:");
  printTaskTree((text) => process.stdout.write(text));
  for (const ret of yield* outer) console.log("Task ret: ", ret);
}

const all: Record<string, () => Operation<void>> = {
  wait: waitPart,
  gather: gatherPart,
  "as-completed": asCompletedPart,
  nested: nestedPart,
};

await main(function* () {
  for (const part of chosen.length > 0 ? chosen : parts) {
    console.log(`== ${part}`);
    const start = performance.now();
    yield* all[part]!();
    const took = (performance.now() - start) / unit;
    console.log(`TIME:  ${took.toFixed(3)} s (the sleeps add up to 7 s; the longest is 4 s)`);
  }
});

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
