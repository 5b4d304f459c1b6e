// See quiesce.ts: the files the `development` condition would pick for @quiesce/executor.
export * from "../../packages/executor/src/index.ts";
