/**
 * Every failure docs/cli.md (Exit codes) names that needs no vault: the one-line message on stderr,
 * the exit code, and the --json error shape. (Vault errors: password-journey.test.ts.)
 */
import { after, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseKey } from "@chatvault/format";
import { BackupSession, memoryHeadStore, Repository } from "@chatvault/sdk";
import { nodeCompressor } from "@chatvault/sdk/node";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { EXIT } from "../src/exit-codes.ts";
import { BIN, type Machine, REPO_ROOT, type RunResult, machine, writeSecret } from "./support.ts";

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
  // The error is the last line; warnings the command printed before it (e.g. "no --media given") may precede it.
  assert.match(lines[lines.length - 1]!, /^chatvault: /);
  assert.match(r.stderr.slice(r.stderr.lastIndexOf("\nchatvault: ") + 1), message);
}

test("wrong key, malformed key, no key", async (t) => {
  const { dir, m, repo } = await backedUp(t);
  const other = writeSecret(join(dir, "other.txt"), "0123 4567 89ab cdef ".repeat(4).trim());
  const to = join(dir, "out");
  expectFailure(
    await m.run(["restore", "--repo", repo, "--to", to, "--key-file", other]),
    EXIT.wrongSecret,
    /^chatvault: this key does not open this backup\n$/,
  );
  const short = writeSecret(join(dir, "short.txt"), readFileSync(other, "utf8").trim().slice(0, -1));
  const j = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", other, "--json"]);
  assert.deepEqual(j.json, { error: { code: "wrong_key", message: "this key does not open this backup", exitCode: EXIT.wrongSecret } });
  expectFailure(await m.run(["restore", "--repo", repo, "--to", to, "--key-file", short]), EXIT.usage, /does not hold a 64-digit key: 63 digits, expected 64/);
  const typo = writeSecret(join(dir, "typo.txt"), "q" + readFileSync(other, "utf8").trim().slice(1));
  const t1 = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", typo]);
  expectFailure(t1, EXIT.usage, /does not hold a 64-digit key: the character at position 1 is not a digit 0–9 or a letter a–f\n$/);
  assert.ok(!t1.stderr.includes("'q'"), "the offending character of a secret is not quoted");
  expectFailure(await m.run(["restore", "--repo", repo, "--to", to]), EXIT.usage, /no key: pass --key-file F .* or set CHATVAULT_KEY_FILE/);
  expectFailure(
    await m.run(["restore", "--repo", repo, "--to", to, "--key-file", join(dir, "nope")]),
    EXIT.usage,
    /cannot read the key file .*nope: it does not exist\n$/,
  );
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
  const j = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", keyFile, "--json"]);
  assert.equal(j.json.error.code, "integrity");
  assert.equal(j.json.error.details.reason, "corruption", "--json says what kind of integrity failure");
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
  rmSync(
    join(
      repo,
      "snapshots",
      readdirSync(join(repo, "snapshots")).find((n) => n.startsWith("0000000002"))!,
    ),
  );
  const r = await m.run(["restore", "--repo", repo, "--to", join(dir, "out"), "--key-file", keyFile]);
  expectFailure(r, EXIT.integrity, /integrity check failed \(rollback\)/);
  const j = await m.run(["restore", "--repo", repo, "--to", join(dir, "out"), "--key-file", keyFile, "--json"]);
  assert.deepEqual([j.json.error.code, j.json.error.details.reason], ["integrity", "rollback"]);
});

test("target exists, repository exists, key file exists", async (t) => {
  const { dir, m, repo, src, keyFile } = await backedUp(t);
  expectFailure(
    await m.run(["restore", "--repo", repo, "--to", src, "--key-file", keyFile]),
    EXIT.targetExists,
    /msgstore\.db already exists; pass --overwrite to replace it/,
  );
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
  mkdirSync(join(dir, "empty"));
  expectFailure(
    await m.run(["restore", "--repo", join(dir, "empty"), "--to", join(dir, "o"), "--key-file", "/dev/null"]),
    EXIT.notFound,
    /no chatvault backup found at/,
  );
  // A folder that is not there at all is an unmounted drive, not "no backup here".
  expectFailure(
    await m.run(["restore", "--repo", join(dir, "unmounted"), "--to", join(dir, "o"), "--key-file", "/dev/null"]),
    EXIT.storageUnreachable,
    /^chatvault: the backup folder .*unmounted does not exist — is its drive mounted\? \(`chatvault init` makes a new backup\)\n$/,
  );
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
  plainWords(r.stderr);
  t.diagnostic(`gave up after ${Date.now() - start} ms`);
});

