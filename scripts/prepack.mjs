// `prepack` of each library package (run in the package's folder by `pnpm pack` and
// `pnpm publish`). It refuses any packer but pnpm, builds `dist/` from scratch so no
// output of a deleted source file is shipped, points the declarations' relative
// imports at the shipped `.js` names, and checks that every path the published
// manifest names is a file the tarball will hold.
//
// Why pnpm only: pnpm rewrites `workspace:` dependency ranges to real versions and
// replaces `exports` with `publishConfig.exports` (which drops the
// `@quiesce/source` condition, whose `src/` files are not shipped). npm and yarn 1
// do neither, so what they would pack does not install.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync("package.json", "utf8"));
const name = manifest.name;
// Both must say pnpm: npm takes a user agent from the environment, so `npm pack` run
// from a pnpm script would pass on the agent alone, but npm_execpath is set by the
// running package manager itself.
const agent = process.env.npm_config_user_agent ?? "";
const execPath = basename(process.env.npm_execpath ?? "");

if (!agent.startsWith("pnpm/") || !execPath.startsWith("pnpm")) {
  const packer = agent.startsWith("pnpm/")
    ? execPath.replace(/(-cli)?\.[cm]?js$/, "")
    : agent.split(" ")[0] || "this tool";
  fail(
    `pack and publish ${name} with pnpm: \`npx -y pnpm@10 pack\` or \`npx -y pnpm@10 publish\`.\n` +
      `  ${packer} would ship its "workspace:" dependency ranges and the \`@quiesce/source\`\n` +
      `  export condition as they are, and that package would not install.`,
  );
}

rmSync("dist", { recursive: true, force: true });
const tsc = join(root, "node_modules", ".bin", "tsc");
const build = spawnSync(tsc, ["-b"], { stdio: "inherit" });
if (build.status !== 0) fail(`\`tsc -b\` failed (status ${build.status ?? build.signal})`);

// tsc keeps `./x.ts` in emitted declarations even with rewriteRelativeImportExtensions
// (microsoft/TypeScript#61037). TypeScript reads them anyway, but the files they
// name are not shipped and other tools (IDEs, bundlers of .d.ts files) do not guess.
for (const entry of readdirSync("dist", { recursive: true, withFileTypes: true })) {
  if (!/\.d\.m?ts$/.test(entry.name)) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, "utf8");
  const fixed = text.replace(
    /(\bfrom\s*|\bimport\s*\(\s*)(["'])(\.\.?\/[^"']*?)(?<!\.d)\.([mc]?)ts\2/g,
    (_, before, quote, path, kind) => `${before}${quote}${path}.${kind}js${quote}`,
  );
  if (fixed !== text) writeFileSync(file, fixed);
}

const published = manifest.publishConfig?.exports;
if (!published) fail("package.json has no publishConfig.exports");
const workspaceKeys = Object.keys(manifest.exports ?? {}).sort();
if (JSON.stringify(Object.keys(published).sort()) !== JSON.stringify(workspaceKeys)) {
  fail("publishConfig.exports and exports do not list the same subpaths");
}
const targets = [manifest.types, manifest.main, ...targetsOf(published)].filter(Boolean);
for (const target of targets) {
  if (!target.startsWith("./dist/")) fail(`published path ${target} is outside dist/`);
  if (!existsSync(target)) fail(`published path ${target} was not built`);
}

function targetsOf(value) {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([condition, inner]) => {
    if (condition.startsWith("@quiesce/")) fail(`publishConfig.exports keeps ${condition}`);
    return targetsOf(inner);
  });
}

function fail(message) {
  console.error(`prepack ${name}: ${message}`);
  process.exit(1);
}
