#!/usr/bin/env node
// `npm run build` of one package (run in its folder): compile src/ to dist/ with its
// tsconfig.build.json (ESM + .d.ts), then check that every `exports` target and `bin`
// the package.json promises exists, and that every package the compiled code imports is
// a declared dependency — either mistake would only show up after install.
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function jsFiles(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(d, e.name)) : e.name.endsWith(".js") ? [join(d, e.name)] : []));
}

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

rmSync(join(dir, "dist"), { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: dir, stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

const missing = [];
for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
  for (const [cond, file] of Object.entries(typeof target === "string" ? { default: target } : target)) {
    if (cond !== "chatvault-source" && !existsSync(join(dir, file))) missing.push(`exports["${sub}"].${cond} → ${file}`);
  }
}
for (const [name, file] of Object.entries(pkg.bin ?? {})) if (!existsSync(join(dir, file))) missing.push(`bin.${name} → ${file}`);
// Every package the compiled code imports must be a declared dependency: the workspace
// hoists everything, so an undeclared one works here and fails only once installed.
const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }));
const builtin = new Set(builtinModules);
for (const file of jsFiles(join(dir, "dist"))) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)["']([^"'./][^"']*)["']/gm)) {
    const spec = m[1];
    if (spec.startsWith("node:") || builtin.has(spec.split("/")[0])) continue;
    const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
    if (!declared.has(name)) missing.push(`dependency ${name} (imported by ${file.slice(dir.length + 1)})`);
  }
}
if (missing.length > 0) {
  console.error(`${pkg.name}: the built package does not keep what package.json promises:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(`${pkg.name}: built dist/`);
