import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { argumentError, describeValue } from "@quiesce/core/internal";

const EXPECTED = "a file URL or a path of an existing worker module";

/**
 * The `module` option as a file URL: a URL or `file:` string as is, an absolute path as
 * is, a relative path resolved against the working directory (`process.cwd()`). Fails
 * at the call if the file does not exist, naming the path tried and, for a relative
 * path, what it was resolved against.
 */
export function toModuleUrl(module: unknown): string {
  let url: URL;
  if (module instanceof URL) url = module;
  else if (typeof module === "string" && module.startsWith("file:")) url = new URL(module);
  else if (typeof module === "string" && module !== "") {
    url = pathToFileURL(isAbsolute(module) ? module : resolve(module));
  } else {
    throw argumentError("module", EXPECTED, module);
  }
  if (url.protocol !== "file:") throw argumentError("module", EXPECTED, module);
  const path = fileURLToPath(url);
  if (existsSync(path)) return url.href;
  const relative = typeof module === "string" && !module.startsWith("file:") && !isAbsolute(module);
  const base = relative
    ? `; a relative path is resolved against the working directory, ${process.cwd()} ` +
      `(for a file next to your code, pass new URL(${JSON.stringify(module)}, import.meta.url))`
    : "";
  throw new TypeError(
    `Expected \`module\` to be ${EXPECTED}, got ${describeValue(module)}: ${path} does not exist${base}`,
  );
}
