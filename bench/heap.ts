import type { Samples } from "./lib/alternate.ts";
import { runJson } from "./lib/child.ts";
import { atMost, type GroupRunner, makeRow } from "./lib/row.ts";

export const heapGroup: GroupRunner = async ({ quick, log }) => {
  const n = quick ? 500 : 10_000;
  const rounds = quick ? 1 : 3;
  log(`heap per suspended task n=${n} (child with --expose-gc)`);
  const samples = await runJson<Samples>(
    new URL("./heap-child.ts", import.meta.url),
    [String(n), String(rounds)],
    ["--expose-gc"],
  );
  const row = makeRow(samples, {
    case: `${n.toLocaleString("en-US")} suspended tasks`,
    metric: "bytes",
    unit: "B/task",
    variants: ["@quiesce/core", "effection", "async + AbortController"],
    anchors: ["effection", "async + AbortController"],
    goal: (r) => atMost("≤ 1.10x effection", r.effection!, 1.1),
  });
  return {
    id: "heap",
    title: "Heap bytes per suspended task",
    meaning:
      "Heap used (after two full GCs) by N tasks suspended forever, divided by N, with the " +
      "handles kept in an array as a program would: `spawnTask` vs effection's `spawn` vs an " +
      "async function awaiting an abortable promise, with its own `AbortController`. Run in " +
      "a child `node --expose-gc`. Goal: within 10% of raw effection.",
    rows: [row],
    notes: [],
  };
};
