// The daemon example under the supervisors people run it with: node --watch,
// nodemon, pm2, and npm as a container's first process. Each tool is the real one
// (dev dependencies), on 127.0.0.1; each test leaves no process and no temp folder.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  descendants,
  isAlive,
  lines,
  type RunningExample,
  root,
  startProcess,
  survivors,
} from "./run-example.ts";

const run = promisify(execFile);
const daemon = ["examples/daemon/main.ts", "--port", "0", "--drain-ms", "2000", "--workers", "1"];
const source = ["--conditions=@quiesce/source", "--import", "tsx"];
const listening = /^daemon: listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+),/;
const pidIn = (line: string) => Number(line.match(listening)![2]);
const portIn = (line: string) => Number(line.match(listening)![1]);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Kills the whole process group of a supervisor started with `detached`, if still there. */
function ownGroup(ex: RunningExample): void {
  cleanups.push(async () => {
    try {
      process.kill(-ex.pid, "SIGKILL");
    } catch {}
    await ex.finished.catch(() => {});
  });
}

const count = (text: string, pattern: RegExp) => lines(text).filter((l) => pattern.test(l)).length;

describe("node --watch", () => {
  function watch(dir: string) {
    const ex = startProcess(
      "node --watch",
      process.execPath,
      ["--watch-path", dir, ...source, ...daemon],
      { detached: true },
    );
    ownGroup(ex);
    return ex;
  }

  it("a restart runs the old copy's cleanup and leaves one copy running", async () => {
    const dir = tempDir("quiesce-watch-");
    const ex = watch(dir);
    const first = pidIn(await ex.waitForLine(listening));
    writeFileSync(join(dir, "changed.txt"), "1");
    const second = pidIn((await ex.waitForLines(listening, 2))[1]!);
    expect(second).not.toBe(first);
    expect(await survivors([first])).toEqual([]);
    expect(count(ex.stdout(), /^daemon: pool shut down: /)).toBe(1);
    expect(ex.stderr()).not.toMatch(/received during shutdown/);
    ex.signal("SIGTERM");
    await ex.finished;
    expect(count(ex.stdout(), /^daemon: pool shut down: /)).toBe(2);
    expect(await survivors([second])).toEqual([]);
  });

  it("one Ctrl+C to the process group runs the cleanup once (#11)", async () => {
    const ex = watch(tempDir("quiesce-watch-"));
    const pid = pidIn(await ex.waitForLine(listening));
    process.kill(-ex.pid, "SIGINT");
    await ex.finished;
    expect(ex.stderr()).not.toMatch(/received during shutdown/);
    expect(count(ex.stdout(), /^daemon: not ready: /)).toBe(1);
    expect(count(ex.stdout(), /^daemon: pool shut down: /)).toBe(1);
    expect(await survivors([pid])).toEqual([]);
  });
});

