/**
 * Payload codecs across format versions (spec §8.3, §8.4, §11 v5): writers since v5 store
 * LZ4 and write index version 2; repositories written at spec versions 2 and 4 (committed
 * fixtures, DEFLATE chunks, index version 1) still restore — in Node and through the
 * browser's compressor — and take LZ4 backups on top. Flags name at most one codec, and an index of
 * version 1 cannot name LZ4.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { IntegrityError, ObjectKind, openStream, parseKey, toHex } from "@chatvault/format";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { browserCompressor } from "../backup/fflate-compressor.ts";
import { backup, nodeCompressor, restore } from "../node/index.ts";
import { restoreToBytes } from "../restore/bytes-restore.ts";
import { verify } from "../verify.ts";
import { treeHashes } from "../../test/support.ts";
import { CHUNK_DEFLATE, CHUNK_LZ4, type IndexEntry, decodeIndex, encodeIndex } from "./chunk-index.ts";
import { memoryHeadStore } from "./head.ts";
import { decodePackHeader, encodePackHeader } from "./pack.ts";
import { Repository } from "./repository.ts";

const FIXTURE = new URL("../../test/fixtures/repo-v2/", import.meta.url).pathname;
const FIXTURE_V4 = new URL("../../test/fixtures/repo-v4/", import.meta.url).pathname;

async function flagCounts(repo: Repository): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const [, loc] of (await repo.loadIndex()).entries()) counts.set(loc.flags, (counts.get(loc.flags) ?? 0) + 1);
  return counts;
}

test("a spec v2 repository's DEFLATE chunks restore in Node and in the browser codec; a new backup on it stores LZ4", async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURE, "repo"), join(dir, "repo"), { recursive: true });
  const repo = await Repository.open(new FsStorage(join(dir, "repo")), parseKey(readFileSync(join(FIXTURE, "key.txt"), "utf8")));
  const heads = memoryHeadStore();
  const before = await flagCounts(repo);
  assert.ok((before.get(CHUNK_DEFLATE) ?? 0) > 0, "the fixture holds DEFLATE chunks");
  assert.equal(before.get(CHUNK_LZ4), undefined);

  await restore({ repo, heads, to: join(dir, "out") });
  const inMemory = await restoreToBytes({ repo, heads, compressor: browserCompressor });
  // The restored file's header differs (restore's checks open it); the pages must not.
  const restored = new Uint8Array(readFileSync(join(dir, "out", "chat.db")));
  assert.deepEqual(restored.subarray(100), inMemory.database!.bytes.subarray(100));

  // A day later, on the restored copy: new pages are LZ4 (workers and this thread alike).
  const db = join(dir, "out", "chat.db");
  const w = new Database(db);
  w.prepare("INSERT INTO messages (text) VALUES (?)").run("compressible ".repeat(300));
  w.close();
  await backup({ repo, heads, db, media: join(dir, "out", "media") });
  const after = await flagCounts(repo);
  assert.ok((after.get(CHUNK_LZ4) ?? 0) > 0, `LZ4 chunks after the new backup: ${JSON.stringify([...after])}`);
  assert.equal(after.get(CHUNK_DEFLATE), before.get(CHUNK_DEFLATE), "old DEFLATE chunks stay as they are (deduplicated)");

  for (const [name, read] of [
    ["node", () => restore({ repo, heads, to: join(dir, "again") })],
    ["browser", async () => void (await restoreToBytes({ repo, heads, compressor: browserCompressor }))],
  ] as const) {
    await assert.doesNotReject(read(), name);
  }
  assert.deepEqual(treeHashes(join(dir, "again", "media")), treeHashes(join(dir, "out", "media")));
  const check = new Database(join(dir, "again", "chat.db"), { readonly: true });
  assert.equal((check.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n, 42);
  check.close();
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, []);
});

async function indexVersions(repo: Repository): Promise<number[]> {
  const out: number[] = [];
  for (const name of await repo.listIndexNames()) {
    const plain = await openStream(
      repo.keys.backend,
      repo.keys.metadataEncryption.unsafeBytes(),
      { kind: ObjectKind.index, id: name },
      await repo.storage.get(name),
    );
    out.push(plain[4]!);
  }
  return out.sort();
}

test("a spec v4 repository (DEFLATE pages and media, index version 1, listing chunks) restores in Node and the browser codec, then mixes in LZ4", async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURE_V4, "repo"), join(dir, "repo"), { recursive: true });
  const repo = await Repository.open(new FsStorage(join(dir, "repo")), parseKey(readFileSync(join(FIXTURE_V4, "key.txt"), "utf8")));
  const heads = memoryHeadStore();
  assert.deepEqual(await indexVersions(repo), [1, 1]);
  const before = await flagCounts(repo);
  assert.ok((before.get(CHUNK_DEFLATE) ?? 0) >= 2, "DEFLATE database pages and media");
  assert.equal(before.get(CHUNK_LZ4), undefined);

  const rows = (p: string) => {
    const db = new Database(p, { readonly: true });
    try {
      return (db.prepare("SELECT text FROM messages ORDER BY id").all() as { text: string }[]).map((r) => r.text);
    } finally {
      db.close();
    }
  };
  const want = Array.from({ length: 60 }, (_, i) => `message ${i} `.repeat(8));
  const exportTxt = Array.from({ length: 400 }, (_, i) => `line ${i} of the chat export\n`).join("");
  await restore({ repo, heads, to: join(dir, "one"), snapshot: "1" });
  assert.deepEqual(rows(join(dir, "one", "chat.db")), want);
  await restore({ repo, heads, to: join(dir, "out") });
  assert.deepEqual(rows(join(dir, "out", "chat.db")), [...want, "the day after"]);
  assert.equal(readFileSync(join(dir, "out", "media", "notes", "export.txt"), "utf8"), exportTxt);
  const inMemory = await restoreToBytes({ repo, heads, compressor: browserCompressor });
  assert.equal(new TextDecoder().decode(inMemory.media.find((m) => m.path === "notes/export.txt")!.bytes), exportTxt);

  const w = new Database(join(dir, "out", "chat.db"));
  w.prepare("INSERT INTO messages (text) VALUES (?)").run("compressible ".repeat(300));
  w.close();
  await backup({ repo, heads, db: join(dir, "out", "chat.db"), media: join(dir, "out", "media"), workers: 0 });
  assert.deepEqual(await indexVersions(repo), [1, 1, 2], "the new backup's index is version 2");
  assert.ok(((await flagCounts(repo)).get(CHUNK_LZ4) ?? 0) > 0);
  await restore({ repo, heads, to: join(dir, "again") });
  assert.equal(rows(join(dir, "again", "chat.db")).length, 62);
  await restoreToBytes({ repo, heads, compressor: browserCompressor });
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, []);
});

const entry = (flags: number): IndexEntry => ({
  id: toHex(new Uint8Array(32).fill(1)),
  pack: toHex(new Uint8Array(32).fill(2)),
  offset: 0,
  length: 100,
  rawLength: 4096,
  flags,
});
const isBad = (reason: string) => (e: unknown) => e instanceof IntegrityError && e.reason === reason;

test("index version 2 names DEFLATE or LZ4; version 1 only DEFLATE; both bits, other bits or other versions are refused", () => {
  const v2 = encodeIndex([entry(CHUNK_LZ4)]);
  assert.equal(v2[4], 2, "writers write index version 2");
  assert.equal(decodeIndex(v2, "x")[0]!.flags, CHUNK_LZ4);
  const v1 = v2.slice();
  v1[4] = 1;
  assert.throws(() => decodeIndex(v1, "x"), isBad("bad_structure"), "LZ4 in a version 1 index");
  const v1deflate = encodeIndex([entry(CHUNK_DEFLATE)]);
  v1deflate[4] = 1;
  assert.equal(decodeIndex(v1deflate, "x")[0]!.flags, CHUNK_DEFLATE, "version 1 DEFLATE entries still read");
  for (const flags of [3, 4, 0x80]) assert.throws(() => decodeIndex(encodeIndex([entry(flags)]), "x"), isBad("bad_structure"), `flags ${flags}`);
  const v3 = v2.slice();
  v3[4] = 3;
  assert.throws(() => decodeIndex(v3, "x"), isBad("unsupported_version"));
  assert.equal(decodePackHeader(encodePackHeader([entry(CHUNK_LZ4)]), "p", 1000)[0]!.flags, CHUNK_LZ4);
  for (const flags of [3, 4]) assert.throws(() => decodePackHeader(encodePackHeader([entry(flags)]), "p", 1000), isBad("bad_structure"), `pack flags ${flags}`);
});
