/**
 * Files that change, vanish or cannot be read, odd names, and what a restore writes:
 * one bad media file never sinks a backup or a restore (spec §8.5, §8.5.1, §8.8).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { ChatvaultError, toHex } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { BackupSession } from "../backup/session.ts";
import { memoryHeadStore, Repository } from "../index.ts";
import type { ProgressEvent } from "../progress.ts";
import { decodeManifest, encodeManifest, type SnapshotManifest } from "../repo/manifest.ts";
import type { Storage } from "@chatvault/storage";
import { walkMedia } from "./media-walk.ts";
import { backup, localHeadStore, openStorage, restore, nodeCompressor } from "./index.ts";
import { privateTempRoot, sweepDeadRuns } from "./work-dir.ts";
import { demo, newRepo, treeHashes } from "../../test/support.ts";

/** A media folder with a few small files. */
function mediaFolder(dir: string, files: Record<string, string | Buffer>): string {
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

/** Calls `fn` once, when the backup enters "copying database": after the walk, before any media file is read. */
function afterWalk(fn: () => void): (e: ProgressEvent) => void {
  let done = false;
  return (e) => {
    if (!done && e.phase === "copying database") {
      done = true;
      fn();
    }
  };
}

test("restored mtimes are exact: the first backup after a restore re-reads no media file", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  const again = await backup({ repo, heads, db: join(out, "msgstore.db"), media: join(out, "media") });
  assert.equal(again.stats.filesNew + again.stats.filesChanged, 0, "no media file re-read");
  assert.equal(again.stats.filesUnchanged, src.mediaFiles);
});

for (const workers of [0, 2]) {
  test(`a media file that grows or shrinks during the backup is stored as read and restores (workers: ${workers})`, async (t) => {
    const dir = tempDir(t);
    const media = mediaFolder(join(dir, "media"), { "grows.bin": Buffer.alloc(300_000, 1), "shrinks.bin": Buffer.alloc(300_000, 2), "same.txt": "hello" });
    const { repo } = await newRepo(join(dir, "repo"));
    const heads = memoryHeadStore();
    const r = await backup({
      repo,
      heads,
      media,
      workers,
      onProgress: afterWalk(() => {
        appendFileSync(join(media, "grows.bin"), Buffer.alloc(70_000, 3));
        truncateSync(join(media, "shrinks.bin"), 1000);
      }),
    });
    assert.deepEqual(r.changedWhileReading.sort(), ["grows.bin", "shrinks.bin"]);
    const res = await restore({ repo, heads, to: join(dir, "out") });
    assert.deepEqual(res.damaged, []);
    assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(media), "what was read is what comes back");
    assert.equal(statSync(join(dir, "out", "media", "grows.bin")).size, 370_000);
    // The walk's mtime was kept: the next backup takes the changed files again.
    const next = await backup({ repo, heads, media, workers });
    assert.equal(next.stats.filesChanged, 2);
  });
}

test("a snapshot whose media size disagrees with its chunks: the database and the good files are restored, the bad one reported", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  // What an older writer stored for a file that grew during its backup: the walk's size.
  const session = await BackupSession.begin(repo, heads, { compressor: nodeCompressor });
  const parent = session.parent!.manifest;
  const bad = parent.media[0]!;
  const media = parent.media.map((f) => (f === bad ? { ...f, size: f.size + 4096 } : f));
  await session.commit(parent.database, media, "old-writer");
  const out = join(dir, "out");
  const res = await restore({ repo, heads, to: out });
  assert.deepEqual(
    res.damaged.map((d) => [d.path, d.reason]),
    [[bad.path, "size_mismatch"]],
  );
  assert.equal(res.mediaFiles, parent.media.length - 1);
  assert.ok(statSync(join(out, "msgstore.db")).size > 0, "the database is restored");
  const want = treeHashes(src.mediaDir);
  want.delete(bad.path);
  assert.deepEqual(treeHashes(join(out, "media")), want, "every other file is restored");
});

