#!/usr/bin/env node
// The `chatvault` command. Installed from the package, it runs the compiled CLI in dist/
// (no TypeScript loader). In this workspace, where src/ is beside it, it runs the
// TypeScript sources instead (so it never runs a stale build): tsx compiles them, and the
// `chatvault-source` exports condition points every @chatvault package at its src/
// (README "Layout").
// The shebang stays a plain `env node`. `--single-threaded` here (`#!/usr/bin/env -S node
// --single-threaded`) cut the full corpus' peak memory (restore −9 MiB, full backup −5 to −14)
// at less CPU, but the full backup was slower in 16 of 24 alternated pairs (+0.3–0.5 s), so it
// is not set (docs/performance.md, "Start flags from the shebang"). No variables in this line:
// npm's `sh` shim for Windows cannot exec them. bench/launcher-shebang.ts reads this line, so
// the bench starts dist/bin.js with whatever flags it gives Node.
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
