// A new user's first hour (#12): pack both packages with pnpm, install the tarballs
// with npm into a fresh project, type check a program under NodeNext and Bundler,
// run it with plain node as ESM and through require() from CommonJS, and stop it
// with a real Ctrl+C while its jobs run on a thread pool.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsumerProject,
  createConsumerProject,
  exec,
  must,
  type Output,
  processesInGroup,
  root,
  startProgram,
  tsc,
} from "./consumer-project.ts";

const compilerOptions = { target: "es2022", strict: true, types: ["node"], skipLibCheck: false };
const programs = ["program.mts", "program.cts"];

let consumer: ConsumerProject;
let nodeNext: Output;

beforeAll(async () => {
  consumer = await createConsumerProject();
  const { project } = consumer;
  writeJson(join(project, "tsconfig.nodenext.json"), {
    compilerOptions: { ...compilerOptions, module: "nodenext", moduleResolution: "nodenext" },
    files: programs,
  });
  // Emits program.mjs and program.cjs next to worker.mjs, for the runs below.
  nodeNext = await exec(tsc, ["-p", "tsconfig.nodenext.json"], project);
}, 120_000);

afterAll(() => {
  if (consumer) rmSync(consumer.dir, { recursive: true, force: true });
});

describe("the tarballs (#12)", () => {
  it("ship dist/, README and LICENSE only: no source map, no .tsbuildinfo, no map comment", () => {
    for (const [name, tarball] of Object.entries(consumer.tarballs)) {
      const files = unpack(tarball);
      const shipped = filesUnder(files).map((f) => relative(files, f));
      expect(shipped).toContain("LICENSE");
      expect(shipped).toContain("README.md");
      for (const file of shipped) {
        expect(file, name).toMatch(
          /^(LICENSE|README\.md|package\.json|dist\/.+\.(d\.)?m?(js|ts))$/,
        );
        const text = readFileSync(join(files, file), "utf8");
        expect(text, `${name}: ${file}`).not.toContain("sourceMappingURL");
        for (const [, spec] of text.matchAll(/(?:from|import\()\s*["'](\.\.?\/[^"']+)["']/g)) {
          expect(shipped, `${name}: ${file} imports ${spec}`).toContain(
            relative(files, join(files, dirname(file), spec!)),
          );
        }
      }
    }
  });

  it("have a manifest whose every path is shipped, with real ranges and no workspace condition", () => {
    for (const [name, tarball] of Object.entries(consumer.tarballs)) {
      const files = unpack(tarball);
      const text = readFileSync(join(files, "package.json"), "utf8");
      const manifest = JSON.parse(text);
      expect(manifest.name).toBe(name);
      expect(text).not.toContain("workspace:");
      expect(text).not.toContain("@quiesce/source");
      expect(text).not.toContain("./src/");
      expect(manifest.license).toBe("MIT");
      expect(readFileSync(join(files, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
      expect(manifest.repository.directory).toBe(`packages/${name.split("/")[1]}`);
      expect(manifest.engines.node).toBe(">=20");
      expect(manifest.peerDependencies).toEqual({ effection: "^4.1.1" });
      const targets = [manifest.types, ...leaves(manifest.exports)];
      expect(targets.length, name).toBeGreaterThanOrEqual(3);
      for (const target of targets) {
        expect(statSync(join(files, target), { throwIfNoEntry: false })?.isFile(), target).toBe(
          true,
        );
      }
    }
    const executor = JSON.parse(
      readFileSync(join(unpack(consumer.tarballs["@quiesce/executor"]), "package.json"), "utf8"),
    );
    const core = JSON.parse(readFileSync(join(root, "packages/core/package.json"), "utf8"));
    expect(executor.dependencies["@quiesce/core"]).toBe(core.version);
  });

  it("are not packed by npm, which would leak workspace: ranges: its pack stops with a message", async () => {
    const run = await exec("npm", ["pack", "--dry-run"], join(consumer.workspace, "packages/core"));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/pack and publish @quiesce\/core with pnpm/);
  });
});

describe("a consumer's TypeScript program (#12)", () => {
  it("type checks under module/moduleResolution NodeNext, without skipLibCheck", () => {
    expect(nodeNext.stdout + nodeNext.stderr).toBe("");
    expect(nodeNext.code).toBe(0);
  });

  it("type checks under moduleResolution Bundler, without skipLibCheck", async () => {
    const { project } = consumer;
    writeJson(join(project, "tsconfig.bundler.json"), {
      compilerOptions: { ...compilerOptions, module: "preserve", moduleResolution: "bundler" },
      files: programs,
    });
    const run = await exec(tsc, ["-p", "tsconfig.bundler.json", "--noEmit"], project);
    expect(run.stdout + run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  it("with top-level await in a .ts file of a CommonJS project fails with TS1309, as the README says", async () => {
    const { project } = consumer;
    writeFileSync(
      join(project, "top-level-await.ts"),
      'import { main } from "@quiesce/core";\n\nawait main(function* () {});\n',
    );
    writeJson(join(project, "tsconfig.tla.json"), {
      compilerOptions: { ...compilerOptions, module: "nodenext", moduleResolution: "nodenext" },
      files: ["top-level-await.ts"],
    });
    const run = await exec(tsc, ["-p", "tsconfig.tla.json", "--noEmit"], project);
    expect(run.stdout).toMatch(/top-level-await\.ts\(3,1\): error TS1309:/);
  });

  it("imports under the development and @quiesce/source conditions too: no condition names a missing file", async () => {
    const load =
      'Promise.all([import("@quiesce/core"), import("@quiesce/executor")]).then(() => 0)';
    for (const condition of ["development", "@quiesce/source"]) {
      await must(process.execPath, [`--conditions=${condition}`, "-e", load], consumer.project);
    }
  });

  it("runs with plain node as ESM and exits 0 with both results", async () => {
    const run = await startProgram(consumer.project, "program.mjs", ["20"]).finished;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("results: 10,20");
  });

  it("stops on a real SIGINT mid-work: dies by SIGINT after every cleanup, no worker left (ESM)", async () => {
    await expectCleanStopOnSigint("program.mjs");
  });

  it.runIf(process.features.require_module)(
    "stops the same way when loaded through require() from CommonJS",
    async () => {
      const quick = await startProgram(consumer.project, "program.cjs", ["20"]).finished;
      expect(quick.stderr).toBe("");
      expect(quick.stdout).toContain("results: 10,20");
      await expectCleanStopOnSigint("program.cjs");
    },
  );
});

async function expectCleanStopOnSigint(file: string): Promise<void> {
  const program = startProgram(consumer.project, file);
  await program.waitForLines(/^worker: job \d started on thread \d+$/, 2);
  program.child.kill("SIGINT");
  const run = await program.finished;
  expect(run.signal, run.stdout + run.stderr).toBe("SIGINT"); // a shell shows 130
  const lines = run.stdout.split("\n");
  for (const id of [1, 2]) {
    expect(lines).toContain(`worker: job ${id} stopped`);
    expect(lines).toContain(`cleanup: job ${id} (signal SIGINT)`);
  }
  expect(run.stdout).not.toContain("results:");
  expect(processesInGroup(program.pid)).toEqual([]);
}

const unpacked = new Map<string, string>();
/** Extracts a tarball once into the consumer's folder and returns its `package/` folder. */
function unpack(tarball: string): string {
  let dir = unpacked.get(tarball);
  if (!dir) {
    dir = join(consumer.dir, "unpacked", String(unpacked.size));
    mkdirSync(dir, { recursive: true });
    const tar = spawnSync("tar", ["-xzf", tarball, "-C", dir], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`tar -xzf ${tarball} failed: ${tar.stderr}`);
    unpacked.set(tarball, dir);
  }
  return join(dir, "package");
}

/** Every path an exports map can resolve to: its strings, at any depth of conditions. */
function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(leaves);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(entry.parentPath, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