// With a worker, the read failure crosses the thread boundary (a worker posts parts ahead of
// their acks, and answers a failed task only once every part was taken).
for (const workers of [0, 1]) {
  test(`files that vanish or cannot be read are skipped with a reason; the rest is backed up (workers: ${workers})`, async (t) => {
    const dir = tempDir(t);
    const media = mediaFolder(join(dir, "media"), { "a.txt": "a", "gone.txt": "soon gone", "dir-now.txt": "becomes a folder", "sub/b.txt": "b" });
    execFileSync("mkfifo", [join(media, "pipe")]);
    symlinkSync("/etc/passwd", join(media, "link"));
    const { repo } = await newRepo(join(dir, "repo"));
    const heads = memoryHeadStore();
    const r = await backup({
      repo,
      heads,
      media,
      workers,
      onProgress: afterWalk(() => {
        rmSync(join(media, "gone.txt"));
        rmSync(join(media, "dir-now.txt"));
        mkdirSync(join(media, "dir-now.txt")); // opens, but reading fails (EISDIR)
      }),
    });
    assert.deepEqual(r.skipped, [
      { path: "dir-now.txt", reason: "unreadable", detail: "it is a folder, not a file" },
      { path: "gone.txt", reason: "vanished", detail: "it does not exist" },
      { path: "link", reason: "symlink" },
      { path: "pipe", reason: "not_a_file" },
    ]);
    assert.equal(r.stats.filesNew, 2);
    await restore({ repo, heads, to: join(dir, "out") });
    assert.deepEqual([...treeHashes(join(dir, "out", "media")).keys()].sort(), ["a.txt", "sub/b.txt"]);
  });
}

test("names that are not UTF-8 or hold a backslash are backed up by their bytes and restored exactly", async (t) => {
  const dir = tempDir(t);
  const media = join(dir, "media");
  mkdirSync(media);
  const latin1 = Buffer.from("caf\xe9.jpg", "latin1"); // é in Latin-1: not UTF-8
  const badDir = Buffer.from([0x64, 0xff, 0x72]);
  const b = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
  writeFileSync(b(media, "/", latin1), "latin-1 name");
  mkdirSync(b(media, "/", badDir));
  writeFileSync(b(media, "/", badDir, "/inner.txt"), "inside a non-UTF-8 folder");
  writeFileSync(join(media, "back\\slash.txt"), "backslash");
  writeFileSync(join(media, "caf\uFFFD.jpg"), "a real U+FFFD name, same display form");
  writeFileSync(join(media, "plain.txt"), "plain");
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const r = await backup({ repo, heads, media });
  assert.deepEqual(r.skipped, []);
  assert.equal(r.stats.filesNew, 5);
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  const names = (readdirSync(join(out, "media"), { encoding: "buffer" }) as Buffer[]).map((n) => n.toString("hex")).sort();
  assert.deepEqual(names, (readdirSync(media, { encoding: "buffer" }) as Buffer[]).map((n) => n.toString("hex")).sort());
  assert.equal(readFileSync(b(out, "/media/", latin1), "utf8"), "latin-1 name");
  assert.equal(readFileSync(b(out, "/media/", badDir, "/inner.txt"), "utf8"), "inside a non-UTF-8 folder");
  assert.equal(readFileSync(join(out, "media", "back\\slash.txt"), "utf8"), "backslash");
  assert.equal(readFileSync(join(out, "media", "caf\uFFFD.jpg"), "utf8"), "a real U+FFFD name, same display form");
  // The raw names match across snapshots: nothing is re-read.
  const again = await backup({ repo, heads, media });
  assert.equal(again.stats.filesUnchanged, 5);
});

test("manifest rawPath: round trip, and every unsafe or plain raw path is rejected", () => {
  const m: SnapshotManifest = {
    version: 1,
    repoId: "r",
    sequence: 1,
    parent: null,
    time: "t",
    host: "h",
    database: null,
    media: [{ path: "caf\uFFFD", rawPath: Uint8Array.from([0x63, 0xe9]), size: 0, mtimeMs: 1, chunks: [] }],
    stats: { filesNew: 0, filesChanged: 0, filesUnchanged: 0, bytesRead: 0, bytesStored: 0, chunksNew: 0 },
  };
  assert.deepEqual(decodeManifest(encodeManifest(m)).media[0]!.rawPath, m.media[0]!.rawPath);
  const bad = (raw: number[] | string) => {
    const j = JSON.parse(new TextDecoder().decode(encodeManifest(m))) as { media: { rawPath: string }[] };
    j.media[0]!.rawPath = typeof raw === "string" ? raw : Buffer.from(raw).toString("base64url");
    assert.throws(() => decodeManifest(new TextEncoder().encode(JSON.stringify(j))), { reason: "bad_structure" }, JSON.stringify(raw));
  };
  bad("*not base64*");
  bad([]);
  bad([0x2f, 0xff]); // absolute
  bad([0xff, 0x00]); // NUL
  bad([0xff, 0x2f, 0x2e, 0x2e, 0x2f, 0x78]); // ".." segment
  bad([0xff, 0x2f, 0x2f, 0x78]); // empty segment
  bad([0x61, 0x62]); // plain UTF-8: belongs in path
  const twice = { ...m, media: [m.media[0]!, { ...m.media[0]!, path: "other" }] };
  assert.throws(() => decodeManifest(encodeManifest(twice)), { reason: "bad_structure" });
});

