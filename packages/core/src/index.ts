export * from "./cancel-all.ts";
export * from "./cancel-reason.ts";
export * from "./current-task.ts";
export * from "./errors.ts";
export * from "./reporter.ts";
export * from "./spawn-task.ts";
export type { Settlement, TaskHandle, TaskState } from "./task-handle.ts";
export * from "./task-tree.ts";
export * from "./validate.ts";
