import { createContext, type Operation, run, withResolvers } from "effection";
import { type Report, ReporterContext, setDebug } from "../src/index.ts";

/** Runs `body` under effection with reports collected instead of printed. */
export async function runCollecting<T>(
  body: (reports: Report[]) => Operation<T>,
): Promise<{ value: T; reports: Report[] }> {
  const reports: Report[] = [];
  const value = await run(function* () {
    yield* ReporterContext.set((report) => reports.push(report));
    return yield* body(reports);
  });
  return { value, reports };
}

/** Runs `body` with debug mode on (creation sites recorded), then turns it off again. */
export async function inDebugMode<T>(body: () => Promise<T>): Promise<T> {
  setDebug(true);
  try {
    return await body();
  } finally {
    setDebug(false);
  }
}

/** A latch for "this line ran": no sleeps needed to wait for it. */
export function latch() {
  return withResolvers<void>();
}

export const Unused = createContext<number>("test/unused", 0);

/** A promise with its resolve function (Node 20 has no `Promise.withResolvers`). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when `signal` aborts. */
export const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
