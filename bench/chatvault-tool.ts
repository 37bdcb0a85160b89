/**
 * Which chatvault process the benchmark measures: the `chatvault` CLI when it is there
 * and passes a smoke test (init → backup → restore → same media), otherwise the bench's
 * own runner (bench/chatvault-runner.ts, same flags, on the SDK). The CLI is measured as
 * it ships: compiled by `npm run build` (tsc, the packages' dist/ — what `npm install
 * @chatvault/cli` installs and its `chatvault` command runs), started the way the installed
 * command's shebang starts it (launcher-shebang.ts: the same `env` variables and Node flags).
 * The runner is bundled to plain JavaScript (build-runner.ts). Start-up under tsx is timed
 * separately.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateDemoData } from "@chatvault/demo-data";
import { bundleEntry } from "./build-runner.ts";
import { diffTrees, treeHashes } from "./corpus.ts";
import { type LauncherStart, launcherCommand, parseLauncherShebang } from "./launcher-shebang.ts";
import { ChatvaultTool } from "./tools.ts";

const here = new URL(".", import.meta.url).pathname;
const root = join(here, "..");
const CLI_ENTRY = join(root, "packages", "cli", "src", "bin.ts");
/** What the installed `chatvault` command runs (packages/cli/bin/chatvault.js imports it when src/ is not beside it). */
const CLI_COMPILED = join(root, "packages", "cli", "dist", "bin.js");
/** The installed command: its shebang says how Node is started (environment, flags). */
const CLI_LAUNCHER = join(root, "packages", "cli", "bin", "chatvault.js");

/**
 * The command line that runs `script` (default: the compiled CLI) as the installed
 * `chatvault` command runs dist/bin.js: bin/chatvault.js's shebang (`env NAME=VALUE… node
 * --flag…`) with this Node, without the launcher itself — in this workspace it would run
 * the sources through tsx, which the bench must not measure.
 */
export function compiledCliCommand(script: string = CLI_COMPILED): string[] {
  return launcherCommand(launcherStart(), process.execPath, script);
}

function launcherStart(): LauncherStart {
  return parseLauncherShebang(readFileSync(CLI_LAUNCHER, "utf8"));
}

/** `npm run build` of the CLI and the packages it depends on (scripts/build.mjs), so dist/ is the sources' of this run. */
function buildCli(): void {
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "@chatvault/cli"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build of @chatvault/cli failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" ")}`);
}
const RUNNER_ENTRY = join(here, "chatvault-runner.ts");

export interface ChosenChatvault {
  tool: ChatvaultTool;
  /** The same program started through tsx (TypeScript loaded at start), for the start-up comparison. */
  tsxCommand: string[] | null;
  /** Arguments that make it start and exit doing nothing. */
  noop: string[];
  /** Arguments that print its help (the CLI only), also timed at start-up. */
  help?: string[];
  notes: string[];
}

async function smoke(tool: ChatvaultTool, work: string): Promise<string | null> {
  const dir = join(work, "smoke");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    // Over 16 MiB, so the engine starts its worker threads: the bundle must carry them too.
    await generateDemoData({ outDir: join(dir, "src"), messages: 2000, mediaMiB: 20, seed: "smoke" });
    const ctx = { work: dir };
    await tool.init(ctx, join(dir, "repo"));
    await tool.backup(ctx, join(dir, "repo"));
    const r = await tool.restore(ctx, join(dir, "repo"), join(dir, "out"));
    const diff = diffTrees(treeHashes(join(dir, "src", "media")), treeHashes(join(r.root, "media")));
    return diff.length === 0 ? null : `restored media differ: ${diff.slice(0, 3).join(", ")}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function chatvaultTool(mode: "auto" | "runner" | "cli", work: string, log: (l: string) => void): Promise<ChosenChatvault> {
  const notes: string[] = [];
  const out = join(work, "cv");
  mkdirSync(out, { recursive: true });
  if (mode !== "runner") {
    let why: string | null = null;
    if (!existsSync(CLI_ENTRY)) why = `${CLI_ENTRY} does not exist yet`;
    else {
      try {
        log("chatvault: building the CLI (npm run build)");
        buildCli();
        // The CLI keeps its key-mode freshness records in its config folder: give it the
        // bench's own. No NODE_OPTIONS: the bench itself runs under tsx, the CLI must not.
        const env: NodeJS.ProcessEnv = { ...process.env, CHATVAULT_CONFIG_DIR: join(work, "cli-config") };
        delete env.NODE_OPTIONS;
        const start = launcherStart();
        const how = [...start.env.map(([k, v]) => `${k}=${v}`), "node", ...start.nodeFlags].join(" ");
        const tool = new ChatvaultTool(compiledCliCommand(), `chatvault CLI (packages/cli, compiled dist/, started as its shebang says: ${how})`, {
          tmpFlag: false,
          env,
        });
        why = await smoke(tool, work);
        if (!why) {
          log("chatvault: measuring the CLI");
          return {
            tool,
            tsxCommand: [process.execPath, "--conditions=chatvault-source", "--import", "tsx", CLI_ENTRY],
            noop: ["--version"],
            help: ["--help"],
            notes,
          };
        }
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
    }
    if (mode === "cli") throw new Error(`--chatvault cli: the CLI does not work: ${why}`);
    log(`chatvault: CLI not usable (${why?.split("\n")[0]}); measuring bench/chatvault-runner.ts instead`);
    notes.push(`chatvault was run by bench/chatvault-runner.ts (same flags as the CLI, on the SDK): the CLI was not usable (${why?.split("\n")[0]})`);
  }
  const bundle = await bundleEntry(RUNNER_ENTRY, out, "chatvault-runner");
  // Started as the installed command starts the CLI, so the two measure the same process settings.
  const tool = new ChatvaultTool(compiledCliCommand(bundle), "bench/chatvault-runner.ts (bundled, started as the CLI's shebang says)");
  const why = await smoke(tool, work);
  if (why) throw new Error(`the chatvault runner fails its smoke test: ${why}`);
  return { tool, tsxCommand: [process.execPath, "--conditions=chatvault-source", "--import", "tsx", RUNNER_ENTRY], noop: ["version"], notes };
}
