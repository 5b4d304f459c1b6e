/**
 * The pool rows' anchors: raw tinypool and raw piscina (a child where quiesce is never
 * loaded). Both call `fn(arg)` of workers/jobs.mjs; piscina has threads only.
 */
import type { Contender } from "../lib/contender.ts";
import {
  markerPath,
  openPiscina,
  openTinypool,
  type Runtime,
  release,
  removeGate,
  untilStarted,
} from "../lib/raw-pools.ts";

type Library = "tinypool" | "piscina";
interface RawPool {
  run(arg: unknown, options: { name: string; signal?: AbortSignal }): Promise<unknown>;
  destroy(): Promise<void>;
}

const noop = () => {};
const ids = (jobs: number) => Array.from({ length: jobs }, (_, i) => i);

function open(library: Library, runtime: Runtime, workers: number): RawPool {
  if (library === "piscina" && runtime !== "threads") throw new Error("piscina has threads only");
  return library === "tinypool" ? openTinypool(runtime, workers) : openPiscina(workers);
}

/** Brings up every worker (each runs a 20 ms blocking job at once). */
async function warmUp(pool: RawPool, workers: number): Promise<void> {
  const seen = new Set<unknown>();
  for (let round = 0; round < 100 && seen.size < workers; round++) {
    const wave = ids(workers).map(() => pool.run(20, { name: "blocks" }));
    for (const id of await Promise.all(wave)) seen.add(id);
  }
}

/** Jobs per second for `jobs` trivial jobs at once; `signal` gives each run() its own. */
export async function throughput(setup: {
  library: Library;
  runtime: Runtime;
  signal?: boolean;
}): Promise<Contender<{ jobs: number }>> {
  const pool = open(setup.library, setup.runtime, 2);
  await warmUp(pool, 2);
  const options = () =>
    setup.signal ? { name: "echo", signal: new AbortController().signal } : { name: "echo" };
  return {
    async measure({ jobs }) {
      const start = performance.now();
      await Promise.all(ids(jobs).map((i) => pool.run(i, options())));
      return { rate: (jobs * 1000) / (performance.now() - start) };
    },
    close: () => pool.destroy(),
  };
}

/** Queue depth, as quiesce-pools.ts: a job is cancellable only through its own signal. */
export async function queueDepth(setup: {
  library: Library;
  runtime: Runtime;
}): Promise<Contender<{ n: number }>> {
  const pool = open(setup.library, setup.runtime, 2);
  await warmUp(pool, 2);
  return {
    async measure({ n }) {
      const gate = markerPath();
      const started = [markerPath(), markerPath()];
      const holders = started.map((s) => pool.run({ started: s, gate }, { name: "holdUntil" }));
      for (const s of started) await untilStarted(s);
      const t0 = performance.now();
      const controllers: AbortController[] = new Array(n);
      const done: Promise<void>[] = new Array(n);
      for (let i = 0; i < n; i++) {
        controllers[i] = new AbortController();
        done[i] = pool.run(i, { name: "echo", signal: controllers[i]!.signal }).then(noop, noop);
      }
      const t1 = performance.now();
      const cancelled: Promise<void>[] = [];
      for (let i = 1; i < n; i += 2) {
        controllers[i]!.abort();
        cancelled.push(done[i]!);
      }
      await Promise.all(cancelled);
      const t2 = performance.now();
      await release(gate);
      await Promise.all(done);
      const t3 = performance.now();
      await Promise.all(holders);
      await removeGate(gate);
      return { submit: t1 - t0, cancel: t2 - t1, drain: t3 - t2, total: t3 - t0 };
    },
    close: () => pool.destroy(),
  };
}

/** The seed program over `Promise.all` of raw `run()` calls, on a warm or a cold pool. */
export async function seed(setup: {
  library: Library;
  runtime: Runtime;
  warm: boolean;
  workers: number;
}): Promise<Contender<{ jobs: number; ms: number }>> {
  const warm = setup.warm ? open(setup.library, setup.runtime, setup.workers) : undefined;
  if (warm) await warmUp(warm, setup.workers);
  return {
    async measure({ jobs, ms }) {
      const start = performance.now();
      const pool = warm ?? open(setup.library, setup.runtime, setup.workers);
      await Promise.all(ids(jobs).map(() => pool.run(ms, { name: "blocks" })));
      const elapsed = performance.now() - start;
      if (!warm) await pool.destroy();
      return { ms: elapsed };
    },
    close: () => warm?.destroy(),
  };
}

/** One forced cancel: abort a spinning job's signal (the pool terminates its worker). */
export async function cancelLatency(setup: {
  library: Library;
  runtime: Runtime;
}): Promise<Contender> {
  const pool = open(setup.library, setup.runtime, 2);
  await warmUp(pool, 2);
  return {
    async measure() {
      const marker = markerPath();
      const controller = new AbortController();
      const settled = pool.run(marker, { name: "spinForever", signal: controller.signal }).then(
        () => false,
        () => true,
      );
      await untilStarted(marker);
      const start = performance.now();
      controller.abort();
      if (!(await settled)) throw new Error("raw job was not aborted");
      return { ms: performance.now() - start };
    },
    close: () => pool.destroy(),
  };
}
