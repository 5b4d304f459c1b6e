import type { Samples } from "./lib/alternate.ts";
import { runJson } from "./lib/child.ts";
import { atMost, fmt, fmtRatio, type GroupRunner, makeRow } from "./lib/row.ts";

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
    variants: [
      "@quiesce/core",
      "effection",
      "async + AbortController",
      "site stack, 10 frames",
      "site stack, 4 frames",
    ],
    anchors: ["effection", "async + AbortController"],
    goal: (r) => atMost("≤ 1.10x effection", r.effection!, 1.1),
  });
  const [ours, effection, , site10, site4] = row.cells.map((c) => c.summary.median);
  const extra = ours! - effection!;
  const notes = [
    `Ours keeps ${fmt(extra)} B per task more than effection (${fmt(ours!)} vs ${fmt(effection!)}). ` +
      "The last two columns measure one part of it on its own: the creation-site stack " +
      "that `spawnTask` captures for reports (`Error.captureStackTrace`, kept unformatted), " +
      `${fmt(site10!)} B at V8's default 10 frames and ${fmt(site4!)} B at the 4 frames ` +
      `\`captureSite()\` takes since commit dd1b84f, ${((site4! / extra) * 100).toFixed(0)}% of ` +
      "the difference. The rest is the `TaskNode` (about 15 fields), its closures (`halt`, " +
      "the wrapped settle function), its entry in the parent's `children` set or in " +
      "`roots`, and the `CurrentTask` context value set on the task's scope.",
  ];
  if (!row.goal?.met) {
    notes.push(
      "Fix (packages/core, not applied here): capture the site only when asked (a `main()` " +
        `option, or \`NODE_ENV !== "production"\`): ours would then be about ` +
        `${fmtRatio((ours! - site4!) / effection!)} effection. Trimming \`TaskNode\` (the ` +
        "timestamps and report fields could live in one lazily created object) would take " +
        "off most of the rest.",
    );
  }
  return {
    id: "heap",
    title: "Heap bytes per suspended task",
    meaning:
      "Heap used (after two full GCs) by N tasks suspended forever, divided by N, with the " +
      "handles kept in an array as a program would: `spawnTask` vs effection's `spawn` vs an " +
      "async function awaiting an abortable promise, with its own `AbortController`. Run in " +
      "a child `node --expose-gc`. Goal: within 10% of raw effection.",
    rows: [row],
    notes,
  };
};
