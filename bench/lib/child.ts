import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Node flags that let a child load bench/ TypeScript and the packages' sources. */
export const TS_FLAGS = ["--conditions=@quiesce/source", "--import", "tsx"];

/**
 * Runs `node [flags] file ...args` and resolves with the JSON its stdout's last
 * line holds. Rejects with the child's stderr if it exits non-zero.
 */
export function runJson<T>(
  file: URL,
  args: readonly string[],
  flags: readonly string[] = [],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, ...TS_FLAGS, fileURLToPath(file), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${file.pathname} exited with ${code ?? signal}:\n${stderr}`));
        return;
      }
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last) as T);
      } catch (error) {
        reject(
          new Error(`${file.pathname} printed no JSON:\n${stdout}\n${stderr}`, { cause: error }),
        );
      }
    });
  });
}
