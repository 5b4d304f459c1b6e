// Types of protocol.mjs, for type checks that do not read JavaScript (allowJs off).
export declare const TAG: "__quiesce_executor__";
export declare const SLOT_BYTES: number;
export declare const STATE: number;
export declare const WORKER_ID: number;
export declare const REASON_LENGTH: number;
export declare const REASON_OFFSET: number;
export declare const RUNNING: number;
export declare const CANCEL: number;
export declare const DONE: number;
export declare const PARENT_PID_ENV: string;
