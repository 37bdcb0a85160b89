/**
 * The public packages' manifests keep the shape an installed package needs (README
 * "Install", "Layout"): fast checks of what only the install smoke test
 * (`npm run test:smoke`) would otherwise find, minutes later.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const PUBLIC = ["format", "storage", "vault-protocol", "sdk", "vault-server", "demo-data", "cli"];
/** Tools of this workspace that must never be needed at run time. */
const DEV_TOOLS = ["tsx", "typescript", "esbuild", "vite", "eslint", "typedoc", "playwright-core", "fast-check", "@chatvault/testkit", "@chatvault/web"];

interface Manifest {
  name: string;
  version?: string;
  license?: string;
  private?: boolean;
  files?: string[];
  bin?: Record<string, string>;
  exports?: Record<string, Record<string, string>>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const read = <T>(path: string): T => JSON.parse(readFileSync(join(ROOT, path), "utf8")) as T;

for (const dir of PUBLIC) {
  const pkg = read<Manifest>(`packages/${dir}/package.json`);

  test(`${pkg.name}: publishable manifest (version, license, files, not private, no dev tools in dependencies)`, () => {
    assert.equal(pkg.private, undefined, "not private");
    assert.match(pkg.version ?? "", /^\d+\.\d+\.\d+/);
    assert.equal(pkg.license, "Apache-2.0");
    assert.ok(pkg.files?.includes("dist"), "files ships dist/");
    assert.ok(!pkg.files?.includes("src"), "files does not ship the TypeScript sources");
    for (const d of DEV_TOOLS) assert.equal(pkg.dependencies?.[d], undefined, `dependency on ${d}`);
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      if (name.startsWith("@chatvault/")) assert.notEqual(range, "*", `${name}: a real version range, not *`);
    }
  });

  test(`${pkg.name}: every export has a source file, and the build compiles it to the dist file it names`, () => {
    const build = read<{ files: string[] }>(`packages/${dir}/tsconfig.build.json`);
    assert.ok(pkg.exports && Object.keys(pkg.exports).length > 0, "has exports");
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const src = target["chatvault-source"];
      assert.ok(src && existsSync(join(ROOT, "packages", dir, src)), `exports["${sub}"] chatvault-source → ${src}`);
      assert.ok(build.files.includes(src.replace(/^\.\//, "")), `tsconfig.build.json compiles ${src} (exports["${sub}"])`);
      const js = src.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, ".js");
      assert.equal(target.default, js, `exports["${sub}"].default`);
      assert.equal(target.types, js.replace(/\.js$/, ".d.ts"), `exports["${sub}"].types`);
      assert.deepEqual(Object.keys(target)[0], "chatvault-source", `exports["${sub}"]: the source condition comes first (conditions match in order)`);
    }
    for (const file of build.files) assert.ok(existsSync(join(ROOT, "packages", dir, file)), `tsconfig.build.json: ${file} exists`);
  });
}

test("no package depends on an app: dependencies point from apps/ down to packages/, never back (not even for tests)", () => {
  const manifests = (top: string) =>
    readdirSync(join(ROOT, top))
      .filter((d) => existsSync(join(ROOT, top, d, "package.json")))
      .map((d) => read<Manifest>(`${top}/${d}/package.json`));
  const apps = manifests("apps").map((m) => m.name);
  assert.ok(apps.includes("@chatvault/web") && apps.includes("@chatvault/local"), `apps found: ${apps.join(", ")}`);
  for (const pkg of manifests("packages")) {
    const all = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
    assert.deepEqual(
      Object.keys(all).filter((d) => apps.includes(d)),
      [],
      `${pkg.name} depends on an app`,
    );
  }
});

test("main entries export no test support (it lives behind ./testing)", async () => {
  const storage = await import("@chatvault/storage");
  assert.equal((storage as Record<string, unknown>).withFaults, undefined);
  const testing = await import("@chatvault/storage/testing");
  assert.equal(typeof testing.withFaults, "function");
  assert.equal(typeof (await import("@chatvault/storage/s3/testing")).TestBucket, "function");
  const vaultTesting = await import("@chatvault/vault-server/testing");
  for (const name of ["startTestVault", "spawnVaultProcess", "createKeepAliveFetch", "startRealms", "RealmDriver"] as const) {
    assert.equal(typeof vaultTesting[name], "function", `@chatvault/vault-server/testing exports ${name}`);
  }
  const TEST_SUPPORT =
    /^(withFaults|startTestVault|TestBucket|storageConformance|generateDemoData|mutateDemoData|spawnVaultProcess|spawnVault|createKeepAliveFetch|postgresReachable|startRealms|RealmDriver|VAULT_MAIN_PATH)$/;
  for (const name of [
    "@chatvault/format",
    "@chatvault/storage",
    "@chatvault/storage/s3",
    "@chatvault/vault-protocol",
    "@chatvault/sdk",
    "@chatvault/sdk/node",
    "@chatvault/vault-server",
  ]) {
    const m = (await import(name)) as Record<string, unknown>;
    const suspicious = Object.keys(m).filter((k) => TEST_SUPPORT.test(k));
    assert.deepEqual(suspicious, [], `${name} exports test support`);
  }
});

test("the CLI's installed command runs compiled JavaScript when no sources are beside it", () => {
  const pkg = read<Manifest>("packages/cli/package.json");
  assert.deepEqual(pkg.bin, { chatvault: "./bin/chatvault.js" });
  assert.ok(pkg.files?.includes("bin"));
  const launcher = readFileSync(join(ROOT, "packages/cli/bin/chatvault.js"), "utf8");
  assert.match(launcher, /await import\("\.\.\/dist\/bin\.js"\)/);
  assert.ok(read<{ files: string[] }>("packages/cli/tsconfig.build.json").files.includes("src/bin.ts"));
});
