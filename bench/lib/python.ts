import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ContenderSpec } from "./isolated.ts";

/** The interpreter of the asyncio columns: `$QUIESCE_BENCH_PYTHON`, else `python3`. */
const PYTHON = process.env.QUIESCE_BENCH_PYTHON || "python3";
/** asyncio.TaskGroup, which the tree and shutdown programs use, is new in 3.11. */
const MINIMUM = [3, 11];

type Status = { ok: true; version: string } | { ok: false; reason: string };
let status: Status | undefined;

/** Whether the asyncio columns can run here; asked once per suite. */
export function pythonStatus(): Status {
  if (status) return status;
  const probe = spawnSync(PYTHON, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    encoding: "utf8",
  });
  const version = probe.stdout?.trim() ?? "";
  const [major = 0, minor = 0] = version.split(".").map(Number);
  status =
    probe.status !== 0 || !version
      ? { ok: false, reason: `\`${PYTHON}\` not found or not runnable` }
      : major < MINIMUM[0]! || (major === MINIMUM[0] && minor < MINIMUM[1]!)
        ? { ok: false, reason: `\`${PYTHON}\` is ${version}; the asyncio programs need 3.11+` }
        : { ok: true, version };
  return status;
}

/** Command line of a Python script under bench/, or undefined without a usable python3. */
export function pythonCommand(
  script: URL,
  args: readonly string[],
): { command: string; args: string[] } | undefined {
  if (!pythonStatus().ok) return undefined;
  return { command: PYTHON, args: ["-u", fileURLToPath(script), ...args] };
}

const CONTENDERS = new URL("../contenders/asyncio-tasks.py", import.meta.url);

/** The asyncio contender `factory` (see asyncio-tasks.py), or undefined without python3. */
export function asyncioContender(
  name: string,
  factory: string,
  setup: unknown = null,
): ContenderSpec | undefined {
  const command = pythonCommand(CONTENDERS, []);
  return command && { name, host: { key: "asyncio", ...command }, factory, setup };
}

/** A note for a group whose asyncio column could not run; undefined when it ran. */
export function asyncioNote(): string[] {
  const s = pythonStatus();
  return s.ok ? [] : [`The asyncio column is empty: ${s.reason}.`];
}

/** "CPython 3.11.7 asyncio" (or "asyncio" when Python is missing), for column names. */
export const ASYNCIO = "CPython asyncio";
