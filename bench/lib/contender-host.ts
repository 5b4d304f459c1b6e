/**
 * Child process of one contender module: `node [flags] contender-host.ts <module>`.
 * Imports the module, prints `@@bench {"ready":true}`, then answers each stdin line
 * in order, one reply line `@@bench {…}` each, until end of input:
 * - `{"op":"open","id":…,"factory":…,"setup":…}` builds a contender: `{"id":…}`
 * - `{"op":"measure","id":…,"args":…}` runs one measurement: `{"id":…,"metrics":…}`
 * - `{"op":"close","id":…}` closes the contender: `{"id":…}`
 * A failure answers `{"id":…,"error":"…"}`. asyncio-tasks.py speaks the same protocol.
 */
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { type Contender, collectGarbage } from "./contender.ts";

interface Request {
  op: "open" | "measure" | "close";
  id: number;
  factory?: string;
  setup?: unknown;
  args?: unknown;
}

const [file] = process.argv.slice(2);
const reply = (message: object) => process.stdout.write(`@@bench ${JSON.stringify(message)}\n`);
const module = (await import(pathToFileURL(file!).href)) as Record<string, unknown>;
const open = new Map<number, Contender<unknown>>();

async function answer(request: Request): Promise<object> {
  const { op, id } = request;
  if (op === "open") {
    const factory = module[request.factory!];
    if (typeof factory !== "function") throw new Error(`${file} exports no ${request.factory}`);
    open.set(id, (await factory(request.setup ?? null)) as Contender<unknown>);
    return { id };
  }
  const contender = open.get(id);
  if (!contender) throw new Error(`no open contender ${id}`);
  if (op === "measure") {
    collectGarbage();
    return { id, metrics: await contender.measure(request.args) };
  }
  open.delete(id);
  await contender.close?.();
  return { id };
}

reply({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as Request;
  try {
    reply(await answer(request));
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    reply({ id: request.id, error: text });
  }
}
for (const contender of open.values()) await contender.close?.();
process.exit(0);
