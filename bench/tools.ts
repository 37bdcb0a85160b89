/**
 * The three backup tools as the benchmark drives them: each one a separate process per
 * operation, encryption on, repository on the bench's disk, measured by runMeasured.
 * The corpus sits at `<work>/src/{msgstore.db,media/}`; every tool backs up that path.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CommandResult, runChecked, runMeasured } from "./measure.ts";
import type { Tool } from "./results.ts";

export interface ToolContext {
  /** Working folder of this run: holds src/, repos, caches, restores. */
  work: string;
}

export interface BackupTool {
  readonly name: Tool;
  /** Version string, or null when the tool is not installed. */
  version(): string | null;
  init(ctx: ToolContext, repo: string): Promise<void>;
  backup(ctx: ToolContext, repo: string): Promise<CommandResult>;
  /** Restores the latest snapshot under `to`; returns where the corpus folder landed. */
  restore(ctx: ToolContext, repo: string, to: string): Promise<CommandResult & { root: string }>;
  /** How the DB comes back: "file" (byte copy of msgstore.db) or "sqlite-backup" (a backup-API copy). */
  readonly dbRestoredAs: "file" | "sqlite-backup";
}

const BENCH_PASSWORD = "chatvault-bench-not-a-secret";

function versionOf(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim().split("\n")[0] ?? null;
}

function check(r: CommandResult, what: string): CommandResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
  return r;
}

export class ResticTool implements BackupTool {
  readonly name = "restic" as const;
  readonly dbRestoredAs = "file" as const;
  constructor(readonly bin = "/usr/bin/restic") {}
  version() {
    return versionOf(this.bin, ["version"]);
  }
  env(ctx: ToolContext): NodeJS.ProcessEnv {
    return { ...process.env, RESTIC_PASSWORD: BENCH_PASSWORD, RESTIC_CACHE_DIR: join(ctx.work, "cache", "restic") };
  }
  async init(ctx: ToolContext, repo: string) {
    await runChecked(this.bin, ["init", "--repo", repo], { env: this.env(ctx) });
  }
  async backup(ctx: ToolContext, repo: string) {
    return check(
      await runMeasured(this.bin, ["backup", "--repo", repo, "--host", "bench", join(ctx.work, "src")], { env: this.env(ctx), syncPath: repo }),
      "restic backup",
    );
  }
  async restore(ctx: ToolContext, repo: string, to: string) {
    const r = check(await runMeasured(this.bin, ["restore", "latest", "--repo", repo, "--target", to], { env: this.env(ctx), syncPath: to }), "restic restore");
    // restic restores the absolute path under the target.
    return { ...r, root: join(to, ctx.work, "src") };
  }
}

export class BorgTool implements BackupTool {
  readonly name = "borg" as const;
  readonly dbRestoredAs = "file" as const;
  #archives = 0;
  constructor(readonly bin = "/usr/bin/borg") {}
  version() {
    return versionOf(this.bin, ["--version"]);
  }
  env(ctx: ToolContext): NodeJS.ProcessEnv {
    return {
      ...process.env,
      BORG_PASSPHRASE: BENCH_PASSWORD,
      BORG_BASE_DIR: join(ctx.work, "cache", "borg"),
      BORG_DISPLAY_PASSPHRASE: "no",
      BORG_RELOCATED_REPO_ACCESS_IS_OK: "yes",
    };
  }
  async init(ctx: ToolContext, repo: string) {
    this.#archives = 0;
    await runChecked(this.bin, ["init", "--encryption", "repokey", repo], { env: this.env(ctx) });
  }
  async backup(ctx: ToolContext, repo: string) {
    const name = `a${++this.#archives}`;
    // Relative path "src" from the work folder: the archive holds src/…
    return check(await runMeasured(this.bin, ["create", `${repo}::${name}`, "src"], { cwd: ctx.work, env: this.env(ctx), syncPath: repo }), "borg create");
  }
  async restore(ctx: ToolContext, repo: string, to: string) {
    mkdirSync(to, { recursive: true });
    const r = check(await runMeasured(this.bin, ["extract", `${repo}::a${this.#archives}`], { cwd: to, env: this.env(ctx), syncPath: to }), "borg extract");
    return { ...r, root: join(to, "src") };
  }
}

/** chatvault as a process: `node <bundle> init|backup|restore …` (the runner or the CLI, same flags). */
export class ChatvaultTool implements BackupTool {
  readonly name = "chatvault" as const;
  readonly dbRestoredAs = "sqlite-backup" as const;
  /**
   * @param command how to start it, e.g. ["node", "bench/work/cv/chatvault-runner.mjs"]
   * @param label what it is, for the results file
   * @param opts `tmpFlag`: the command takes `--tmp DIR` for the database copy (the runner
   *   does; without it the OS temp dir is used); `env`: its environment.
   */
  constructor(
    readonly command: string[],
    readonly label: string,
    readonly opts: { tmpFlag: boolean; env?: NodeJS.ProcessEnv } = { tmpFlag: true },
  ) {}
  version() {
    return this.label;
  }
  #run(args: string[], opts: { syncPath?: string; cwd?: string } = {}) {
    return runMeasured(this.command[0]!, [...this.command.slice(1), ...args], { ...opts, env: this.opts.env ?? process.env });
  }
  keyFile(ctx: ToolContext) {
    return join(ctx.work, "chatvault.key");
  }
  async init(ctx: ToolContext, repo: string) {
    check(await this.#run(["init", "--repo", repo, "--new-key-file", this.keyFile(ctx)]), "chatvault init");
  }
  async backup(ctx: ToolContext, repo: string) {
    const tmp = join(ctx.work, "tmp");
    mkdirSync(tmp, { recursive: true });
    const src = join(ctx.work, "src");
    return check(
      await this.#run(
        [
          "backup",
          "--repo",
          repo,
          "--key-file",
          this.keyFile(ctx),
          "--db",
          join(src, "msgstore.db"),
          "--media",
          join(src, "media"),
          ...(this.opts.tmpFlag ? ["--tmp", tmp] : []),
        ],
        { syncPath: repo },
      ),
      "chatvault backup",
    );
  }
  async restore(ctx: ToolContext, repo: string, to: string) {
    const r = check(await this.#run(["restore", "--repo", repo, "--key-file", this.keyFile(ctx), "--to", to], { syncPath: to }), "chatvault restore");
    return { ...r, root: to };
  }
}
