/**
 * Manifest versions (spec §8.5, §8.5.3, §11): version 2 keeps the file lists in listing
 * chunks; a repository written at spec version 2 (committed fixture, manifests of
 * version 1) still restores, verifies, takes new backups and prunes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { IntegrityError, ObjectKind, openStream, parseKey } from "@chatvault/format";
import { MemoryStorage } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "./head.ts";
import { Repository, manifestContextId } from "./repository.ts";
import { type SnapshotManifest, applyListing, decodeManifest, encodeListing, encodeManifest } from "./manifest.ts";
import { prune } from "../prune.ts";
import { verify } from "../verify.ts";
import { backup, restore, nodeCompressor } from "../node/index.ts";
import { demo, newRepo, treeHashes } from "../../test/support.ts";

const FIXTURE = new URL("../../test/fixtures/repo-v2/", import.meta.url).pathname;

function rows(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT text FROM messages ORDER BY id").all() as { text: string }[]).map((r) => r.text);
  } finally {
    db.close();
  }
}

async function rawManifest(repo: Repository, sequence: number): Promise<Record<string, unknown>> {
  const ref = (await repo.listSnapshots()).find((r) => r.sequence === sequence)!;
  const plain = await openStream(
    repo.keys.backend,
    repo.keys.metadataEncryption.unsafeBytes(),
    { kind: ObjectKind.snapshot, id: manifestContextId(repo.repoId, sequence) },
    await repo.storage.get(ref.name),
  );
  return JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>;
}

test("a spec version 2 repository (fixture, version 1 manifests) restores both snapshots, verifies, takes a version 2 backup and prunes", async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURE, "repo"), join(dir, "repo"), { recursive: true });
  const root = parseKey(readFileSync(join(FIXTURE, "key.txt"), "utf8"));
  const repo = await Repository.open(new FsStorage(join(dir, "repo")), root);
  assert.equal(repo.config.version, 2);
  assert.equal((await rawManifest(repo, 2)).version, 1, "the fixture holds version 1 manifests");
  const heads = memoryHeadStore();
  const expectRows = (n: number) => Array.from({ length: 40 }, (_, i) => `message ${i} `.repeat(8)).concat(n > 40 ? ["the day after"] : []);
  await restore({ repo, heads, to: join(dir, "one"), snapshot: "1" });
  assert.deepEqual(rows(join(dir, "one", "chat.db")), expectRows(40));
  await restore({ repo, heads, to: join(dir, "out") });
  assert.deepEqual(rows(join(dir, "out", "chat.db")), expectRows(41));
  assert.equal(readFileSync(join(dir, "out", "media", "photos", "a.txt"), "utf8"), "media file A\n");
  assert.deepEqual(
    new Uint8Array(readFileSync(join(dir, "out", "media", "voice", "b.bin"))),
    Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255),
  );
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, []);

  // A new backup on top writes a version 2 manifest chained to the version 1 one.
  const next = await backup({ repo, heads, db: join(dir, "out", "chat.db"), media: join(dir, "out", "media"), workers: 0 });
  assert.equal(next.snapshot.sequence, 3);
  const m3 = await rawManifest(repo, 3);
  assert.equal(m3.version, 2);
  assert.ok(!("media" in m3) && !("database" in m3));
  await prune(repo, heads, { last: 1 });
  assert.deepEqual(
    (await repo.listSnapshots()).map((r) => r.sequence),
    [3],
  );
  await restore({ repo, heads, to: join(dir, "after-prune") });
  assert.deepEqual(rows(join(dir, "after-prune", "chat.db")), expectRows(41));
  assert.deepEqual(treeHashes(join(dir, "after-prune", "media")), treeHashes(join(dir, "out", "media")));
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, []);
});

test("version 2: an unchanged snapshot stores only its manifest; prune keeps the listing chunks of kept snapshots", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 20000, 2);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  const snapshotBytes = () => readdirSync(join(dir, "repo", "snapshots")).map((n) => statSync(join(dir, "repo", "snapshots", n)).size);
  const same = await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  assert.equal(same.bytesUploaded, 0);
  assert.equal(same.stats.chunksNew, 0);
  const sizes = snapshotBytes();
  const m = (await repo.resolveSnapshot(heads))!.manifest;
  const listingBytes = encodeListing(m.database, m.media).length;
  t.diagnostic(`manifests ${sizes.join(", ")} B for a listing of ${listingBytes} B (${m.listing!.chunks.length} chunks)`);
  assert.ok(m.listing!.chunks.length > 1, "the listing spans several chunks");
  assert.ok(Math.max(...sizes) < listingBytes / 10, "the manifest is a small fraction of its listing");

  // One message more: only the listing chunks around the changed pages are new.
  const w = new Database(src.dbPath);
  w.prepare("UPDATE messages SET text = 'edited' WHERE id = 7").run();
  w.close();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir, workers: 0 });
  await prune(repo, heads, { last: 1 });
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  assert.equal(rows(join(out, "msgstore.db"))[6], "edited");
  assert.deepEqual(treeHashes(join(out, "media")), treeHashes(src.mediaDir));
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, []);
});

test("version 2 manifest codec: round trip, and a listing of the wrong length, with unknown fields or inline files is bad_structure", () => {
  const database = { name: "msgstore.db", pageSize: 4096, pageCount: 1, pages: [new Uint8Array(32).fill(3)] };
  const media = [{ path: "a/b.jpg", size: 3, mtimeMs: 1.5, chunks: [new Uint8Array(32).fill(4)] }];
  const listing = encodeListing(database, media);
  const m: SnapshotManifest = {
    version: 2,
    repoId: "ab".repeat(16),
    sequence: 2,
    parent: { sequence: 1, digest: "cd".repeat(32) },
    time: "t",
    host: "h",
    database: null,
    media: [],
    stats: { filesNew: 1, filesChanged: 0, filesUnchanged: 0, bytesRead: 3, bytesStored: 40, chunksNew: 1 },
    listing: { length: listing.length, chunks: [new Uint8Array(32).fill(9)] },
  };
  const decoded = decodeManifest(encodeManifest(m));
  assert.deepEqual(decoded, m);
  assert.deepEqual(applyListing(decoded, listing), { ...m, database, media });
  const badStructure = (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure";
  assert.throws(() => applyListing(decoded, listing.subarray(1)), badStructure);
  assert.throws(
    () => applyListing(decoded, new TextEncoder().encode(JSON.stringify({ database: null, media: [], x: 1 }).padEnd(listing.length))),
    badStructure,
  );
  const j = JSON.parse(new TextDecoder().decode(encodeManifest(m))) as Record<string, unknown>;
  for (const edit of [
    (o: Record<string, unknown>) => void (o.media = []),
    (o: Record<string, unknown>) => void (o.listing = { length: 5, chunks: "" }),
    (o: Record<string, unknown>) => void (o.listing = { length: -1, chunks: "" }),
    (o: Record<string, unknown>) => void (o.listing = { length: 5, chunks: "AAA" }),
    (o: Record<string, unknown>) => void delete o.listing,
  ]) {
    const o = structuredClone(j);
    edit(o);
    assert.throws(() => decodeManifest(new TextEncoder().encode(JSON.stringify(o))), badStructure, edit.toString());
  }
  assert.throws(
    () => decodeManifest(new TextEncoder().encode(JSON.stringify({ ...j, version: 3 }))),
    (e: unknown) => e instanceof IntegrityError && e.reason === "unsupported_version",
  );
});

test("version 2: a tampered or missing listing chunk makes the snapshot unreadable with an integrity error, and the next backup still chains to it", async () => {
  const storage = new MemoryStorage();
  const { repo } = await newRepoOn(storage);
  const heads = memoryHeadStore();
  const { BackupSession } = await import("../backup/session.ts");
  const s = await BackupSession.begin(repo, heads, { compressor: nodeCompressor });
  const chunk = await s.store.store(new TextEncoder().encode("hello"), false);
  await s.commit(null, [{ path: "a.txt", size: 5, mtimeMs: 0, chunks: [chunk] }], "test");
  const ref = (await repo.listSnapshots())[0]!;
  const m = await repo.readSnapshot(ref);
  assert.equal(m.media[0]!.path, "a.txt");
  // An index that does not know the listing chunk: missing_object.
  await assert.rejects(
    repo.readSnapshot(ref, { index: { get: () => undefined } }),
    (e: unknown) => e instanceof IntegrityError && e.reason === "missing_object",
  );
  // The same manifest read with the listing chunk's location pointing at another chunk: the ID check fails.
  const index = await repo.loadIndex();
  const other = [...index.entries()].find(([id]) => id !== Buffer.from(m.listing!.chunks[0]!).toString("hex"))!;
  await assert.rejects(repo.readSnapshot(ref, { index: { get: () => ({ ...other[1] }) } }), (e: unknown) => e instanceof IntegrityError);
  // Storage loses the pack: the parent's file list is gone, the next backup still chains to it (and stores everything again).
  for await (const o of storage.list("packs/")) await storage.delete(o.name);
  const s2 = await BackupSession.begin(repo, heads, { compressor: nodeCompressor });
  assert.equal(s2.parent?.ref.sequence, 1);
  assert.equal(s2.parent?.manifest.media.length, 0, "nothing reused from an unreadable file list");
  const again = await s2.store.store(new TextEncoder().encode("hello"), false);
  const r = await s2.commit(null, [{ path: "a.txt", size: 5, mtimeMs: 0, chunks: [again] }], "test");
  assert.equal(r.snapshot.sequence, 2);
  assert.equal((await repo.readSnapshot((await repo.listSnapshots())[1]!)).media[0]!.path, "a.txt");
});

async function newRepoOn(storage: MemoryStorage) {
  const { generateRootKey } = await import("@chatvault/format");
  return { repo: await Repository.init(storage, generateRootKey(), { protection: "key", packSize: 64 * 1024 }) };
}
