/**
 * Test support (Node only — never imported by browser code): bundle TypeScript for the
 * browser with esbuild and fail, naming the importer, on anything that needs Node.
 * Used by browser-safe.test.ts and vector-page.ts.
 */
import { build, type Plugin } from "esbuild";
import { builtinModules } from "node:module";
import { relative } from "node:path";

const repoRoot = new URL("../../../../", import.meta.url).pathname;
const GUARD = Symbol("no-node: already checked");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const builtins = builtinModules.filter((m) => !m.startsWith("_"));
const nodeImport = new RegExp(`^(node:.*|(${builtins.map(escape).join("|")})(/.*)?)$`);

/**
 * esbuild plugin: a `node:` import is always an error; a bare builtin name ("fs", "crypto")
 * is an error unless esbuild's browser resolution finds a real browser file for it
 * (an npm polyfill, or a package's `browser` field mapping it away).
 */
export function noNodePlugin(): Plugin {
  return {
    name: "no-node",
    setup(b) {
      b.onResolve({ filter: nodeImport }, async (args) => {
        if (args.pluginData === GUARD) return undefined;
        if (!args.path.startsWith("node:")) {
          const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: GUARD });
          // A `browser` field mapping it to false (libsodium's guarded `require("crypto")`) resolves
          // to a disabled module (no namespace): esbuild's own resolution then gives an empty module.
          if (r.errors.length === 0) return r.namespace === "" ? undefined : r;
        }
        // esbuild attaches the import's file and line to the error.
        return { errors: [{ text: `imports Node builtin "${args.path}", which does not exist in browsers` }] };
      });
    },
  };
}

export type BundleInput = { entry: string } | { source: string; resolveDir: string };

/** Bundle for `platform: "browser"`, ESM. Returns the code, or the build errors as readable lines. */
export async function bundleForBrowser(input: BundleInput): Promise<{ code: string; errors: string[] }> {
  try {
    const r = await build({
      ...("entry" in input
        ? { entryPoints: [input.entry] }
        : { stdin: { contents: input.source, resolveDir: input.resolveDir, loader: "ts", sourcefile: "browser-entry.ts" } }),
      bundle: true,
      platform: "browser",
      conditions: ["chatvault-source"], // @chatvault packages from source, not dist/ (README "Layout")
      format: "esm",
      target: "es2022",
      write: false,
      logLevel: "silent",
      plugins: [noNodePlugin()],
    });
    return { code: r.outputFiles[0]!.text, errors: [] };
  } catch (e) {
    const failures = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    if (!failures) throw e;
    return { code: "", errors: failures.map((f) => (f.location ? `${relative(repoRoot, f.location.file)}:${f.location.line}: ${f.text}` : f.text)) };
  }
}
