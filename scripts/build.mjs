#!/usr/bin/env node
// `npm run build`: every workspace with a build script, dependencies first (a package's
// build reads the .d.ts of the @chatvault packages it imports from their dist/).
// `npm run build -- @chatvault/sdk` builds that package and what it depends on.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const workspaces = new Map();
for (const top of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, top))) {
    const file = join(root, top, name, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8"));
    workspaces.set(pkg.name, { dir: join(top, name), pkg });
  }
}
const order = [];
const seen = new Set();
function visit(name) {
  if (seen.has(name)) return;
  seen.add(name);
  const w = workspaces.get(name);
  const deps = { ...w.pkg.dependencies, ...w.pkg.peerDependencies };
  for (const d of Object.keys(deps)) if (workspaces.has(d)) visit(d);
  order.push(name);
}
const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : [...workspaces.keys()].sort()) {
  if (!workspaces.has(name)) {
    console.error(`no workspace named ${name}`);
    process.exit(1);
  }
  visit(name);
}
for (const name of order) {
  const { dir, pkg } = workspaces.get(name);
  if (!pkg.scripts?.build) continue;
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: join(root, dir), stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
