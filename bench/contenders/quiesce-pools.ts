/** The pool rows' @quiesce/executor contenders (runs in a child of its own). */
import { spawnTask, type TaskHandle, wait } from "@quiesce/core";
import { type ExecutorPool, type Job, map, runInExecutor } from "@quiesce/executor";
import { each, until } from "effection";
import type { Contender } from "../lib/contender.ts";
import { inScope, openOurPool } from "../lib/our-pools.ts";
import { markerPath, type Runtime, release, removeGate, untilStarted } from "../lib/raw-pools.ts";

const noop = () => {};
const ids = (jobs: number) => Array.from({ length: jobs }, (_, i) => i);

/** Brings up every worker of a pool (each runs a 20 ms blocking job at once). */
async function warmUp(pool: ExecutorPool): Promise<void> {
  const seen = new Set<number>();
  for (let round = 0; round < 100 && seen.size < pool.maxWorkers; round++) {
    const wave = ids(pool.maxWorkers).map(() => pool.submit<number>("blocks", 20).promise);
    for (const id of await Promise.all(wave)) seen.add(id);
  }
}

/** Jobs per second for `jobs` trivial jobs at once: `submit()` each, or the `map()` stream. */
export async function throughput(setup: {
  runtime: Runtime;
  api: "submit" | "map";
}): Promise<Contender<{ jobs: number }>> {
  const { pool, close } = await openOurPool(setup.runtime, { maxWorkers: 2 });
  await warmUp(pool);
  const viaMap = (jobs: number) =>
    inScope(function* () {
      let n = 0;
      for (const _ of yield* each(map(pool, "echo", ids(jobs)))) {
        n++;
        yield* each.next();
      }
      return n;
    });
  return {
    async measure({ jobs }) {
      const start = performance.now();
      if (setup.api === "map") await viaMap(jobs);
      else await Promise.all(ids(jobs).map((i) => pool.submit("echo", i).promise));
      return { rate: (jobs * 1000) / (performance.now() - start) };
    },
    close,
  };
}

/**
 * Queue depth: both workers held by `holdUntil`, then n trivial jobs queued behind
 * them (timed: submit), every other one cancelled (timed: cancel, until each cancel
 * has settled), then the workers released and the queue drained (timed: drain).
 */
export async function queueDepth(setup: { runtime: Runtime }): Promise<Contender<{ n: number }>> {
  const { pool, close } = await openOurPool(setup.runtime, { maxWorkers: 2 });
  await warmUp(pool);
  return {
    async measure({ n }) {
      const gate = markerPath();
      const started = [markerPath(), markerPath()];
      const holders = started.map((s) => pool.submit("holdUntil", { started: s, gate }).promise);
      for (const s of started) await untilStarted(s);
      const t0 = performance.now();
      const jobs: Job[] = new Array(n);
      const done: Promise<void>[] = new Array(n);
      for (let i = 0; i < n; i++) {
        jobs[i] = pool.submit("echo", i);
        done[i] = jobs[i]!.promise.then(noop, noop);
      }
      const t1 = performance.now();
      const cancels: Promise<void>[] = [];
      for (let i = 1; i < n; i += 2) cancels.push(jobs[i]!.cancel());
      await Promise.all(cancels);
      const t2 = performance.now();
      await release(gate);
      await Promise.all(done);
      const t3 = performance.now();
      await Promise.all(holders);
      await removeGate(gate);
      const { queued, running } = pool.stats();
      if (queued + running !== 0) throw new Error(`pool not drained: ${queued} queued`);
      return { submit: t1 - t0, cancel: t2 - t1, drain: t3 - t2, total: t3 - t0 };
    },
    close,
  };
}

/** The seed program: `jobs` blocking jobs as tasks, collected with `wait`. */
export async function seed(setup: {
  runtime: Runtime;
  warm: boolean;
  workers: number;
}): Promise<Contender<{ jobs: number; ms: number }>> {
  const warm = setup.warm
    ? await openOurPool(setup.runtime, { maxWorkers: setup.workers })
    : undefined;
  if (warm) await warmUp(warm.pool);
  return {
    async measure({ jobs, ms }) {
      const start = performance.now();
      const opened = warm ?? (await openOurPool(setup.runtime, { maxWorkers: setup.workers }));
      await inScope(function* () {
        const tasks: TaskHandle<number>[] = [];
        for (let i = 0; i < jobs; i++) {
          tasks.push(yield* spawnTask(() => runInExecutor<number>(opened.pool, "blocks", ms)));
        }
        const { done } = yield* wait(tasks);
        return done.map((t) => t.result());
      });
      const elapsed = performance.now() - start;
      if (!warm) await opened.close();
      return { ms: elapsed };
    },
    close: () => warm?.close(),
  };
}

/**
 * One cancel of a running CPU job: a task runs `fn` through `runInExecutor`; once the
 * job is spinning, time `task.cancel()` until the task has settled. `killed` is 1 when
 * the pool had to kill the worker (the job never saw the cancel in its grace period).
 */
export async function cancelLatency(setup: {
  runtime: Runtime;
  fn: string;
  cancelGraceMs: number;
}): Promise<Contender> {
  const { pool, close } = await openOurPool(setup.runtime, {
    maxWorkers: 2,
    cancelGraceMs: setup.cancelGraceMs,
  });
  await warmUp(pool);
  return {
    measure: () =>
      inScope(function* () {
        const marker = markerPath();
        const killed = pool.stats().killed;
        const task = yield* spawnTask(() => runInExecutor(pool, setup.fn, marker));
        yield* until(untilStarted(marker));
        const start = performance.now();
        yield* task.cancel("bench");
        const ms = performance.now() - start;
        if (task.state !== "cancelled") throw new Error(`job ended ${task.state}, not cancelled`);
        return { ms, killed: pool.stats().killed - killed };
      }),
    close,
  };
}
