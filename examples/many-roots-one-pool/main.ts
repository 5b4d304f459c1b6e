// Seed 004: five independent roots share one thread pool. In the Python program each
// of five threads runs its own event loop and hands `worker(i)` to one shared
// ThreadPoolExecutor. Here each root is its own effection `run()`, a separate tree
// of tasks that knows nothing of the others, and all five submit to one pool. The
// five 1 s jobs overlap, so it takes about 1 s in all, and the main thread's event
// loop keeps turning the whole time (see the README for why).
//
//   pnpm example many-roots-one-pool
import { writeSync } from "node:fs";
import { main } from "@quiesce/core";
import { runInExecutor, useThreadPool } from "@quiesce/executor";
import { run, type Task, until } from "effection";

const jobMs = Number(flag("--job-ms") ?? 1000);
const now = () => performance.timeOrigin + performance.now();
const say = (line: string) => writeSync(1, `${line}\n`);

await main(function* () {
  // One pool, owned by main: it shuts down when main's scope ends, not before.
  // Its five threads are up before it is returned (minWorkers defaults to maxWorkers).
  const pool = yield* useThreadPool({
    module: new URL("./worker.mjs", import.meta.url),
    maxWorkers: 5,
  });

  // The main thread's event loop is free while the workers block: count its turns.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 100);

  const t0 = now();
  // def main(index): loop = asyncio.new_event_loop(); rv = loop.run_until_complete(...)
  const roots: Task<void>[] = [];
  for (let i = 0; i < 5; i++) {
    roots.push(
      run(function* () {
        const rv = yield* runInExecutor<number>(pool, "worker", i, t0, jobMs);
        say(`Root ${i} got result ${rv}`);
      }),
    );
  }
  try {
    yield* until(Promise.all(roots)); // for t in threads: t.join()
  } finally {
    clearInterval(ticker);
    // The roots are not children of main: if main is stopped, stop them too.
    for (const root of roots) yield* until(root.halt());
  }
  say(`TIME ${((now() - t0) / 1000).toFixed(3)}`);
  say(`meanwhile the main thread's event loop ran ${ticks} timer callbacks`);
});

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
