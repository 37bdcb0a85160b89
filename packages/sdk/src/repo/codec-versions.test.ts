/**
 * Payload codecs across format versions (spec §8.3, §8.4, §11 v5): writers since v5 store
 * LZ4 and write index version 2; a repository written at spec version 2 (committed fixture,
 * DEFLATE chunks, index version 1) still restores — in Node and through the browser's
 * compressor — and takes LZ4 backups on top. Flags name at most one codec, and an index of
 * version 1 cannot name LZ4.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IntegrityError, parseKey, toHex } from "@chatvault/format";
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
  const { default: Database } = await import("better-sqlite3");
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
  const { default: Db } = await import("better-sqlite3");
  const count = (p: string) => (new Db(p, { readonly: true }).prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  assert.equal(count(join(dir, "again", "chat.db")), 42);
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
