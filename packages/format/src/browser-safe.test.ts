/**
 * Browser-safe packages import nothing from Node (CONVENTIONS habit 4). Each entry below is
 * bundled by esbuild for `platform: "browser"`; any `node:` import or Node builtin fails the
 * test with the importing file named. Add an entry when a new browser-safe package appears.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundleForBrowser } from "./vectors/browser-bundle.ts";

const repoRoot = new URL("../../../", import.meta.url).pathname;

/** `required: false` entries are checked once the package's main entry exists. */
const ENTRIES = [
  { name: "@chatvault/format", required: true },
  { name: "@chatvault/vault-protocol", required: false },
  { name: "@chatvault/storage", required: false },
  { name: "@chatvault/sdk", required: true },
];

/** The file a package's "." export points at, or undefined when the package or file does not exist yet. */
function mainEntry(name: string): string | undefined {
  const pkgJson = join(repoRoot, "node_modules", name, "package.json");
  if (!existsSync(pkgJson)) return undefined;
  const pkg = JSON.parse(readFileSync(pkgJson, "utf8")) as { exports?: Record<string, unknown> | string };
  const dot = typeof pkg.exports === "string" ? pkg.exports : pkg.exports?.["."];
  // The workspace's source file (README "Layout"): the built dist/ is the same code, compiled.
  const main = typeof dot === "object" && dot !== null ? (dot as Record<string, unknown>)["chatvault-source"] : dot;
  if (typeof main !== "string") return undefined;
  const file = join(dirname(pkgJson), main);
  return existsSync(file) ? file : undefined;
}

for (const { name, required } of ENTRIES) {
  test(`${name} bundles for the browser without Node modules`, async (t) => {
    const entry = mainEntry(name);
    if (!entry) {
      assert.ok(!required, `${name} has no main entry`);
      t.skip(`${name} has no main entry yet`);
      return;
    }
    const { errors } = await bundleForBrowser({ entry });
    assert.deepEqual(errors, [], `${name} is not browser-safe:\n${errors.join("\n")}`);
  });
}

test("the check catches node: imports and bare builtins, naming the importer", async () => {
  const resolveDir = join(repoRoot, "packages/format/src");
  for (const spec of ["node:crypto", "fs", "path/posix"]) {
    const { errors } = await bundleForBrowser({ source: `import * as m from "${spec}"; console.log(m);`, resolveDir });
    assert.equal(errors.length, 1, `${spec}: ${errors.join("; ")}`);
    assert.ok(errors[0]!.startsWith(`packages/format/src/browser-entry.ts:1: imports Node builtin "${spec}"`), errors[0]);
  }
  // The Node fast path is the one file of the format package that must never reach a browser.
  const { errors } = await bundleForBrowser({ entry: join(resolveDir, "node.ts") });
  assert.ok(
    errors.some((e) => /^packages\/format\/src\/node\.ts:\d+: imports Node builtin "node:crypto"/.test(e)),
    errors.join("\n"),
  );
});
