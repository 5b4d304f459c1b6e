// `pnpm example <name> [args]`: runs examples/<name>/main.ts from source.
// A terminal's Ctrl+C reaches the example directly (same process group), so
// this wrapper ignores SIGINT and SIGHUP and forwards only SIGTERM, then ends
// the way the example ended (same exit code, or killed by the same signal).
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...args] = process.argv.slice(2);
const names = readdirSync(join(root, "examples")).filter((n) =>
  existsSync(join(root, "examples", n, "main.ts")),
);
if (!name || !names.includes(name)) {
  console.error(`usage: pnpm example <name>\n  names: ${names.join(", ")}`);
  process.exit(2);
}
const child = spawn(
  process.execPath,
  [
    "--conditions=@quiesce/source",
    "--import",
    "tsx",
    join(root, "examples", name, "main.ts"),
    ...args,
  ],
  { stdio: "inherit" },
);
const ignore = () => {};
process.on("SIGINT", ignore);
process.on("SIGHUP", ignore);
const forward = () => child.kill("SIGTERM");
process.on("SIGTERM", forward);
child.on("exit", (code, signal) => {
  process.off("SIGINT", ignore);
  process.off("SIGHUP", ignore);
  process.off("SIGTERM", forward);
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
