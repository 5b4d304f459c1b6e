/**
 * `@quiesce/core/internal`: helpers that `@quiesce/executor` shares with core.
 * Not public API: no stability promise, may change in any release.
 */
export * from "./abort-reason-internal.ts";
export * from "./validate.ts";
