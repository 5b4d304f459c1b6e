// Runs an example as a real process, the way a user would, and watches its output.
// Tests wait for lines the example prints (never for a fixed time), send real
// signals, and check how the process ended and that nothing it started is left.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: examples run with it as their working directory. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** How a run ended, with everything it printed. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they arrived. */
  output: string;
  elapsedMs: number;
}

export interface RunningExample {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything printed so far, both streams, in arrival order. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first line (either stream) matching `pattern`, even one already printed. */
  waitForLine(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves once `count` lines (either stream) match `pattern`, with those lines. */
  waitForLines(pattern: RegExp | string, count: number, timeoutMs?: number): Promise<string[]>;
  /** Sends a real signal to the example's process. */
  signal(sig: NodeJS.Signals): void;
  readonly finished: Promise<Finished>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Ceiling for the whole run; on expiry the process is killed and the run rejects. */
  timeoutMs?: number;
  /** Working directory; default the repository root. */
  cwd?: string;
  /** Start it as the leader of a process group of its own (as a terminal's job is). */
  detached?: boolean;
}

/**
 * Starts `examples/<name>/main.ts` exactly as `pnpm example <name>` does, but
 * without the wrapper, so signals reach the example itself.
 */
export function startExample(
  name: string,
  args: string[] = [],
  options: StartOptions = {},
): RunningExample {
  return startProcess(
    `example ${name}`,
    process.execPath,
    ["--conditions=@quiesce/source", "--import", "tsx", `examples/${name}/main.ts`, ...args],
    options,
  );
}

/**
 * Starts any command (a supervisor such as nodemon or pm2, with an example under
 * it) in the repository root and watches its output as {@link startExample} does.
 */
export function startProcess(
  label: string,
  command: string,
  args: string[],
  options: StartOptions = {},
): RunningExample {
  const name = label;
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  let out = "";
  let err = "";
  let all = "";
  const waiters = new Set<() => void>();
  const onData = (which: "out" | "err") => (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    if (which === "out") out += text;
    else err += text;
    all += text;
    for (const check of [...waiters]) check();
  };
  child.stdout?.on("data", onData("out"));
  child.stderr?.on("data", onData("err"));

  const ceiling = options.timeoutMs ?? 45_000;
  const finished = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} still running after ${ceiling} ms; output:\n${all}`));
    }, ceiling);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      for (const check of [...waiters]) check();
      resolve({
        code,
        signal,
        stdout: out,
        stderr: err,
        output: all,
        elapsedMs: performance.now() - started,
      });
    });
  });
  let exited = false;
  finished.then(
    () => {
      exited = true;
    },
    () => {
      exited = true;
    },
  );

  const waitForLines = (pattern: RegExp | string, count: number, timeoutMs = 30_000) =>
    new Promise<string[]>((resolve, reject) => {
      const matches = (line: string) =>
        typeof pattern === "string" ? line.includes(pattern) : pattern.test(line);
      const check = () => {
        // Only complete lines: a line still being written may match later.
        const complete = all.slice(0, all.lastIndexOf("\n") + 1);
        const found = complete.split("\n").filter(matches);
        if (found.length >= count) {
          done();
          resolve(found.slice(0, count));
        } else if (exited || child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`${name} ended before printing ${pattern}; output:\n${all}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`no ${count} lines matching ${pattern} in ${timeoutMs} ms; output:\n${all}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    pid: child.pid,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    waitForLine: async (pattern, timeoutMs) => (await waitForLines(pattern, 1, timeoutMs))[0]!,
    waitForLines,
    signal: (sig) => {
      child.kill(sig);
    },
    finished,
  };
}

/** Runs an example to the end and returns how it ended. */
export function runExample(
  name: string,
  args: string[] = [],
  options: StartOptions = {},
): Promise<Finished> {
  return startExample(name, args, options).finished;
}

/** The lines of `text`, without the empty last one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.length > 0);
}

/** Parses `/proc/<pid>/stat` into [ppid, state], or undefined if the process is gone. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces: parse after the last ")".
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "?", ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid` (Linux: from /proc; elsewhere an empty list). */
export function descendants(pid: number): number[] {
  if (!existsSync("/proc")) return [];
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const info = stat(child);
    if (!info) continue;
    const list = parents.get(info.ppid);
    if (list) list.push(child);
    else parents.set(info.ppid, [child]);
  }
  const out: number[] = [];
  const visit = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const info = stat(pid);
  if (info) return info.state !== "Z";
  if (existsSync("/proc")) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves with the pids in `pids` still alive after `withinMs` (an empty list
 * is the good outcome). Polls: a process that was told to go may take a moment.
 */
export async function survivors(pids: readonly number[], withinMs = 5_000): Promise<number[]> {
  const until = performance.now() + withinMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || performance.now() > until) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGTERM: 15,
};

/**
 * True if the run ended the way a shell reports as "killed by `sig`": by the signal
 * itself (quiesce's `main` re-raises it) or, where that is impossible, by exit
 * status 128 + n.
 */
export function endedBy(run: Finished, sig: NodeJS.Signals): boolean {
  return run.signal === sig || run.code === 128 + (SIGNAL_NUMBERS[sig] ?? 0);
}

/**
 * Runs a shell pipeline such as `node scripts/example.mjs demo | head -5` in the
 * repository root, to see what a program does when its reader goes away.
 */
export function runPiped(pipeline: string, options: StartOptions = {}): Promise<Finished> {
  return startProcess(pipeline, "/bin/sh", ["-c", pipeline], options).finished;
}
