#!/usr/bin/env node
// Last step of the CLI's `npm run build` (after the compile and build-help.mjs): the
// compiled CLI in dist/ becomes an esbuild bundle, so a command resolves a few dozen files
// instead of ~92 workspace modules one import at a time (docs/performance.md, "Start-up").
//
//  * Code splitting: every dynamic import stays a split point, so a command still loads
//    only its own code (bin.ts → program.ts → one command's module).
//  * The @chatvault packages are bundled in (their compiled dist/), and commander (so its
//    start-up `require("node:child_process")` can be deferred: commanderBuiltins); other
//    npm packages stay external and must be the CLI's own dependencies (checked below), so
//    they resolve from the installed CLI whatever npm hoists.
//  * Threads and processes: the bundled code finds its worker files relative to
//    `import.meta.url`, which in a bundle is the chunk it landed in. All chunks are written
//    flat into dist/, and each worker is an entry point of its own, written where the
//    package's lookup looks from there (WORKERS below: chunk-pool.ts looks for
//    ./workers/chunk-worker.js, cluster.ts for ./worker.js, …). The check after the build
//    resolves every `new URL("…", import.meta.url)` in every output file against the file
//    it is in, and fails the build if one names a file that is not there — a moved or new
//    lookup breaks the build here, not the installed command.
//  * Only the command is bundled: dist/bin.js (and the workers) replace the compile's
//    bin.js; the rest of the compile stays for the library entry (`exports` ".",
//    dist/index.js), which must keep importing the installed @chatvault packages — an
//    app that passes its own SDK's errors to `reportFailure` needs the same classes
//    (`instanceof`), not the bundle's copies. The bundle's chunks are named `<module>-<hash>.js`
//    and `chunk-<hash>.js`, beside the compile's files, which bin.js never loads.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";

const here = dirname(new URL(import.meta.url).pathname);
const dist = join(here, "dist");
const out = join(here, "dist-bundle");
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const require = createRequire(join(dist, "bin.js"));

/** A package's compiled dist/ (where its `exports` "." default points). */
const distOf = (name) => dirname(require.resolve(name));

/**
 * The files run as a thread or a process, each an entry point written at `out` (under
 * dist/), which is where its lookup, relative to a chunk in dist/, finds it.
 */
const WORKERS = [
  // packages/sdk/src/node/chunk-pool.ts: new URL("./workers/chunk-worker.js", import.meta.url)
  { out: "workers/chunk-worker", file: join(distOf("@chatvault/sdk"), "node/workers/chunk-worker.js") },
  // packages/sdk/src/node/restore-pool.ts: new URL("./workers/restore-worker.js", import.meta.url)
  { out: "workers/restore-worker", file: join(distOf("@chatvault/sdk"), "node/workers/restore-worker.js") },
  // packages/sdk/src/node/db-source/snapshot-thread.ts: new URL("./snapshot-worker.js", import.meta.url)
  { out: "snapshot-worker", file: join(distOf("@chatvault/sdk"), "node/db-source/snapshot-worker.js") },
  // packages/vault-server/src/cluster/cluster.ts: new URL("./worker.js", import.meta.url)
  { out: "worker", file: join(distOf("@chatvault/vault-server"), "cluster/worker.js") },
  // packages/vault-server/src/process.ts: new URL("./main.js", import.meta.url)
  { out: "main", file: join(distOf("@chatvault/vault-server"), "main.js") },
  // packages/demo-data/src/live-writer-path.ts: new URL("./live-writer.js", import.meta.url)
  { out: "live-writer", file: join(distOf("@chatvault/demo-data"), "live-writer.js") },
];

/**
 * Bundled: @chatvault/* (resolved by esbuild to their dist/) and commander; everything else
 * from npm stays an import.
 */
const BUNDLED = (spec) => spec.startsWith("@chatvault/") || spec === "commander";
const npmExternal = {
  name: "npm-external",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) =>
      BUNDLED(a.path) || a.path.startsWith("node:") || a.namespace === "commander-builtin" ? undefined : { path: a.path, external: true },
    );
  },
};

/**
 * Commander is CommonJS and `require`s Node built-ins at its top; in an ESM bundle those
 * become `process.getBuiltinModule` (Node ≥ 20.16). One of them, `node:child_process`
 * (which pulls `net`, `dgram` and more: ~5–8 ms of every start), commander uses only to
 * spawn an executable subcommand, and chatvault has none: it is loaded on first use
 * instead of at start.
 */
const commanderBuiltins = {
  name: "commander-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => (/\/node_modules\/commander\//.test(a.importer) ? { path: a.path, namespace: "commander-builtin" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "commander-builtin" }, (a) => ({
      loader: "js",
      contents:
        a.path === "node:child_process"
          ? `module.exports = new Proxy({}, { get: (_, key) => process.getBuiltinModule("node:child_process")[key] });`
          : `module.exports = process.getBuiltinModule(${JSON.stringify(a.path)});`,
    }));
  },
};

