// Seed 001, first half: create a task, read its result, add a done callback, and
// see that `yield*` hands control to other tasks while one of them sleeps.
import { main, spawnTask, type TaskHandle } from "@quiesce/core";
import { sleep } from "effection";

/** `--sleep-ms N` shortens test1's 3 s sleep (the tests use it). */
const sleepMs = Number(flag("--sleep-ms") ?? 3000);

// asyncio: `async def test_work(): return "Test work process !"`
function* testWork() {
  return "Test work process !";
}

await main(function* () {
  // 1. Create a task and read its result (loop.create_task + run_until_complete).
  console.log("== create a task");
  const task = yield* spawnTask(testWork, { name: "test_work" });
  console.log(show(task)); // not started yet: tasks start when the spawner yields
  const value = yield* task; // waits, then returns the value (or throws its error)
  console.log(show(task));
  console.log("result:", value, "| task.result():", task.result());

  // 2. A done callback (task.add_done_callback(callback)).
  console.log("== done callback");
  const withCallback = yield* spawnTask(testWork, { name: "with_callback" });
  withCallback.onDone((t) => console.log("Callback: ", t.result()));
  yield* withCallback.settlement();

  // 3. Blocking and `yield*`: test1 sleeps, and meanwhile test2 runs.
  console.log("== yield* hands control over");
  const started = performance.now();
  const task1 = yield* spawnTask(
    function* test1() {
      console.log("Test work process !");
      yield* sleep(sleepMs);
      console.log("Test work process2 !");
    },
    { name: "test1" },
  );
  const task2 = yield* spawnTask(
    function* test2() {
      console.log("This second task !");
    },
    { name: "test2" },
  );
  yield* task1;
  yield* task2;
  console.log(`both done after ${seconds(started)} s (test1 slept ${sleepMs / 1000} s)`);

  // 4. A failing task keeps its error on its handle; the spawner carries on.
  console.log("== a failing task");
  const failing = yield* spawnTask(
    function* () {
      yield* sleep(10);
      throw new Error("disk full");
    },
    { name: "failing" },
  );
  failing.onDone((t) => console.log("Callback: ", t.name, t.state));
  yield* failing.settlement(); // waits without throwing
  console.log(show(failing), "error():", String(failing.error()));

  // 5. Cancelling a task: its cleanup runs, and the handle says why it stopped.
  console.log("== cancelling a task");
  const sleeper = yield* spawnTask(
    function* () {
      try {
        yield* sleep(60_000);
      } finally {
        console.log("sleeper: cleanup runs");
      }
    },
    { name: "sleeper" },
  );
  yield* sleep(10);
  yield* sleeper.cancel("not needed any more"); // returns after the cleanup ran
  console.log(show(sleeper), "error():", String(sleeper.error()));
});

function show(task: TaskHandle<unknown>): string {
  return `<Task T${task.id} ${task.name} state=${task.state}>`;
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(3);
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
