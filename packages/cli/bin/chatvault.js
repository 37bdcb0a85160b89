#!/usr/bin/env -S node --single-threaded
// The `chatvault` command. Installed from the package, it runs the compiled CLI in dist/
// (no TypeScript loader). In this workspace, where src/ is beside it, it runs the
// TypeScript sources instead (so it never runs a stale build): tsx compiles them, and the
// `chatvault-source` exports condition points every @chatvault package at its src/
// (README "Layout").
// The shebang starts Node with `--single-threaded`: V8 runs its garbage collection and
// compilation on the thread that needs them instead of on background threads, whose malloc
// arenas then stay empty: on the full corpus, peak memory −9 MiB for a restore, −5 for a full
// backup, −3 for a day-after, at the same or less CPU, for ~4–8 ms more start-up
// (docs/performance.md, "Start flags from the shebang"). V8 reads it only at start (set at
// run time it aborts), so only the command line can set it. No variables here: npm's `sh`
// shim for Windows cannot exec them. `env -S` splits the line on Linux (coreutils ≥ 8.30),
// and npm's Windows shims (cmd-shim) pass the flag on.
// BusyBox `env` (Alpine) has no -S: there, run `node --single-threaded <this file>` or
// install coreutils (packages/cli/README.md). bench/launcher-shebang.ts reads this line so
// the bench starts dist/bin.js the same way.
// `node:fs` without an ESM import: a static `import … from "node:fs"` builds the
// built-in's ESM facade, ~1.5 ms of a `chatvault --version` (docs/performance.md "Start-up").
const { existsSync } = process.getBuiltinModule("node:fs");

const source = new URL("../src/bin.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("node:module");
  const condition = "export async function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, 'chatvault-source'] }); }";
  register(`data:text/javascript,${encodeURIComponent(condition)}`);
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  // Processes the CLI starts (vault cluster workers, child tools) resolve the same way.
  if (!/chatvault-source/.test(process.env.NODE_OPTIONS ?? "")) {
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=chatvault-source`.trim();
  }
  await import(source.href);
} else {
  await import("../dist/bin.js");
}