/** No errno names, no class names, no path said twice: one line that says what is wrong and what to do. */
function plainWords(stderr: string): void {
  assert.doesNotMatch(stderr, /\bE[A-Z]{3,}\b/, "no errno name");
  assert.doesNotMatch(stderr, /[A-Z][a-z]+(Error|Exception)\b/, "no class name");
  for (const path of stderr.match(/\/[^\s:;,'"]+/g) ?? []) assert.equal(stderr.split(path).length - 1, 1, `path ${path} said once`);
}

/** A new tmpfs folder (root only; mount may be unavailable in a container), unmounted and removed after the test. */
function tmpfs(t: TestContext, options: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "chatvault-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "chatvault-test", dir], { stdio: "ignore" });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    t.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)");
    return undefined;
  }
  t.after(() => {
    execFileSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test("restore: --to a file, a read-only destination, a full destination — named, with their own exit codes, nothing left", async (t) => {
  const { dir, m, repo, keyFile } = await backedUp(t);
  const file = join(dir, "a-file");
  writeFileSync(file, "x");
  const r = await m.run(["restore", "--repo", repo, "--to", file, "--key-file", keyFile]);
  expectFailure(r, EXIT.usage, /^chatvault: the restore destination .*a-file is a file, not a folder: give a folder with --to\n$/);
  plainWords(r.stderr);
  const j = await m.run(["restore", "--repo", repo, "--to", join(file, "x"), "--key-file", keyFile, "--json"]);
  assert.deepEqual([j.json.error.code, j.json.error.exitCode, j.json.error.details.place], ["not_a_folder", EXIT.usage, "destination"]);

  const ro = tmpfs(t, "ro,size=1m");
  if (!ro) return;
  const r2 = await m.run(["restore", "--repo", repo, "--to", join(ro, "out"), "--key-file", keyFile]);
  expectFailure(r2, EXIT.notPermitted, /^chatvault: the restore destination .*\/out: the file system is read-only; choose a writable folder with --to\n$/);
  plainWords(r2.stderr);
  const j2 = await m.run(["restore", "--repo", repo, "--to", join(ro, "out"), "--key-file", keyFile, "--json"]);
  assert.deepEqual([j2.json.error.code, j2.json.error.exitCode], ["read_only", EXIT.notPermitted], "--json carries our code, not EROFS");

  const full = tmpfs(t, "size=64k");
  if (!full) return;
  const r3 = await m.run(["restore", "--repo", repo, "--to", join(full, "out"), "--key-file", keyFile]);
  expectFailure(r3, EXIT.noSpace, /^chatvault: the restore destination .*\/out: no space left on the device; free some space there or choose another --to/);
  plainWords(r3.stderr);
  assert.deepEqual(readdirSync(full), [], "no staging and no empty destination folder left");
});

test("backup: a full backup folder and a full temp folder are told apart", async (t) => {
  const { dir, m, src, keyFile } = await backedUp(t);
  const full = tmpfs(t, "size=256k");
  if (!full) return;
  const repo = join(full, "repo");
  assert.equal((await m.run(["init", "--repo", repo, "--new-key-file", join(dir, "k-full.txt")])).code, 0);
  const r = await m.run(["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", join(src, "media"), "--key-file", join(dir, "k-full.txt")]);
  expectFailure(r, EXIT.noSpace, /^chatvault: the backup folder .*\/repo: no space left on the device; free some space there, then run the backup again/);
  plainWords(r.stderr);
  const tmp = tmpfs(t, "size=64k");
  if (!tmp) return;
  const m2 = machine(dir, "b", { TMPDIR: tmp });
  const r2 = await m2.run(["backup", "--repo", join(dir, "repo"), "--db", join(src, "msgstore.db"), "--key-file", keyFile]);
  expectFailure(r2, EXIT.noSpace, /^chatvault: the temp folder for the database copy .*: no space left on the device; free some space there or set TMPDIR/);
  plainWords(r2.stderr);
  assert.deepEqual(readdirSync(join(tmp, readdirSync(tmp)[0]!)), [], "the failed copy is removed");
});

test("backup: unreadable, vanished and odd files are skipped with a warning each and counted; the rest is backed up", async (t) => {
  const { dir, m, repo, src, keyFile } = await backedUp(t);
  const media = join(src, "media");
  writeFileSync(join(media, "locked.jpg"), "no access");
  chmodSync(join(media, "locked.jpg"), 0o000);
  mkdirSync(join(media, "locked-dir"));
  writeFileSync(join(media, "locked-dir", "x.jpg"), "inside");
  chmodSync(join(media, "locked-dir"), 0o000);
  writeFileSync(Buffer.concat([Buffer.from(`${media}/`), Buffer.from([0x66, 0xff, 0x2e, 0x6a, 0x70, 0x67])]), "not UTF-8");
  writeFileSync(join(media, "back\\slash.jpg"), "backslash");
  // Root reads everything: then run as nobody, on files that are nobody's.
  const asNobody = process.getuid?.() === 0;
  const key = join(dir, "key-copy.txt");
  writeFileSync(key, readFileSync(keyFile), { mode: 0o600 });
  if (asNobody) execFileSync("chown", ["-R", "nobody:nogroup", dir]);
  const args = ["backup", "--repo", repo, "--db", join(src, "msgstore.db"), "--media", media, "--key-file", key, "--json"];
  const r = asNobody ? await runAs(65534, 65534, m, args) : await m.run(args);
  const human = asNobody ? await runAs(65534, 65534, m, args.slice(0, -1)) : await m.run(args.slice(0, -1));
  chmodSync(join(media, "locked-dir"), 0o755); // so the test folder can be removed
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^ {2}media files: 0 new, 0 changed, \d+ unchanged, 2 skipped \(see the warnings\)$/m, "the summary counts them");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.skippedCount, 2);
  assert.deepEqual(
    r.json.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason]),
    [
      ["locked-dir", "unreadable"],
      ["locked.jpg", "unreadable"],
    ],
  );
  assert.match(r.stderr, /^warning: skipped locked-dir: cannot be read \(permission denied\)$/m);
  assert.match(r.stderr, /^warning: skipped locked.jpg: cannot be read \(permission denied\)$/m);
  plainWords(r.stderr);
  assert.equal(r.json.stats.filesNew, 2, "the non-UTF-8 and the backslash names are backed up");
});

