import { fileURLToPath } from "node:url";

/** Node flags that let a child load bench/ TypeScript and the packages' sources. */
export const TS_FLAGS = ["--conditions=@quiesce/source", "--import", "tsx"];

/**
 * Flags of an anchor's child: besides TS_FLAGS, a module hook that makes any import of
 * `@quiesce/*` (or a file under packages/core or packages/executor) throw, so an
 * anchor can never be measured in a process that quiesce has touched.
 */
export const ANCHOR_FLAGS = [
  ...TS_FLAGS,
  "--import",
  fileURLToPath(new URL("./no-quiesce.mjs", import.meta.url)),
];