test("--media given as a symlink to a folder is that folder; a database named media restores as media.db", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 200, 1);
  const link = join(dir, "media-link");
  symlinkSync(src.mediaDir, link);
  const db = join(dir, "media");
  writeFileSync(db, readFileSync(src.dbPath));
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  const r = await backup({ repo, heads, db, media: link });
  assert.equal(r.stats.filesNew, src.mediaFiles);
  const res = await restore({ repo, heads, to: join(dir, "out") });
  assert.equal(res.database, join(dir, "out", "media.db"));
  assert.deepEqual(treeHashes(join(dir, "out", "media")), treeHashes(src.mediaDir));
  assert.deepEqual(readdirSync(join(dir, "out")).sort(), ["media", "media.db"]);
});

test("a failed restore leaves no destination folder behind; a read-only or file destination is named", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 200, 1);
  const { repo, root } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  // Damage a pack: the restore fails while downloading, after it made the destination.
  const packs = join(dir, "repo", "packs");
  for (const sub of readdirSync(packs))
    for (const p of readdirSync(join(packs, sub))) {
      const f = join(packs, sub, p);
      const bytes = readFileSync(f);
      bytes[10] = bytes[10]! ^ 1;
      chmodSync(f, 0o644);
      writeFileSync(f, bytes);
    }
  const to = join(dir, "new", "deeper");
  await assert.rejects(restore({ repo: await Repository.open(repo.storage, root), heads, to }), { code: "integrity" });
  assert.deepEqual(readdirSync(dir).sort(), ["repo", "src"], "no empty destination left");
  const file = join(dir, "a-file");
  writeFileSync(file, "x");
  await assert.rejects(restore({ repo, heads, to: file }), (e: Error & { code?: string; place?: string }) => {
    assert.equal(e.code, "is_a_file");
    assert.equal(e.place, "destination");
    assert.equal(e.message, `the restore destination ${file} is a file, not a folder: give a folder with --to`);
    return true;
  });
  await assert.rejects(restore({ repo, heads, to: join(file, "below") }), { code: "not_a_folder" });
});

/** Run test/engine-child.ts; resolves once it printed "stopped" (then it is stopped, not finished). */
function stoppedChild(args: Record<string, unknown>): Promise<import("node:child_process").ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL("../../test/engine-child.ts", import.meta.url).pathname, JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("stopped")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`child ended (${code}) before stopping: ${out}`)));
  });
}

function killed(child: import("node:child_process").ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

test("SIGKILL mid-backup: the database copy was private (0600 in a 0700 folder) and the next backup removes it", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { repo, root } = await newRepo(join(dir, "repo"));
  const headsFile = join(dir, "heads.json");
  const work = join(dir, "work");
  mkdirSync(work, { mode: 0o700 });
  const child = await stoppedChild({
    op: "backup",
    repoDir: join(dir, "repo"),
    keyHex: toHex(root.unsafeBytes()),
    headsFile,
    db: src.dbPath,
    media: src.mediaDir,
    tmpDir: work,
    stopAtPhase: "database and media",
  });
  const [run] = readdirSync(work);
  assert.match(run!, new RegExp(`^chatvault-backup-${child.pid}-`));
  assert.equal(statSync(join(work, run!)).mode & 0o777, 0o700);
  const copies = readdirSync(join(work, run!));
  assert.equal(copies.length, 1);
  assert.match(copies[0]!, /^msgstore\.db\..*\.snapshot$/);
  assert.equal(statSync(join(work, run!, copies[0]!)).mode & 0o777, 0o600);
  await killed(child);
  assert.deepEqual(readdirSync(work), [run], "the kill left the copy behind");
  await backup({ repo, heads: localHeadStore(headsFile, repo.keys, repo.repoId), db: src.dbPath, media: src.mediaDir, tmpDir: work });
  assert.deepEqual(readdirSync(work), [], "the next backup removed it (and its own)");
});

