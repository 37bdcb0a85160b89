/**
 * The copy's thread makes its first copy step only once its static imports are loaded, and
 * the copy is on a day-after backup's critical path: those imports stay what the copy and
 * the page IDs need. In particular not the `@chatvault/format` barrel, which cost 28–83 ms
 * of the thread's start on the loaded bench machine (docs/performance.md, "Day-after and
 * no-change backups, round 6"). A walk of the worker's value imports (`import type` is
 * erased when compiled), through this package's files and into the format package's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packages = resolve(here, "../../../..");
/** The workspace packages the walk follows into, by their import name. */
const WORKSPACE: Record<string, string> = {
  "@chatvault/format": join(packages, "format/src/index.ts"),
  "@chatvault/format/node": join(packages, "format/src/node.ts"),
};

/** The specifiers of a file's value imports and re-exports (not `import type` / `export type`). */
function valueImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^(import|export)\s+(?!type\s)([^;]*?)\s*from\s+"([^"]+)"/gm)) out.push(m[3]!);
  for (const m of source.matchAll(/^import\s+"([^"]+)"/gm)) out.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) out.push(m[1]!);
  return out;
}

/** Every file the worker loads, and the bare (non-workspace) modules it asks for. */
function walk(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of valueImports(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
      else if (WORKSPACE[spec]) visit(WORKSPACE[spec]);
      else external.add(spec);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(packages, f)).sort(), external: [...external].sort() };
}

test("the copy's thread loads neither the format barrel nor anything beyond the copy and its page IDs", () => {
  const { files, external } = walk(join(here, "snapshot-worker.ts"));
  assert.ok(!files.includes("format/src/index.ts"), `the worker reaches the format barrel: ${files.join(", ")}`);
  assert.deepEqual(files, [
    // Through young-generation.ts (below): a module of its own with no imports.
    "sdk/src/backup/free-pieces.ts",
    "sdk/src/node/db-source/errors.ts",
    "sdk/src/node/db-source/page-ids.ts",
    "sdk/src/node/db-source/snapshot-thread.ts",
    "sdk/src/node/db-source/snapshot-worker.ts",
    "sdk/src/node/db-source/snapshot.ts",
    "sdk/src/node/errno-words.ts",
    // Through young-generation.ts: `exposedGc` (node:v8 and node:vm only), for the day-after's scavenges of copied pieces.
    "sdk/src/node/heap-collection.ts",
    "sdk/src/node/sqlite.ts",
    // node:v8 and node:vm only: snapshot-thread.ts sets the young generation's flag again after the thread's start.
    "sdk/src/node/young-generation.ts",
  ]);
  assert.ok(
    external.every((s) => s.startsWith("node:")),
    `only Node's own modules besides (better-sqlite3 is required on first use): ${external.join(", ")}`,
  );
});

test("the walk sees value imports and skips type-only ones", () => {
  const src = [
    'import type { A } from "./a.ts";',
    'import { type B, c } from "./c.ts";',
    'import "./side.ts";',
    'export type { D } from "./d.ts";',
    'export { e } from "./e.ts";',
    'const f = await import("./f.ts");',
  ].join("\n");
  assert.deepEqual(valueImports(src).sort(), ["./c.ts", "./e.ts", "./f.ts", "./side.ts"]);
});