describe("nodemon (default restart signal SIGUSR2)", () => {
  const bin = join(root, "node_modules", "nodemon", "bin", "nodemon.js");

  function nodemon(args: string[], env: Record<string, string> = {}) {
    const dir = tempDir("quiesce-nodemon-");
    const ex = startProcess("nodemon", process.execPath, [bin, "--watch", dir, ...args], {
      detached: true,
      env,
    });
    ownGroup(ex);
    return ex;
  }

  /** nodemon restarts when it gets SIGHUP (its signal being SIGUSR2), as on a file change. */
  async function restartOnce(ex: RunningExample) {
    const ready = await ex.waitForLine(listening);
    const first = pidIn(ready);
    const job = fetch(`http://127.0.0.1:${portIn(ready)}/work?ms=600`).then(
      async (r) => ({
        status: r.status,
        connection: r.headers.get("connection"),
        body: await r.text(),
      }),
      (error: unknown) => error,
    );
    await ex.waitForLine(/: accepted \(/);
    ex.signal("SIGHUP");
    const second = pidIn((await ex.waitForLines(listening, 2))[1]!);
    expect(second).not.toBe(first);
    // The old copy drained before it went.
    expect(await job).toMatchObject({ status: 200, connection: "close" });
    expect(await survivors([first])).toEqual([]); // no second copy left
    await ex.waitForLine(/^daemon: pool shut down: /); // the old copy's cleanup ran
    expect(ex.stderr()).not.toMatch(/received during shutdown|app crashed|EADDRINUSE/);
    ex.signal("SIGINT");
    await ex.finished;
    expect(await survivors([second])).toEqual([]);
  }

  it("restarts the daemon cleanly when it runs the command through a shell (#11)", async () => {
    await restartOnce(nodemon(["-x", `node ${source.join(" ")}`, ...daemon]));
  });

  it("restarts the daemon cleanly when it forks node itself (SIGUSR2 sent twice) (#11)", async () => {
    await restartOnce(nodemon(["-x", "node", ...daemon], { NODE_OPTIONS: source.join(" ") }));
  });
});

describe("pm2", () => {
  const bin = join(root, "node_modules", "pm2", "bin", "pm2");

  /** A private PM2_HOME, and its daemon killed afterwards. */
  function pm2Home() {
    const home = tempDir("quiesce-pm2-");
    const pm2 = (...args: string[]) =>
      run(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, PM2_HOME: home } });
    cleanups.push(async () => {
      const god = join(home, "pm2.pid");
      const pid = existsSync(god) ? Number(readFileSync(god, "utf8")) : undefined;
      await pm2("kill").catch(() => {});
      if (pid) expect(await survivors([pid])).toEqual([]);
    });
    /** `pm2.log` (pm2's own) or an app's log under `logs/`. */
    const log = (name: string) => {
      const file = name === "pm2.log" ? join(home, name) : join(home, "logs", name);
      return existsSync(file) ? readFileSync(file, "utf8") : "";
    };
    /** Polls the app's log (pm2 writes it; there is no event to wait for). */
    const waitForLog = async (pattern: RegExp, timeoutMs = 30_000) => {
      const until = performance.now() + timeoutMs;
      for (;;) {
        const found = lines(log("daemon-out.log")).find((l) => pattern.test(l));
        if (found) return found;
        if (performance.now() > until)
          throw new Error(`no ${pattern} in:\n${log("daemon-out.log")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const start = (killTimeout?: number) =>
      pm2(
        "start",
        daemon[0]!,
        "--name",
        "daemon",
        "--interpreter",
        "node",
        `--node-args=${source.join(" ")}`,
        "--no-autorestart",
        ...(killTimeout ? ["--kill-timeout", String(killTimeout)] : []),
        "--",
        ...daemon.slice(1),
      );
    return { pm2, log, waitForLog, start };
  }

  it("`pm2 stop` with kill_timeout above the grace period lets the drain finish and the cleanup run", async () => {
    const { pm2, log, waitForLog, start } = pm2Home();
    await start(8000);
    const ready = await waitForLog(listening);
    const job = fetch(`http://127.0.0.1:${portIn(ready)}/work?ms=1000`);
    await waitForLog(/: accepted \(/);
    await pm2("stop", "daemon");
    const response = await job;
    expect(response.status).toBe(200);
    expect(response.headers.get("connection")).toBe("close");
    await response.body?.cancel();
    await waitForLog(/^daemon: pool shut down: 1 jobs completed, 0 cancelled, 0 killed$/);
    expect(log("pm2.log")).toMatch(/App \[daemon:0\] exited with code \[0\] via signal \[SIGINT\]/);
    expect(log("pm2.log")).not.toMatch(/sending SIGKILL/);
    expect(await survivors([pidIn(ready)])).toEqual([]);
  });

  it("documentation: with pm2's default kill_timeout (1600 ms) a longer drain is cut by SIGKILL", async () => {
    const { pm2, log, waitForLog, start } = pm2Home();
    await start();
    const ready = await waitForLog(listening);
    const job = fetch(`http://127.0.0.1:${portIn(ready)}/work?ms=30000`).catch((e: unknown) => e);
    await waitForLog(/: accepted \(/);
    await pm2("stop", "daemon");
    await job;
    expect(log("pm2.log")).toMatch(/still alive after 1600ms, sending SIGKILL/);
    expect(log("daemon-out.log")).not.toMatch(/pool shut down/);
    expect(await survivors([pidIn(ready)])).toEqual([]);
  });
});

describe("npm as the first process", () => {
  const npm = process.env.PATH?.split(delimiter)
    .map((dir) => join(dir, "npm"))
    .find((file) => existsSync(file));

  it.skipIf(npm === undefined)(
    "documentation: SIGTERM to `npm start` ends npm at once and leaves the program running, orphaned",
    async () => {
      const ex = startProcess("npm start", npm!, ["start", "--silent", "--", ...daemon.slice(1)], {
        cwd: join(root, "examples", "daemon"),
      });
      const pid = pidIn(await ex.waitForLine(listening));
      cleanups.push(() => isAlive(pid) && process.kill(pid, "SIGKILL"));
      const npmExited = new Promise((resolve) => ex.child.once("exit", resolve));
      ex.signal("SIGTERM");
      await npmExited; // its output pipes stay open: the orphan still holds them
      expect(isAlive(pid)).toBe(true); // nobody told it: `node` as PID 1, or tini, would have
      process.kill(pid, "SIGTERM");
      expect(await survivors([pid])).toEqual([]);
      await ex.finished;
    },
  );
});

describe("node as a container's first process", () => {
  // A new PID namespace makes node PID 1, as `CMD ["node", …]` does in a container.
  const canBePid1 = (() => {
    try {
      execFileSync("unshare", ["-fp", "--mount-proc", "true"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canBePid1)(
    "as PID 1 the daemon drains on SIGTERM and ends with status 143 (a PID 1 cannot die by a re-raised signal)",
    async () => {
      const ex = startProcess("unshare", "unshare", [
        "-fp",
        "--mount-proc",
        process.execPath,
        ...source,
        ...daemon,
      ]);
      cleanups.push(async () => {
        if (ex.child.exitCode !== null || ex.child.signalCode !== null) return;
        for (const pid of [...descendants(ex.pid), ex.pid]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {}
        }
        await ex.finished.catch(() => {});
      });
      expect(pidIn(await ex.waitForLine(listening))).toBe(1);
      const [node] = descendants(ex.pid);
      process.kill(node!, "SIGTERM");
      const run = await ex.finished;
      expect(run.code).toBe(143);
      expect(lines(run.stdout).at(-1)).toBe(
        "daemon: pool shut down: 0 jobs completed, 0 cancelled, 0 killed",
      );
      expect(run.stderr).toBe("");
    },
  );
});