test("SIGKILL mid-restore: staging was 0700 with 0600 files, and the next restore removes it", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { repo, root } = await newRepo(join(dir, "repo"));
  const headsFile = join(dir, "heads.json");
  const heads = localHeadStore(headsFile, repo.keys, repo.repoId);
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const to = join(dir, "out");
  const child = await stoppedChild({ op: "restore", repoDir: join(dir, "repo"), keyHex: toHex(root.unsafeBytes()), headsFile, to, stopAtPhase: "syncing" });
  const [staging] = readdirSync(to);
  assert.match(staging!, new RegExp(`^\\.chatvault-restore-${child.pid}-`));
  assert.equal(statSync(join(to, staging!)).mode & 0o777, 0o700);
  assert.equal(statSync(join(to, staging!, "msgstore.db")).mode & 0o777, 0o600);
  await killed(child);
  assert.deepEqual(readdirSync(to), [staging]);
  await restore({ repo, heads, to });
  assert.deepEqual(readdirSync(to).sort(), ["media", "msgstore.db"], "the dead restore's staging is gone");
});

test("stale working folders: dead runs' and old legacy ones are removed, live and fresh ones kept", async (t) => {
  const dir = tempDir(t);
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid!; // a process that has ended
  for (const name of [
    `chatvault-backup-${dead}-aaaaaa`,
    `chatvault-backup-${process.pid}-bbbbbb`,
    "chatvault-backup-cccccc",
    "chatvault-backup-dddddd",
    "unrelated",
  ]) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "x.snapshot"), "plaintext");
  }
  const old = (Date.now() - 2 * 3600_000) / 1000;
  utimesSync(join(dir, "chatvault-backup-cccccc"), old, old);
  assert.equal(await sweepDeadRuns(dir, "chatvault-backup-"), 2);
  assert.deepEqual(readdirSync(dir).sort(), [`chatvault-backup-${process.pid}-bbbbbb`, "chatvault-backup-dddddd", "unrelated"]);
});

test("folder storage: a crashed put's temp file is swept on first use; a failed backup returns only once no put is in flight", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 2);
  const repoDir = join(dir, "repo");
  const { root } = await newRepo(repoDir, undefined, { packSize: 64 * 1024 });
  mkdirSync(join(repoDir, "packs", "ab"), { recursive: true });
  const stale = join(repoDir, "packs", "ab", ".abcd.tmp~0123456789abcdef");
  writeFileSync(stale, "half a pack");
  const old = (Date.now() - 2 * 3600_000) / 1000;
  utimesSync(stale, old, old);
  const storage = openStorage(repoDir);
  let inFlight = 0;
  let puts = 0;
  const slow: Storage = {
    location: storage.location,
    get: (name, range) => storage.get(name, range),
    stat: (name) => storage.stat(name),
    list: (p) => storage.list(p),
    delete: (name) => storage.delete(name),
    async put(name, data) {
      inFlight++;
      try {
        if (name.startsWith("packs/") && ++puts === 2) throw new Error("disk on fire");
        await new Promise((r) => setTimeout(r, 20));
        return await storage.put(name, data);
      } finally {
        inFlight--;
      }
    },
  };
  const repo = await Repository.open(slow, root);
  await assert.rejects(backup({ repo, heads: memoryHeadStore(), db: src.dbPath, media: src.mediaDir, workers: 0 }), /disk on fire/);
  assert.equal(inFlight, 0, "no put left running when backup() returns");
  assert.ok(!existsSync(stale), "the stale temp file was swept");
});

