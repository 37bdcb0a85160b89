/**
 * What a chatvault process loads at start: run it with the smoke test's load recorder
 * (scripts/smoke/app/record-loads.mjs, which logs every module file resolved through ESM
 * or `require`) and name each file's package. Used by cli-startup.test.ts on the sources
 * and by the install smoke test on the installed, compiled CLI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const RECORD_LOADS = fileURLToPath(new URL("../../../scripts/smoke/app/record-loads.mjs", import.meta.url));

/**
 * Packages whose loading costs tens of milliseconds or more (native addons, WASM, large
 * module graphs): `--help` and `--version` must load none of them, and a command only
 * those it uses (docs/performance.md, "Start-up").
 */
export const HEAVY_PACKAGES = [
  "@chatvault/sdk",
  "@chatvault/format",
  "@chatvault/storage",
  "@chatvault/vault-protocol",
  "@chatvault/vault-server",
  "@aws-sdk",
  "@smithy",
  "better-sqlite3",
  "@serenity-kit/opaque",
  "@zxcvbn-ts",
  "@inquirer",
  "cli-progress",
  "@noble",
  "hash-wasm",
  "pg",
  "pkcs11js",
  "fflate",
];

/** The package a loaded file belongs to: `@scope/name` or `name` under node_modules, `@chatvault/<dir>` for this workspace's packages/<dir>. */
export function packageOf(file: string): string | undefined {
  const nm = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (nm) return nm[1];
  const ws = /\/packages\/([^/]+)\/(?:src|dist|bin)\//.exec(file);
  return ws ? `@chatvault/${ws[1]}` : undefined;
}

/** Whether `pkg` is, or is inside the scope of, one of `names` (`@aws-sdk` matches `@aws-sdk/client-s3`). */
export function isOneOf(pkg: string, names: readonly string[]): boolean {
  return names.some((n) => pkg === n || (!n.includes("/") && n.startsWith("@") && pkg.startsWith(`${n}/`)));
}

export interface Loads {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every module file the process resolved, in order, without repeats. */
  files: string[];
  /** Their packages, without repeats (a bundle file of the compiled CLI counts for every package bundled into it). */
  packages: string[];
  /** The modules the compiled CLI's bundle files among them hold (bundledModules), in load order, without repeats. */
  modules: string[];
}

/** A file of the compiled CLI: an esbuild bundle entry or chunk (packages/cli/bundle.mjs). */
const CLI_BUNDLE_FILE = /\/(?:packages|node_modules\/@chatvault)\/cli\/dist\/.*\.js$/;

/**
 * The modules an esbuild bundle file holds, from the `// <path>` line esbuild writes before
 * each one: `dist/bin.js` for the CLI's own, `../sdk/dist/node/backup.js` for a bundled
 * package's, `../../node_modules/commander/lib/command.js` for commander's (paths relative
 * to packages/cli, where the bundle is built).
 */
export function bundledModules(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/^\/\/ ((?:\.\.\/[a-z-]+\/)?dist\/\S+\.js|\.\.\/\.\.\/node_modules\/\S+\.[cm]?js)$/gm)].map((m) => m[1]!);
}

/** The package of a module named by bundledModules: `@chatvault/<dir>`, or the npm package it came from (commander is bundled). */
export function packageOfModule(module: string): string {
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(module);
  if (npm) return npm[1]!;
  const other = /^\.\.\/([a-z-]+)\//.exec(module);
  return `@chatvault/${other ? other[1] : "cli"}`;
}

/** Run `node [nodeArgs] --import record-loads.mjs script args` and report what it loaded. */
export function recordLoads(script: string, args: string[], opts: { nodeArgs?: string[]; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Loads {
  const dir = mkdtempSync(join(tmpdir(), "chatvault-loads-"));
  const log = join(dir, "loads.log");
  try {
    const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), "--import", RECORD_LOADS, script, ...args], {
      cwd: opts.cwd,
      encoding: "utf8",
      env: { ...(opts.env ?? process.env), CHATVAULT_SMOKE_LOADS: log },
      timeout: 60_000,
    });
    let text = "";
    try {
      text = readFileSync(log, "utf8");
    } catch {
      /* nothing was resolved through a hook: an empty list */
    }
    const files = [
      ...new Set(
        text
          .split("\n")
          .filter(Boolean)
          .map((u) => fileURLToPath(u)),
      ),
    ];
    const modules = [...new Set(files.filter((f) => CLI_BUNDLE_FILE.test(f)).flatMap(bundledModules))];
    const packages = [...new Set([...files.map(packageOf), ...modules.map(packageOfModule)].filter((p): p is string => p !== undefined))];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, files, packages, modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The files a start of the CLI installed (or built) at `cliRoot` loaded, in load order:
 * each as a path relative to `cliRoot` (`bin/chatvault.js`, `dist/bin.js`), a file outside
 * it as its real path, so that an assertion on the list names whatever else was loaded.
 */
export function filesOfCli(loads: Loads, cliRoot: string): string[] {
  const root = realpathSync(cliRoot);
  return loads.files.map((f) => {
    const real = realpathSync(f);
    return real.startsWith(`${root}/`) ? relative(root, real) : real;
  });
}
