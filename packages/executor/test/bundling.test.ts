import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect, it } from "vitest";
import { fixture, tempFolder } from "./helpers.ts";

const ROOT_MODULES = fileURLToPath(new URL("../../../node_modules", import.meta.url));

it("a program bundled with the packages left external runs thread and process pools (#12)", async () => {
  const folder = tempFolder();
  // The external packages resolve from node_modules at run time, as in an install.
  symlinkSync(ROOT_MODULES, join(folder, "node_modules"), "dir");
  copyFileSync(fixture("echo.mjs"), join(folder, "echo.mjs"));
  const bundle = join(folder, "bundle.mjs");
  const result = await build({
    entryPoints: [fileURLToPath(fixture("bundled-program.ts"))],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // What the README's "Bundling" section says to leave external.
    external: ["@quiesce/core", "@quiesce/executor", "effection"],
    metafile: true,
    logLevel: "silent",
  });
  // Only the program itself went into the bundle.
  expect(
    Object.keys(result.metafile.inputs).every((input) => !input.includes("node_modules")),
  ).toBe(true);
  expect(readFileSync(bundle, "utf8")).toContain("describeRun");
  // The packages run from source here (the workspace's condition); installed, from dist/.
  const program = spawn(
    process.execPath,
    ["--conditions=@quiesce/source", "--import", "tsx", bundle],
    { cwd: folder, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  program.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  program.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const ceiling = setTimeout(() => program.kill("SIGKILL"), 30_000);
  const [code] = await once(program, "exit");
  clearTimeout(ceiling);
  expect({ code, stdout, stderr }).toEqual({
    code: 0,
    stdout: "process: 64\nthread: 49\n",
    stderr: "",
  });
});
