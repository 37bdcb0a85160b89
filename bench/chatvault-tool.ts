/**
 * Which chatvault process the benchmark measures: the `chatvault` CLI when it is there
 * and passes a smoke test (init → backup → restore → same media), otherwise the bench's
 * own runner (bench/chatvault-runner.ts, same flags, on the SDK). Either is bundled to
 * plain JavaScript first (build-runner.ts); start-up under tsx is timed separately.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateDemoData } from "@chatvault/demo-data";
import { bundleEntry } from "./build-runner.ts";
import { diffTrees, treeHashes } from "./corpus.ts";
import { ChatvaultTool } from "./tools.ts";

const here = new URL(".", import.meta.url).pathname;
const root = join(here, "..");
const CLI_ENTRY = join(root, "packages", "cli", "src", "bin.ts");
const RUNNER_ENTRY = join(here, "chatvault-runner.ts");

export interface ChosenChatvault {
  tool: ChatvaultTool;
  /** The same program started through tsx (TypeScript loaded at start), for the start-up comparison. */
  tsxCommand: string[] | null;
  /** Arguments that make it start and exit doing nothing. */
  noop: string[];
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
        const bundle = await bundleEntry(CLI_ENTRY, out, "chatvault-cli");
        // The CLI keeps its key-mode freshness records in its config folder: give it the bench's own.
        const env = { ...process.env, CHATVAULT_CONFIG_DIR: join(work, "cli-config") };
        const tool = new ChatvaultTool([process.execPath, bundle], "chatvault CLI (packages/cli, bundled)", { tmpFlag: false, env });
        why = await smoke(tool, work);
        if (!why) {
          log("chatvault: measuring the CLI");
          return { tool, tsxCommand: [process.execPath, "--conditions=chatvault-source", "--import", "tsx", CLI_ENTRY], noop: ["--version"], notes };
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
  const tool = new ChatvaultTool([process.execPath, bundle], "bench/chatvault-runner.ts (bundled)");
  const why = await smoke(tool, work);
  if (why) throw new Error(`the chatvault runner fails its smoke test: ${why}`);
  return { tool, tsxCommand: [process.execPath, "--conditions=chatvault-source", "--import", "tsx", RUNNER_ENTRY], noop: ["version"], notes };
}
