/**
 * Every failure named in issue 5 that needs no vault: the one-line message on stderr,
 * the exit code, and the --json error shape. (Vault errors: password-journey.test.ts.)
 */
import { after, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { type Machine, machine, writeSecret } from "./support.ts";

/**
 * One backed-up chat history shared by the tests of this file (spawning the CLI costs
 * ~0.7 s, so the fixture is built once); a test that damages the backup copies it first.
 */
let fixture: Promise<{ root: string; repo: string; src: string; keyFile: string }> | undefined;
after(() => fixture?.then((f) => rmSync(f.root, { recursive: true, force: true })));
function shared() {
  fixture ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), "chatvault-cli-err-"));
    const m = machine(root, "fixture");
    const repo = join(root, "repo");
    const src = join(root, "chats");
    const keyFile = join(root, "key.txt");
    assert.equal((await m.run(["demo-data", "--out", src, "--messages", "300", "--media-mib", "1"])).code, 0);
    assert.equal((await m.run(["init", "--repo", repo, "--new-key-file", keyFile])).code, 0);
    for (let i = 0; i < 2; i++) {
      const b = await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", keyFile]);
      assert.equal(b.code, 0, b.stderr);
    }
    return { root, repo, src, keyFile };
  })();
  return fixture;
}

/** The shared backup, copied into this test's own folder with this test's own machine. */
async function backedUp(t: TestContext) {
  const f = await shared();
  const dir = tempDir(t, "chatvault-cli-err-");
  const repo = join(dir, "repo");
  const src = join(dir, "chats");
  cpSync(f.repo, repo, { recursive: true });
  cpSync(f.src, src, { recursive: true });
  return { dir, m: machine(dir, "a"), repo, src, keyFile: f.keyFile };
}

function expectFailure(r: { code: number | null; stderr: string; stdout: string }, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.match(lines[lines.length - 1]!, /^chatvault: /);
  assert.match(r.stderr, message);
}

test("wrong key, malformed key, no key", async (t) => {
  const { dir, m, repo } = await backedUp(t);
  const other = writeSecret(join(dir, "other.txt"), "0123 4567 89ab cdef ".repeat(4).trim());
  const to = join(dir, "out");
  expectFailure(await m.run(["restore", "--repo", repo, "--to", to, "--key-file", other]), EXIT.wrongSecret, /^chatvault: this key does not open this backup\n$/);
  const short = writeSecret(join(dir, "short.txt"), readFileSync(other, "utf8").trim().slice(0, -1));
  const j = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", other, "--json"]);
  assert.deepEqual(j.json, { error: { code: "wrong_key", message: "this key does not open this backup", exitCode: EXIT.wrongSecret } });
  expectFailure(await m.run(["restore", "--repo", repo, "--to", to, "--key-file", short]), EXIT.usage, /does not hold a 64-digit key: 63 digits, expected 64/);
  const typo = writeSecret(join(dir, "typo.txt"), "q" + readFileSync(other, "utf8").trim().slice(1));
  const t1 = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", typo]);
  expectFailure(t1, EXIT.usage, /does not hold a 64-digit key: the character at position 1 is not a hex digit\n$/);
  assert.ok(!t1.stderr.includes("'q'"), "the offending character of a secret is not quoted");
  expectFailure(await m.run(["restore", "--repo", repo, "--to", to]), EXIT.usage, /no key: pass --key-file F .* or set CHATVAULT_KEY_FILE/);
  expectFailure(await m.run(["restore", "--repo", repo, "--to", to, "--key-file", join(dir, "nope")]), EXIT.usage, /cannot read the key file .*nope: ENOENT/);
  assert.ok(!existsSync(to), "nothing written");
});

test("tampered pack: integrity failure names it and writes nothing; verify agrees", async (t) => {
  const { dir, m, repo, keyFile } = await backedUp(t);
  const packsDir = join(repo, "packs");
  const sub = readdirSync(packsDir)[0]!;
  const pack = join(packsDir, sub, readdirSync(join(packsDir, sub))[0]!);
  const bytes = readFileSync(pack);
  bytes[100] = bytes[100]! ^ 0x01;
  rmSync(pack);
  writeFileSync(pack, bytes);
  const to = join(dir, "out");
  const r = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", keyFile]);
  expectFailure(r, EXIT.integrity, /^chatvault: integrity check failed \(\w+\): .*nothing was written\n$/);
  assert.deepEqual(existsSync(to) ? readdirSync(to) : [], [], "nothing written at the destination");
  const v = await m.run(["verify", "--repo", repo, "--key-file", keyFile, "--json"]);
  assert.equal(v.code, EXIT.integrity);
  assert.equal(v.json.error.exitCode, EXIT.integrity);
  assert.equal(v.json.error.details.ok, false);
  assert.ok(v.json.error.details.problems.length >= 1);
});