/** Run the CLI as another user (root only), with the machine's environment. */
function runAs(uid: number, gid: number, m: Machine, args: string[]): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: m.env, cwd: REPO_ROOT, uid, gid, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
  });
}

test("restore of a snapshot with one inconsistent media file: the rest is restored, the file named, exit 6 partial_restore", async (t) => {
  const { dir, m, repo, keyFile } = await backedUp(t);
  // What an older writer stored for a file that grew during its backup: the walk's size.
  const r0 = await Repository.open(new FsStorage(repo), parseKey(readFileSync(keyFile, "utf8").trim()));
  const session = await BackupSession.begin(r0, memoryHeadStore(), { compressor: nodeCompressor });
  const parent = session.parent!.manifest;
  const bad = parent.media[0]!;
  await session.commit(
    parent.database,
    parent.media.map((f) => (f === bad ? { ...f, size: f.size + 1 } : f)),
    "old-writer",
  );
  const to = join(dir, "out");
  const r = await m.run(["restore", "--repo", repo, "--to", to, "--key-file", keyFile]);
  expectFailure(
    r,
    EXIT.integrity,
    /^chatvault: 1 media file could not be restored \(its data does not match the backup's record\); the database and the other files are in place/m,
  );
  assert.match(
    r.stderr,
    new RegExp(`^warning: not restored: media/${bad.path}: its chunks add up to ${bad.size} bytes, the backup recorded ${bad.size + 1}$`, "m"),
  );
  assert.match(r.stdout, /^Restored snapshot 3 /);
  assert.ok(existsSync(join(to, "msgstore.db")));
  assert.equal(
    readdirSync(join(to, "media"), { recursive: true }).filter(
      (p) => !existsSync(join(to, "media", String(p))) || !statSync(join(to, "media", String(p))).isDirectory(),
    ).length,
    parent.media.length - 1,
  );
  const j = await m.run(["restore", "--repo", repo, "--to", join(dir, "out2"), "--key-file", keyFile, "--json"]);
  assert.equal(j.json.error.code, "partial_restore");
  assert.equal(j.json.error.details.reason, "corruption");
  assert.deepEqual(
    j.json.error.details.damaged.map((d: { path: string }) => d.path),
    [bad.path],
  );
  assert.equal(j.json.error.details.restored.mediaFiles, parent.media.length - 1);
});
