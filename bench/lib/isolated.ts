import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Variant } from "./alternate.ts";
import { ANCHOR_FLAGS, QUIESCE_FLAGS } from "./child.ts";
import type { Metrics } from "./contender.ts";

/** A child process that hosts contenders: one per contender module (and side). */
export interface HostSpec {
  /** Processes are shared by key: every contender of one module lives in one process. */
  readonly key: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** One column of a row: `factory(setup)` in the process `host`. */
export interface ContenderSpec {
  readonly name: string;
  readonly host: HostSpec;
  readonly factory: string;
  readonly setup: unknown;
}

const HOST = fileURLToPath(new URL("./contender-host.ts", import.meta.url));

/**
 * A Node contender: `factory` exported by `module`, built with `setup`. Anchors
 * (`quiesce: false`, the default) run with ANCHOR_FLAGS, which refuse to load quiesce.
 */
export function nodeContender(
  name: string,
  module: URL,
  factory: string,
  setup: unknown = null,
  options: { quiesce?: boolean } = {},
): ContenderSpec {
  const file = fileURLToPath(module);
  const flags = options.quiesce ? QUIESCE_FLAGS : ANCHOR_FLAGS;
  const host = { key: file, command: process.execPath, args: [...flags, HOST, file] };
  return { name, host, factory, setup };
}

const PREFIX = "@@bench ";
/** Far above any one measurement (the largest take seconds): only a hang gets there. */
const REPLY_TIMEOUT_MS = 120_000;
type Reply = { id?: number; error?: string; metrics?: Metrics };

/** A running host process: requests go one at a time, replies come back in order. */
class Host {
  readonly #child: ChildProcess;
  readonly #exit: Promise<void>;
  readonly #waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  #stderr = "";
  #dead: Error | undefined;
  readonly ready: Promise<Reply>;

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  constructor(readonly spec: HostSpec) {
    this.#child = spawn(spec.command, spec.args, { stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      if (line.startsWith(PREFIX)) this.#waiting.shift()?.resolve(JSON.parse(line.slice(7)));
    });
    this.#exit = new Promise((resolve) => {
      this.#child.on("exit", (code, signal) => {
        this.#fail(`exited with ${code ?? signal}`);
        resolve();
      });
    });
    this.#child.on("error", (error) => this.#fail(`could not start (${error.message})`));
    this.ready = this.#next();
  }

  #fail(why: string): void {
    this.#dead ??= new Error(`${this.spec.key} ${why}:\n${this.#stderr.trim() || "(no stderr)"}`);
    for (const w of this.#waiting.splice(0)) w.reject(this.#dead);
  }

  #next(): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /**
   * Sends one request and resolves with its reply (rejects on `error`). A process that
   * has not answered in REPLY_TIMEOUT_MS is taken for hung: it is killed, so the group
   * fails instead of the suite waiting forever.
   */
  async request(message: object): Promise<Reply> {
    await this.ready;
    const reply = this.#next();
    this.#child.stdin!.write(`${JSON.stringify(message)}\n`);
    const timer = setTimeout(() => {
      this.#fail(`sent no reply in ${REPLY_TIMEOUT_MS / 1000} s to ${JSON.stringify(message)}`);
      this.#child.kill("SIGKILL");
    }, REPLY_TIMEOUT_MS);
    try {
      const answer = await reply;
      if (answer.error) throw new Error(`${this.spec.key}: ${answer.error}`);
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the process: end of input, then SIGKILL if it has not exited in 15 s. */
  async end(): Promise<void> {
    if (!this.#dead) this.#child.stdin!.end();
    const timer = setTimeout(() => {
      if (this.#child.exitCode === null) this.#child.kill("SIGKILL");
    }, 15_000);
    await this.#exit;
    clearTimeout(timer);
  }
}

const hosts = new Map<string, Host>();
let ids = 0;

function hostFor(spec: HostSpec): Host {
  let host = hosts.get(spec.key);
  // A process that died (a failed group) is replaced for the next group.
  if (!host || host.dead) {
    host = new Host(spec);
    hosts.set(spec.key, host);
  }
  return host;
}

/** Ends every host process; the suite calls it once, at the end. */
export async function endHosts(): Promise<void> {
  const all = [...hosts.values()];
  hosts.clear();
  await Promise.all(all.map((h) => h.end()));
}

/** An open contender: `measure` sends one call and resolves with its metrics. */
export interface Remote {
  readonly name: string;
  measure(args?: unknown): Promise<Metrics>;
  close(): Promise<void>;
}

async function openRemote(spec: ContenderSpec): Promise<Remote> {
  const host = hostFor(spec.host);
  const id = ++ids;
  await host.request({ op: "open", id, factory: spec.factory, setup: spec.setup });
  return {
    name: spec.name,
    measure: async (args) => (await host.request({ op: "measure", id, args })).metrics!,
    close: async () => {
      await host.request({ op: "close", id });
    },
  };
}

/**
 * Opens every contender (specs left `undefined` are skipped: a column that cannot run
 * here), runs `body` with them and closes them, even when `body` throws. Setup is not
 * timed; measurements then go one at a time, so no two contenders measure at once.
 */
export async function withContenders<T>(
  specs: readonly (ContenderSpec | undefined)[],
  body: (remotes: readonly Remote[]) => Promise<T>,
): Promise<T> {
  const opened = await Promise.allSettled(specs.flatMap((s) => (s ? [openRemote(s)] : [])));
  const remotes = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  try {
    const failure = opened.find((o) => o.status === "rejected");
    if (failure) throw failure.reason;
    return await body(remotes);
  } finally {
    await Promise.allSettled(remotes.map((r) => r.close()));
  }
}

/** The remotes as variants of `alternate()`, each measuring with `args`. */
export function asVariants(remotes: readonly Remote[], args?: unknown): Variant[] {
  return remotes.map((r) => ({ name: r.name, measure: () => r.measure(args) }));
}
