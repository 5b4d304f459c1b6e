/** Column names shared by the groups and the contender specs. */
export const EFFECT = "Effect";
export { ASYNCIO } from "./python.ts";

/** A contender module under bench/contenders/. */
export const contenderModule = (file: string): URL =>
  new URL(`../contenders/${file}`, import.meta.url);

export const QUIESCE_TASKS = contenderModule("quiesce-tasks.ts");
export const QUIESCE_DEBUG_TASKS = contenderModule("quiesce-debug-tasks.ts");
export const EFFECTION_TASKS = contenderModule("effection-tasks.ts");
export const PROMISE_TASKS = contenderModule("promise-tasks.ts");
export const EFFECT_TASKS = contenderModule("effect-tasks.ts");
export const QUIESCE_POOLS = contenderModule("quiesce-pools.ts");
export const POOL_ANCHORS = contenderModule("pool-anchors.ts");

/** "1,000" */
export const count = (n: number): string => n.toLocaleString("en-US");
