#!/usr/bin/env node
// One test runner everywhere: node:test, TypeScript loaded by tsx, packages from source.
// `npm test` runs every *.test.ts; `npm run test:slow` runs *.slow.test.ts.
// Extra arguments are path filters: `npm test -- packages/format`.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const slow = args.includes("--slow");
const filters = args.filter((a) => !a.startsWith("--"));
const passthrough = args.filter((a) => a.startsWith("--") && a !== "--slow");

const skipDirs = new Set(["node_modules", "dist", ".git", "test-results", "work", "results"]);
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

const files = [];
for (const top of ["packages", "apps", "bench", "scripts"]) {
  try {
    walk(join(root, top), files);
  } catch {
    /* folder may not exist yet */
  }
}
const selected = files
  .filter((f) => f.endsWith(".slow.test.ts") === slow)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// Tests run the workspace's TypeScript sources, not dist/: the `chatvault-source` exports
// condition (README "Layout") points each @chatvault package at src/. NODE_OPTIONS carries
// it to every process a test spawns (`node --import tsx child.ts`) and their threads.
const SOURCE = "--conditions=chatvault-source";
const env = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, SOURCE].filter(Boolean).join(" ") };
const r = spawnSync(process.execPath, [SOURCE, "--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...passthrough, ...selected], {
  cwd: root,
  stdio: "inherit",
  env,
});
process.exit(r.status ?? 1);
