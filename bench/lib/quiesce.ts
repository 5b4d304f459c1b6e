// The root package does not depend on @quiesce/*, so `import "@quiesce/core"` does not
// resolve from bench/. These are the files the `development` condition would pick.
export * from "../../packages/core/src/index.ts";