test("rollback: storage that drops the newest snapshot is refused on a machine that saw it", async (t) => {
  const { m, repo, keyFile, dir } = await backedUp(t);
  const seen = await m.run(["restore", "--repo", repo, "--to", join(dir, "first"), "--key-file", keyFile, "--json"]);
  assert.equal(seen.json.snapshot.sequence, 2, seen.stderr);
  rmSync(join(repo, "snapshots", readdirSync(join(repo, "snapshots")).find((n) => n.startsWith("0000000002"))!));
  const r = await m.run(["restore", "--repo", repo, "--to", join(dir, "out"), "--key-file", keyFile]);
  expectFailure(r, EXIT.integrity, /integrity check failed \(rollback\)/);
});

test("target exists, repository exists, key file exists", async (t) => {
  const { dir, m, repo, src, keyFile } = await backedUp(t);
  expectFailure(await m.run(["restore", "--repo", repo, "--to", src, "--key-file", keyFile]), EXIT.targetExists, /msgstore\.db already exists; pass --overwrite to replace it/);
  expectFailure(await m.run(["init", "--repo", repo, "--new-key-file", join(dir, "k2.txt")]), EXIT.targetExists, /already exists at/);
  assert.ok(!existsSync(join(dir, "k2.txt")), "no key file for a backup that was not created");
  expectFailure(await m.run(["init", "--repo", join(dir, "fresh"), "--new-key-file", keyFile]), EXIT.targetExists, /refusing to overwrite a key file/);
  const over = await m.run(["restore", "--repo", repo, "--to", src, "--key-file", keyFile, "--overwrite"]);
  assert.equal(over.code, 0, over.stderr);
});

test("usage errors, not found, and the --json error shape", async (t) => {
  const dir = tempDir(t, "chatvault-cli-usage-");
  const m: Machine = machine(dir, "a");
  expectFailure(await m.run(["backup", "--nope"]), EXIT.usage, /unknown option '--nope'/);
  expectFailure(await m.run(["frobnicate"]), EXIT.usage, /unknown command 'frobnicate'/);
  expectFailure(await m.run(["backup", "--repo", dir]), EXIT.usage, /nothing to back up/);
  expectFailure(await m.run(["restore", "--to", dir]), EXIT.usage, /no backup location: pass --repo/);
  expectFailure(await m.run(["init", "--repo", join(dir, "r")]), EXIT.usage, /choose the protection/);
  expectFailure(await m.run(["prune", "--repo", dir]), EXIT.usage, /say what to keep/);
  expectFailure(await m.run(["demo-data", "--out", dir, "--messages", "-3"]), EXIT.usage, /--messages must be a whole number/);
  expectFailure(await m.run(["restore", "--repo", join(dir, "empty"), "--to", join(dir, "o"), "--key-file", "/dev/null"]), EXIT.notFound, /no chatvault backup found at/);
  const j = await m.run(["restore", "--repo", join(dir, "empty"), "--to", join(dir, "o"), "--json"]);
  assert.equal(j.code, EXIT.notFound);
  assert.deepEqual(Object.keys(j.json), ["error"]);
  assert.equal(j.json.error.exitCode, EXIT.notFound);
  assert.equal(j.json.error.code, "repository_not_found");
  assert.equal(j.stderr, "");
  const h = await m.run(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Exit codes:/);
});

test("storage unreachable: an S3 endpoint that refuses connections", async (t) => {
  const dir = tempDir(t, "chatvault-cli-s3-");
  const m = machine(dir, "a", { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" });
  const keyFile = writeSecret(join(dir, "k.txt"), "0".repeat(64));
  const start = Date.now();
  const r = await m.run(["restore", "--repo", "s3://bucket/prefix", "--s3-endpoint", "http://127.0.0.1:9", "--to", join(dir, "o"), "--key-file", keyFile]);
  expectFailure(r, EXIT.storageUnreachable, /^chatvault: cannot reach the backup storage: /);
  t.diagnostic(`gave up after ${Date.now() - start} ms`);
});
