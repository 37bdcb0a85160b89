/**
 * Builds the chatvault process the benchmark runs: an esbuild bundle of the CLI (or the
 * runner) as plain JavaScript, the way a released CLI ships — so a measured backup
 * pays Node's start-up, not TypeScript transpilation at every start (tsx adds ~0.5 s and
 * ~50 MiB per process on these machines; the bench reports that cost separately).
 *
 * Worker threads the engine starts with `new Worker(new URL("./x.ts", import.meta.url))`
 * (or a `.mjs` bootstrap that registers tsx, then imports the `.ts`) are bundled too:
 * each such URL is rewritten to a sibling `.mjs` built from that file, and tsx
 * registration is dropped (in a bundle everything is JavaScript already). Other files
 * found with `new URL("./x", import.meta.url)` (package.json, schemas) keep pointing at
 * their place in the source tree.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

/** A module a worker thread is started from: bundled. */
const CODE_FILE = /\.(ts|mjs|js)$/;
/** Any other file a module finds beside itself (a package.json, a schema): keep pointing at the original. */
const ASSET_URL = /new URL\((["'])(\.{1,2}\/[^"']+)\1,\s*import\.meta\.url\)/g;
const TSX_REGISTER = /import\s*\{\s*register\s*\}\s*from\s*["']tsx\/esm\/api["'];?|^\s*register\(\);?\s*$/gm;

function workerUrls(found: Map<string, string>): Plugin {
  return {
    name: "worker-urls",
    setup(b) {
      b.onLoad({ filter: /\.(ts|mjs|js)$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        let text = await readFile(args.path, "utf8");
        if (text.includes("tsx/esm/api")) text = text.replace(TSX_REGISTER, "");
        if (text.includes("import.meta.url")) {
          text = text.replace(ASSET_URL, (_m, _q: string, rel: string) => {
            let abs = resolve(dirname(args.path), rel);
            // A compiled-file URL (`./worker.js` for the installed package) names the .ts beside it here.
            if (/\.js$/.test(abs) && !existsSync(abs) && existsSync(abs.replace(/\.js$/, ".ts"))) abs = abs.replace(/\.js$/, ".ts");
            if (!CODE_FILE.test(rel)) return `new URL(${JSON.stringify(pathToFileURL(abs).href)})`;
            let out = found.get(abs);
            if (!out) {
              out = `worker-${found.size}-${basename(abs).replace(/\.(ts|mjs|js)$/, "")}.mjs`;
              found.set(abs, out);
            }
            return `new URL(${JSON.stringify(`./${out}`)}, import.meta.url)`;
          });
        }
        return { contents: text, loader: args.path.endsWith(".ts") ? "ts" : "js" };
      });
    },
  };
}

/**
 * npm dependencies stay outside the bundle and load from node_modules at run time, as
 * they would for an installed CLI; only the workspace's own TypeScript (@chatvault/* and
 * relative imports) is compiled in.
 */
const dependenciesExternal: Plugin = {
  name: "dependencies-external",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@chatvault/") ? undefined : { path: args.path, external: true }));
  },
};

/** Bundles `entry` into `outDir/<name>.mjs` (+ its workers); returns the bundle's path. */
export async function bundleEntry(entry: string, outDir: string, name: string): Promise<string> {
  const found = new Map<string, string>();
  const common = {
    bundle: true,
    platform: "node" as const,
    format: "esm" as const,
    target: "node20",
    conditions: ["chatvault-source"], // the workspace's sources, not dist/ (README "Layout")
    logLevel: "error" as const,
    plugins: [dependenciesExternal, workerUrls(found)],
  };
  const out = join(outDir, `${name}.mjs`);
  await build({ ...common, entryPoints: [entry], outfile: out });
  const done = new Set<string>();
  while (done.size < found.size) {
    for (const [src, file] of [...found]) {
      if (done.has(src)) continue;
      done.add(src);
      await build({ ...common, entryPoints: [src], outfile: join(outDir, file) });
    }
  }
  return out;
}
