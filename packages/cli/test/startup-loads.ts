/**
 * What a chatvault process loads at start: run it with the smoke test's load recorder
 * (scripts/smoke/app/record-loads.mjs, which logs every module file resolved through ESM
 * or `require`) and name each file's package. Used by cli-startup.test.ts on the sources
 * and by the install smoke test on the installed, compiled CLI.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  /** Their packages, without repeats. */
  packages: string[];
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
    const packages = [...new Set(files.map(packageOf).filter((p): p is string => p !== undefined))];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, files, packages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
