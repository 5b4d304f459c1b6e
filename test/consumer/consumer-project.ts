// A consumer's project, made the way a new user makes one: the two packages packed
// with pnpm, then `npm init -y` and `npm install` of the tarballs and effection in a
// fresh temporary folder. Programs in it run as real processes, each in a process
// group of its own, so a test can tell that nothing they started is left.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixture", import.meta.url));
/** The repository's TypeScript compiler: the consumer type checks with the same one. */
export const tsc = join(root, "node_modules", ".bin", "tsc");

export interface Output {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (ceiling `timeoutMs`) and returns how it ended; never rejects. */
export function exec(file: string, args: string[], cwd: string, timeoutMs = 60_000) {
  return new Promise<Output>((resolve) => {
    execFile(file, args, { cwd, timeout: timeoutMs, env: cleanEnv() }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: unknown; signal?: NodeJS.Signals }) | null;
      const code = failure ? (typeof failure.code === "number" ? failure.code : null) : 0;
      resolve({ code, signal: failure?.signal ?? null, stdout, stderr });
    });
  });
}

/** Like {@link exec}, but throws with the command's output unless it exits 0. */
export async function must(file: string, args: string[], cwd: string): Promise<Output> {
  const run = await exec(file, args, cwd);
  if (run.code !== 0) {
    throw new Error(
      `${file} ${args.join(" ")} ended with ${run.code ?? run.signal}\n${run.stdout}${run.stderr}`,
    );
  }
  return run;
}

export interface ConsumerProject {
  /** The temporary folder holding everything below; remove it when done. */
  dir: string;
  /** A copy of the repository's working tree, installed and packed from. */
  workspace: string;
  /** The tarballs, by package name. */
  tarballs: Record<"@quiesce/core" | "@quiesce/executor", string>;
  /** The npm project with the tarballs installed and the fixture programs copied in. */
  project: string;
}

/** What the copy of the working tree leaves out: installs, builds, reports. */
const notCopied = new Set(["node_modules", "dist", ".git", ".vitest-reports", "coverage"]);

/**
 * Packs both packages with pnpm and installs them with npm into a fresh project.
 * Packing happens in a copy of the working tree, so the repository's own `dist/`
 * folders, which each package's prepack rebuilds, stay as they are.
 */
export async function createConsumerProject(): Promise<ConsumerProject> {
  const dir = mkdtempSync(join(tmpdir(), "quiesce-consumer-"));
  const workspace = join(dir, "workspace");
  const packed = join(dir, "tarballs");
  const project = join(dir, "project");
  cpSync(root, workspace, {
    recursive: true,
    filter: (source) => !notCopied.has(basename(source)),
  });
  mkdirSync(project);
  const pnpm = ["-y", "pnpm@10"];
  await must(
    "npx",
    [...pnpm, "install", "--frozen-lockfile", "--prefer-offline", "--ignore-scripts"].concat(
      storeOfRoot(),
    ),
    workspace,
  );
  // One after the other: each prepack rebuilds its package's dist/ from scratch.
  await must(
    "npx",
    [...pnpm, "--filter", "./packages/*", "--workspace-concurrency=1", "pack"].concat(
      "--pack-destination",
      packed,
    ),
    workspace,
  );
  const tarballs = {
    "@quiesce/core": join(packed, tarball(packed, "quiesce-core-")),
    "@quiesce/executor": join(packed, tarball(packed, "quiesce-executor-")),
  };
  await must("npm", ["init", "-y"], project);
  // What a recent `npm init -y` writes, whatever the npm here does.
  const manifest = join(project, "package.json");
  const written = JSON.parse(readFileSync(manifest, "utf8"));
  writeFileSync(manifest, JSON.stringify({ ...written, type: "commonjs" }, null, 2));
  await must(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"].concat(
      Object.values(tarballs),
      ["effection@^4.1.1", "@types/node@20"],
    ),
    project,
  );
  cpSync(fixture, project, { recursive: true });
  return { dir, workspace, tarballs, project };
}

/**
 * The repository's pnpm store, so the copy installs from it even where the
 * temporary folder is on another file system (pnpm then picks a store of its own).
 */
function storeOfRoot(): string[] {
  try {
    const modules = JSON.parse(readFileSync(join(root, "node_modules", ".modules.yaml"), "utf8"));
    return typeof modules.storeDir === "string" ? [`--store-dir=${modules.storeDir}`] : [];
  } catch {
    return [];
  }
}

function tarball(dir: string, prefix: string): string {
  const found = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith(".tgz"));
  if (found.length !== 1) throw new Error(`expected one ${prefix}*.tgz in ${dir}, got ${found}`);
  return found[0]!;
}

/** The process environment without what would make a child run differently from a user's. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  delete env.NODE_OPTIONS;
  return env;
}

export interface RunningProgram {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once `count` complete stdout lines match `pattern`; rejects if the program ends first. */
  waitForLines(pattern: RegExp, count: number, timeoutMs?: number): Promise<string[]>;
  readonly finished: Promise<Output>;
}

/** Starts `node <file> ...args` in `cwd`, in a new process group. */
export function startProgram(cwd: string, file: string, args: string[] = []): RunningProgram {
  const child = spawn(process.execPath, [file, ...args], {
    cwd,
    env: cleanEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  let stdout = "";
  let stderr = "";
  let ended = false;
  const waiters = new Set<() => void>();
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    for (const check of [...waiters]) check();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const finished = new Promise<Output>((resolve, reject) => {
    const ceiling = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} still running after 30 s:\n${stdout}${stderr}`));
    }, 30_000);
    child.on("close", (code, signal) => {
      clearTimeout(ceiling);
      ended = true;
      for (const check of [...waiters]) check();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForLines = (pattern: RegExp, count: number, timeoutMs = 20_000) =>
    new Promise<string[]>((resolve, reject) => {
      const check = () => {
        const complete = stdout.slice(0, stdout.lastIndexOf("\n") + 1);
        const found = complete.split("\n").filter((line) => pattern.test(line));
        if (found.length >= count) {
          done();
          resolve(found);
        } else if (ended) {
          done();
          reject(new Error(`${file} ended before ${count} × ${pattern}:\n${stdout}${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${count} × ${pattern} in ${timeoutMs} ms:\n${stdout}${stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, pid: child.pid, waitForLines, finished };
}

/** The live processes of process group `pgid` (Linux: from /proc; elsewhere none). */
export function processesInGroup(pgid: number): number[] {
  if (!existsSync("/proc")) return [];
  return readdirSync("/proc")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && groupOf(pid) === pgid);
}

function groupOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command name in parentheses: state, ppid, pgrp, ...
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : Number(fields[2]);
  } catch {
    return undefined;
  }
}
