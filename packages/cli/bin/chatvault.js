#!/usr/bin/env node
// The `chatvault` command. Installed from the package, it runs the compiled CLI in dist/
// (no TypeScript loader). In this workspace, where src/ is beside it, it runs the
// TypeScript sources instead (so it never runs a stale build): tsx compiles them, and the
// `chatvault-source` exports condition points every @chatvault package at its src/
// (README "Layout").
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