/**
 * `chatvault --version` loads bin.js alone: bin.js's own import of the version module is
 * this constant, package.json's version at build time (what version.ts would read from
 * the installed package.json). Only bin.js's import is replaced: were both bin.js and the
 * program chunk to import one module, esbuild would put it in a chunk of its own that
 * `--version` loads; the program's import stays the compile's version.js.
 */
const inlineVersion = {
  name: "inline-version",
  setup(b) {
    const entry = join(dist, "bin.js");
    b.onResolve({ filter: /^\.\/version\.js$/ }, (a) => (a.importer === entry ? { path: "version", namespace: "cli-version" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "cli-version" }, () => ({
      loader: "js",
      contents: `// package.json's version, inlined by bundle.mjs\nexport const VERSION = ${JSON.stringify(pkg.version)};\n`,
    }));
  },
};

rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints: [{ in: join(dist, "bin.js"), out: "bin" }, ...WORKERS.map((w) => ({ in: w.file, out: w.out }))],
  absWorkingDir: here,
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Flat, beside the entries: the worker lookups are relative to the chunk.
  chunkNames: "[name]-[hash]",
  plugins: [inlineVersion, commanderBuiltins, npmExternal],
  metafile: true,
  logLevel: "warning",
});

function jsFiles(d) {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(d, e.name)) : e.name.endsWith(".js") ? [join(d, e.name)] : []));
}

// Into dist/: the bundle's bin.js replaces the compile's; no other name may be taken.
const files = [];
for (const f of jsFiles(out)) {
  const name = relative(out, f);
  const to = join(dist, name);
  if (name !== "bin.js" && existsSync(to)) {
    console.error(`${pkg.name}: the bundle's ${name} would replace the compile's`);
    process.exit(1);
  }
  mkdirSync(dirname(to), { recursive: true });
  renameSync(f, to);
  files.push(to);
}
rmSync(out, { recursive: true, force: true });

// With code splitting, esbuild gives every entry a bare `import "./chunk-….js"` of the chunk
// holding its runtime helpers (`__toESM`, `__commonJS`: commander is CommonJS), whether the
// entry uses them or not. bin.js uses none, so `--version` and `--help` would load that file for nothing: the import is dropped from bin.js when the chunk holds no
// module (esbuild marks each with a `// <path>` line) and imports nothing — only helper
// declarations, no side effect to order. A chunk whose helpers a file does use is imported
// with bindings (`import { __toESM } from …`) by that file itself, and stays.
{
  const entry = join(dist, "bin.js");
  const text = readFileSync(entry, "utf8");
  const runtimeOnly = (chunk) => {
    const body = readFileSync(join(dist, chunk), "utf8");
    return !/^\/\/ \S+$/m.test(body) && !/^import\b/m.test(body);
  };
  const stripped = text.replace(/^import "\.\/(chunk-[A-Z0-9]+\.js)";\n/gm, (line, chunk) => (runtimeOnly(chunk) ? "" : line));
  if (stripped !== text) writeFileSync(entry, stripped);
}

const problems = [];
const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }));
const builtin = new Set(builtinModules);
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const name = relative(dist, file);
  // Every file a bundled lookup names must be there. The lookups' other branch (a `.ts`
  // file, or a worker's `-bootstrap.mjs` that loads tsx) runs only from the sources.
  for (const m of text.matchAll(/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
    const target = m[1];
    if (/\.ts$|-bootstrap\.mjs$/.test(target)) continue;
    if (!existsSync(join(dirname(file), target))) problems.push(`${name}: new URL("${target}", import.meta.url) names a file that is not in the bundle`);
  }
  // Every npm package the bundle imports or requires must be the CLI's own dependency.
  const specs = [
    ...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)["']([^"'./][^"']*)["']/gm),
    ...text.matchAll(/createRequire\(import\.meta\.url\)(?:\.resolve)?\(\s*["']([^"'./][^"']*)["']/g),
  ].map((m) => m[1]);
  for (const spec of specs) {
    if (spec.startsWith("node:") || builtin.has(spec.split("/")[0])) continue;
    if (spec.startsWith("@chatvault/")) problems.push(`${name}: imports ${spec}, which should have been bundled`);
    const dep = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
    if (!declared.has(dep)) problems.push(`${name}: imports ${dep}, not a dependency of ${pkg.name}`);
  }
}
for (const w of WORKERS) if (!existsSync(join(dist, `${w.out}.js`))) problems.push(`worker entry ${w.out}.js was not written`);
if (problems.length > 0) {
  console.error(`${pkg.name}: the bundle is not safe to install:\n  ${[...new Set(problems)].join("\n  ")}`);
  process.exit(1);
}
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
console.log(`${pkg.name}: bundled dist/ (${files.length} files, ${Math.round(bytes / 1024)} KiB)`);
