import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { generateDemoData, mutateDemoData } from "@chatvault/demo-data";
import { DatabaseSourceError, readPages, snapshotDatabase } from "./index.ts";

async function pages(path: string, pageSize: number, blockBytes?: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const page of readPages(path, pageSize, blockBytes)) {
    assert.equal(page.index, out.length);
    out.push(page.data);
  }
  return out;
}

function samePage(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

test("two snapshots of an unchanged database are identical page for page and self-contained", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: dir, messages: 5000, mediaMiB: 0, seed: 1 });
  const a = await snapshotDatabase(demo.dbPath, dir);
  const b = await snapshotDatabase(demo.dbPath, dir);
  assert.notEqual(a.path, b.path);
  assert.equal(a.pageSize, 4096);
  assert.equal(a.bytes, a.pageSize * a.pageCount);
  const pa = await pages(a.path, a.pageSize);
  const pb = await pages(b.path, b.pageSize);
  assert.equal(pa.length, pb.length);
  assert.ok(pa.every((p, i) => samePage(p, pb[i])));

  // Only page 1's header differs from the source (journal mode bytes, counters), so
  // every other page dedups against the app's own file too.
  const source = await pages(demo.dbPath, 4096);
  const differing = source.map((p, i) => (samePage(p, pa[i]) ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(differing, [0]);

  const copy = new Database(a.path, { readonly: true });
  assert.equal(copy.pragma("journal_mode", { simple: true }), "delete");
  assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
  assert.equal(copy.prepare("SELECT count(*) FROM messages").pluck().get(), 5000);
  copy.close();
  assert.ok(!existsSync(`${a.path}-wal`) && !existsSync(`${a.path}-shm`));
});

test("a snapshot includes commits still in the -wal file", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: dir, messages: 1000, mediaMiB: 0, seed: 2 });
  const app = new Database(demo.dbPath);
  t.after(() => app.close());
  app.pragma("wal_autocheckpoint = 0");
  app.prepare("INSERT INTO chats (jid, is_group, created) VALUES ('x@s.whatsapp.net', 0, 1)").run();
  assert.ok(readFileSync(`${demo.dbPath}-wal`).length > 0);
  const s = await snapshotDatabase(demo.dbPath, dir);
  const copy = new Database(s.path, { readonly: true });
  assert.equal(copy.prepare("SELECT count(*) FROM chats WHERE jid = 'x@s.whatsapp.net'").pluck().get(), 1);
  copy.close();
});

test("rollback-journal databases snapshot too", async (t) => {
  const dir = tempDir(t);
  const path = join(dir, "plain.db");
  const db = new Database(path);
  db.pragma("journal_mode = DELETE");
  db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000));");
  db.close();
  const s = await snapshotDatabase(path, dir);
  const source = await pages(path, 4096);
  const copied = await pages(s.path, s.pageSize);
  assert.equal(copied.length, source.length);
  assert.ok(
    copied.every((p, i) => i === 0 || samePage(p, source[i])),
    "only page 1's header may differ",
  );
  const copy = new Database(s.path, { readonly: true });
  assert.equal(copy.pragma("journal_mode", { simple: true }), "delete");
  assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
  copy.close();
});

test("after a day of new messages only a small fraction of pages differ", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: dir, messages: 100_000, mediaMiB: 0, seed: 3 });
  const before = await snapshotDatabase(demo.dbPath, dir);
  await mutateDemoData({ dir, messages: 2000, mediaFiles: 0, seed: 4 });
  const after = await snapshotDatabase(demo.dbPath, dir);
  const pa = await pages(before.path, before.pageSize);
  const pb = await pages(after.path, after.pageSize);
  const changed = pb.filter((p, i) => !samePage(p, pa[i])).length;
  const share = changed / pb.length;
  t.diagnostic(`100,000 messages + 2,000 new: ${changed} of ${pb.length} pages changed or new (${(share * 100).toFixed(2)} %)`);
  assert.ok(changed > 0);
  // Deterministic (fixed seeds): ~9 %. New rows fill ~100 pages; the rest are index leaves
  // all over the file (chat_id and sender indexes) — the realistic part.
  assert.ok(share < 0.15, `${changed} of ${pb.length} pages changed`);
});

test("not a database: a typed error, nothing left behind", async (t) => {
  const dir = tempDir(t);
  const text = join(dir, "notes.txt");
  writeFileSync(text, "hello, this is plainly not SQLite\n".repeat(100));
  const fakeHeader = join(dir, "fake.db");
  writeFileSync(fakeHeader, Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(8192, 0xee)]));
  const out = tempDir(t);
  for (const [path, reason] of [
    [text, "not_a_database"],
    [fakeHeader, "not_a_database"],
    [join(dir, "missing.db"), "not_found"],
  ] as const) {
    await assert.rejects(snapshotDatabase(path, out), (e: unknown) => {
      assert.ok(e instanceof DatabaseSourceError, String(e));
      assert.equal(e.code, "database_source");
      assert.equal(e.reason, reason);
      assert.equal(e.retryable, false);
      assert.ok(e.message.includes(path));
      return true;
    });
  }
  assert.deepEqual(readdirSync(out), []);
});

test("a locked database or a deadline gives a retryable busy error", async (t) => {
  const dir = tempDir(t);
  const path = join(dir, "locked.db");
  const app = new Database(path);
  t.after(() => app.close());
  app.pragma("journal_mode = DELETE");
  app.exec("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(50000));");
  const out = tempDir(t);
  const busy = (e: unknown) => e instanceof DatabaseSourceError && e.reason === "busy" && e.retryable;
  app.exec("BEGIN EXCLUSIVE");
  await assert.rejects(snapshotDatabase(path, out, { timeoutMs: 100 }), busy);
  app.exec("COMMIT");
  await assert.rejects(snapshotDatabase(path, out, { timeoutMs: 0 }), busy);
  assert.deepEqual(readdirSync(out), []);
  await snapshotDatabase(path, out);
});

test("readPages yields pageCount pages whose concatenation is the file", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: dir, messages: 3000, mediaMiB: 0, seed: 5 });
  const s = await snapshotDatabase(demo.dbPath, dir);
  const file = readFileSync(s.path);
  // Default 1 MiB blocks, and a block size that is not a multiple of the page size.
  for (const blockBytes of [undefined, 3 * 4096 + 100]) {
    const list = await pages(s.path, s.pageSize, blockBytes);
    assert.equal(list.length, s.pageCount);
    assert.ok(list.every((p) => p.length === s.pageSize));
    assert.ok(Buffer.concat(list).equals(file));
  }
  await assert.rejects(pages(s.path, 1000), RangeError);
  const odd = join(dir, "odd.bin");
  writeFileSync(odd, Buffer.alloc(4096 + 1));
  await assert.rejects(pages(odd, 4096), (e: unknown) => e instanceof DatabaseSourceError && e.reason === "inconsistent");
  await assert.rejects(pages(join(dir, "nope"), 4096), (e: unknown) => e instanceof DatabaseSourceError && e.reason === "not_found");
  writeFileSync(join(dir, "empty"), "");
  assert.equal((await pages(join(dir, "empty"), 4096)).length, 0);
});
