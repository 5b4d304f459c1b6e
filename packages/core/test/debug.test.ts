import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isDebug, setDebug } from "../src/index.ts";

/** `isDebug()` in a fresh process whose QUIESCE_DEBUG is `value` (unset if undefined). */
function debugIn(value: string | undefined): Promise<string> {
  const env = { ...process.env };
  delete env.QUIESCE_DEBUG;
  if (value !== undefined) env.QUIESCE_DEBUG = value;
  const code = 'import("@quiesce/core").then((q) => process.stdout.write(String(q.isDebug())))';
  const child = spawn(
    process.execPath,
    ["--conditions=@quiesce/source", "--import", "tsx", "--input-type=module", "-e", code],
    { env, stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve) => child.on("close", () => resolve(out)));
}

describe("debug mode", () => {
  it("is off unless QUIESCE_DEBUG is set to something other than empty, 0 or false (#13)", async () => {
    const values = [undefined, "", "0", "false", "FALSE", "1", "true", "yes"];
    const seen = await Promise.all(values.map(debugIn));
    expect(seen).toEqual(["false", "false", "false", "false", "false", "true", "true", "true"]);
  });

  it("is switched for the whole process by setDebug, which takes only a boolean (#13)", () => {
    expect(isDebug()).toBe(false);
    setDebug(true);
    expect(isDebug()).toBe(true);
    setDebug(false);
    expect(isDebug()).toBe(false);
    expect(() => setDebug("yes" as never)).toThrow(
      new TypeError('Expected `enabled` to be a boolean, got `"yes"` (string)'),
    );
  });
});
