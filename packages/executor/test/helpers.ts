import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Operation } from "effection";
import { onTestFinished } from "vitest";

/** URL of a worker fixture in `test/fixtures`. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/**
 * A fresh temporary folder (`quiesce-executor-*`), removed when the current test ends.
 * Call it inside a test.
 */
export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "quiesce-executor-"));
  onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** A fresh file path that jobs append their progress to (in a {@link tempFolder}). */
export function marker(): string {
  return join(tempFolder(), "marker.txt");
}

/** The lines written to a marker file so far. */
export function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

/**
 * Waits until `count` lines of the marker match `pattern` (the worker wrote them).
 * The ceiling only catches a hang.
 */
export async function waitForLines(
  path: string,
  pattern: RegExp,
  count = 1,
  ceilingMs = 20_000,
): Promise<string[]> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const found = lines(path).filter((line) => pattern.test(line));
    if (found.length >= count) return found;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${count} × ${pattern} in ${path}: ${lines(path)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** True while a process with that PID exists and is not a zombie (dead, not yet reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // "pid (comm) S ...": the state letter follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** Waits until none of the PIDs exists any more (ceiling catches a hang). */
export async function waitGone(pids: number[], ceilingMs = 5000): Promise<number> {
  const start = Date.now();
  while (pids.some(alive)) {
    if (Date.now() - start > ceilingMs) {
      throw new Error(`still alive after ${ceilingMs} ms: ${pids.filter(alive).join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - start;
}

/** The error `fn` throws synchronously (a call that must fail at once). */
export function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

/** Runs `op`, which must fail, and returns its error. */
export function* failure(op: Operation<unknown>): Operation<unknown> {
  try {
    yield* op;
  } catch (error) {
    return error;
  }
  throw new Error("expected the operation to fail");
}

/**
 * OS threads of this process (Linux), so a test can check that no worker thread
 * outlives its pool; undefined where `/proc` is missing.
 */
export function osThreads(): number | undefined {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return undefined;
  }
}
