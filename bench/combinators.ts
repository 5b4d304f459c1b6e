import { alternate, type Samples } from "./lib/alternate.ts";
import { asVariants, nodeContender, withContenders } from "./lib/isolated.ts";
import { count, EFFECTION_TASKS, PROMISE_TASKS, QUIESCE_TASKS } from "./lib/names.ts";
import { type GroupRunner, makeRow, type Row } from "./lib/row.ts";

const OURS = ["wait", "gather", "asCompleted"] as const;
const ANCHORS = ["yield* each handle", "effection all()", "Promise.all"];

export const combinatorsGroup: GroupRunner = async ({ quick, log }) => {
  const n = quick ? 200 : 5_000;
  const rounds = quick ? 1 : 2;
  log(`wait/gather/asCompleted n=${n}`);
  const specs = [
    ...OURS.map((collect) =>
      nodeContender(collect, QUIESCE_TASKS, "combinator", { collect }, { quiesce: true }),
    ),
    nodeContender(ANCHORS[0]!, QUIESCE_TASKS, "combinator", { collect: "each" }, { quiesce: true }),
    nodeContender(ANCHORS[1]!, EFFECTION_TASKS, "combinator"),
    nodeContender(ANCHORS[2]!, PROMISE_TASKS, "combinator"),
  ];
  const samples = await withContenders(specs, (remotes) =>
    alternate(asVariants(remotes, { n }), { rounds, warmup: 1 }),
  );
  const rows: Row[] = OURS.map((name) => {
    const view: Samples = { ...samples, "@quiesce/core": samples[name]! };
    return makeRow(view, {
      case: `\`${name}\` over ${count(n)} tasks`,
      metric: "ms",
      unit: "ms",
      variants: ["@quiesce/core", ...ANCHORS],
      anchors: ANCHORS,
    });
  });
  return {
    id: "combinators",
    title: "`wait`, `gather`, `asCompleted` over N tasks",
    meaning:
      "N tasks are spawned parked on one gate (not timed); the clock runs from opening the " +
      "gate until the combinator returns, so each cell is N settlements plus the combinator. " +
      "The anchors collect the same tasks without a combinator (`yield*` each handle in " +
      "order, ours), with effection's `all()` over raw effection tasks, and with " +
      "`Promise.all` over async functions. No goal; the ratios show what a combinator adds.",
    rows,
    notes: [
      "Most of each cell is the N settlements themselves (compare the `yield* each " +
        "handle` column, which has no combinator at all); effection's `all()` runs one more " +
        "task per operation. `Promise.all` shows what the same fan-in costs without " +
        "structured concurrency.",
    ],
  };
};
