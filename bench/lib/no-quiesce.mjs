// Loaded with `--import` in every anchor's child process (see child.ts ANCHOR_FLAGS):
// registers no-quiesce-hooks.mjs, which refuses to resolve quiesce's modules.
import { register } from "node:module";

register(new URL("./no-quiesce-hooks.mjs", import.meta.url));
