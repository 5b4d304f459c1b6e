import { fileURLToPath } from "node:url";

/**
 * Node flags of a child that runs quiesce: bench/ TypeScript loads through tsx, and
 * `@quiesce/*` resolve to the packages' built `dist/` (what users install: `tsc`'s
 * output), not to their sources through tsx, whose transform adds a `__name()` call
 * to every function a task makes. `pnpm bench` builds the packages first
 * ({@link buildPackages}).
 */
export const QUIESCE_FLAGS = ["--import", "tsx"];

/**
 * Flags of an anchor's child: besides QUIESCE_FLAGS, a module hook that makes any
 * import of `@quiesce/*` (or a file under packages/core or packages/executor) throw,
 * so an anchor can never be measured in a process that quiesce has touched.
 */
export const ANCHOR_FLAGS = [
  ...QUIESCE_FLAGS,
  "--import",
  fileURLToPath(new URL("./no-quiesce.mjs", import.meta.url)),
];
