#!/usr/bin/env node
// `npm run build` of one package (run in its folder): compile src/ to dist/ with its
// tsconfig.build.json (ESM + .d.ts), then check that every `exports` target and `bin`
// the package.json promises exists — a missing entry would only show up after install.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

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
if (missing.length > 0) {
  console.error(`${pkg.name}: the build did not produce:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(`${pkg.name}: built dist/`);
