/**
 * Start-up stays cheap (docs/performance.md, "Start-up"): what `chatvault --version`,
 * `--help` and a key-mode command load, recorded from the running process — not timed.
 * These run the workspace's sources (bin/chatvault.js with tsx); the install smoke test
 * (scripts/smoke/run.ts) makes the same checks on the installed, compiled CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BIN } from "./support.ts";
import { HEAVY_PACKAGES, isOneOf, recordLoads } from "./startup-loads.ts";

/** What the workspace launcher itself loads to run TypeScript: not the CLI's doing. */
const LAUNCHER = ["tsx", "esbuild", "get-tsconfig", "resolve-pkg-maps"];
const cliPackages = (packages: string[]) => packages.filter((p) => !LAUNCHER.includes(p));

test("--version loads no package at all, not even commander", () => {
  for (const flag of ["--version", "-V"]) {
    const r = recordLoads(BIN, [flag]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\S*\n$/);
    assert.deepEqual(cliPackages(r.packages), ["@chatvault/cli"], `${flag} loaded ${r.packages.join(", ")}`);
    const own = r.files.filter((f) => f.includes("/packages/cli/src/"));
    assert.deepEqual(
      own.map((f) => f.replace(/.*\/packages\/cli\/src\//, "")),
      ["bin.ts", "help-text.ts", "version.ts"],
    );
  }
});

test("--help loads commander and none of the heavy packages", () => {
  const r = recordLoads(BIN, ["--help"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: chatvault /);
  // The recorder sees CommonJS packages too: commander is one.
  assert.ok(r.packages.includes("commander"), `the load log misses commander: ${r.packages.join(", ")}`);
  assert.deepEqual(
    cliPackages(r.packages).filter((p) => isOneOf(p, HEAVY_PACKAGES)),
    [],
  );
  assert.ok(!r.files.some((f) => /\/packages\/cli\/src\/commands\//.test(f)), "no command module is loaded for --help");
});

test("--version combined with another flag still prints the version (through commander)", () => {
  const r = recordLoads(BIN, ["--json", "--version"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\S*\n$/);
});

test("a key-mode command's module graph has no vault client, OPAQUE, S3 SDK or password prompts", () => {
  // `backup --help` loads the backup command with everything it imports statically; the
  // vault client (password mode), realms, S3 and prompts are imported only when used.
  const r = recordLoads(BIN, ["backup", "--help"]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.packages.includes("@chatvault/sdk"), "the backup command itself is loaded");
  const unwanted = [
    "@chatvault/vault-protocol",
    "@chatvault/vault-server",
    "@serenity-kit/opaque",
    "@aws-sdk",
    "@smithy",
    "@inquirer",
    "@zxcvbn-ts",
    "@noble",
    "hash-wasm",
  ];
  assert.deepEqual(
    r.packages.filter((p) => isOneOf(p, unwanted)),
    [],
  );
});

test("a backup's module graph has no other operation: no restore, verify, prune, check, demo-data or fflate", () => {
  // The SDK's per-operation entries (@chatvault/sdk/core, /node/core, /node/backup):
  // the `.` and `./node` barrels would bring every operation into every command.
  const r = recordLoads(BIN, ["backup", "--help"]);
  assert.equal(r.status, 0, r.stderr);
  const sdk = r.files.filter((f) => f.includes("/packages/sdk/src/")).map((f) => f.replace(/.*\/packages\/sdk\/src\//, ""));
  assert.ok(sdk.includes("node/backup.ts") && sdk.includes("backup/session.ts"), `the backup operation is loaded: ${sdk.join(", ")}`);
  const others =
    /^(?:index\.ts|node\/index\.ts|verify\.ts|prune\.ts|node\/restore\.ts|node\/check\.ts|node\/database-check\.ts|restore\/|node\/demo-data\/|backup\/bytes-backup\.ts|backup\/fflate-compressor\.ts)/;
  assert.deepEqual(
    sdk.filter((f) => others.test(f)),
    [],
  );
  assert.ok(!r.packages.includes("fflate"), `fflate is loaded: ${r.packages.join(", ")}`);
});