test("manifest rawPath (fuzz): any bytes are accepted only as a safe non-plain path, else a typed error; accepted ones round-trip", () => {
  const base: SnapshotManifest = {
    version: 1,
    repoId: "r",
    sequence: 1,
    parent: null,
    time: "t",
    host: "h",
    database: null,
    media: [],
    stats: { filesNew: 0, filesChanged: 0, filesUnchanged: 0, bytesRead: 0, bytesStored: 0, chunksNew: 0 },
  };
  const strict = new TextDecoder("utf-8", { fatal: true });
  const plain = (b: Uint8Array) => {
    try {
      strict.decode(b);
      return !b.includes(0x5c);
    } catch {
      return false;
    }
  };
  // Bytes biased towards the interesting ones: '/', '.', '\', NUL, and invalid UTF-8.
  const byte = fc.oneof(fc.constantFrom(0x2f, 0x2e, 0x5c, 0x00, 0xff, 0xc3, 0x61), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 24 }), (bytes) => {
      const raw = Uint8Array.from(bytes);
      const json = JSON.parse(new TextDecoder().decode(encodeManifest(base))) as { media: unknown[] };
      json.media = [{ path: "x", rawPath: Buffer.from(raw).toString("base64url"), size: 0, mtimeMs: 0, chunks: "" }];
      let got: Uint8Array | undefined;
      try {
        got = decodeManifest(new TextEncoder().encode(JSON.stringify(json))).media[0]!.rawPath;
      } catch (e) {
        assert.ok(e instanceof ChatvaultError && (e as { reason?: string }).reason === "bad_structure", String(e));
        return;
      }
      assert.deepEqual(got, raw);
      assert.ok(raw.length > 0 && !raw.includes(0) && raw[0] !== 0x2f && !plain(raw));
      const segs = Buffer.from(raw).toString("latin1").split("/");
      assert.ok(
        segs.every((s) => s !== "" && s !== "." && s !== ".."),
        Buffer.from(raw).toString("hex"),
      );
    }),
    { numRuns: 3000 },
  );
});

test("the private temp folder: made 0700, tightened if opened up, refused if it is a link or another user's", async (t) => {
  const base = tempDir(t);
  const root = await privateTempRoot(base);
  assert.equal(statSync(root).mode & 0o777, 0o700);
  chmodSync(root, 0o755);
  await privateTempRoot(base);
  assert.equal(statSync(root).mode & 0o777, 0o700, "tightened");
  rmSync(root, { recursive: true });
  symlinkSync(tempDir(t), root); // someone else's idea of where our copies go
  await assert.rejects(privateTempRoot(base), { code: "EACCES" });
  if (process.getuid?.() === 0) {
    rmSync(root);
    mkdirSync(root, { mode: 0o700 });
    execFileSync("chown", ["nobody", root]);
    await assert.rejects(privateTempRoot(base), { code: "EACCES" });
  }
});

test("the media walk: plain names (ASCII or UTF-8) give string paths, raw names bytes from there down", async (t) => {
  const media = join(tempDir(t), "media");
  const raw = Buffer.from([0x64, 0xff]);
  mkdirSync(join(media, "ünï", "sub"), { recursive: true });
  writeFileSync(join(media, "ünï", "sub", "a.txt"), "a");
  writeFileSync(join(media, "b\\c.txt"), "bc");
  mkdirSync(Buffer.concat([Buffer.from(`${media}/`), raw]));
  writeFileSync(Buffer.concat([Buffer.from(`${media}/`), raw, Buffer.from("/in.txt")]), "in");
  const { files, skipped } = await walkMedia(`${media}/`);
  assert.deepEqual(skipped, []);
  const byPath = new Map(files.map((f) => [f.path, f]));
  assert.deepEqual([...byPath.keys()].sort(), ["b\uFFFDc.txt", "d\uFFFD/in.txt", "ünï/sub/a.txt"]);
  const plain = byPath.get("ünï/sub/a.txt")!;
  assert.equal(plain.absolute, join(media, "ünï", "sub", "a.txt"));
  assert.equal(plain.rawPath, undefined);
  assert.equal(plain.size, 1);
  assert.deepEqual(byPath.get("b\uFFFDc.txt")!.rawPath, new Uint8Array(Buffer.from("b\\c.txt")));
  const inner = byPath.get("d\uFFFD/in.txt")!;
  assert.deepEqual(inner.rawPath, new Uint8Array(Buffer.concat([raw, Buffer.from("/in.txt")])));
  assert.deepEqual(inner.absolute, new Uint8Array(Buffer.concat([Buffer.from(`${media}/`), raw, Buffer.from("/in.txt")])));
  assert.equal(readFileSync(inner.absolute as Uint8Array as Buffer, "utf8"), "in");
});
