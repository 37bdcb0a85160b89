/**
 * Chunk tasks read their source synchronously (chunk-tasks.ts): what a task reads, the
 * errors of a source that cannot be read (typed, so the backup skips one media file), and
 * no file descriptor left open whatever happened.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeySchedule, ObjectKind, RootKey, chunkId, gearTable, openObject } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { ChunkIdSet } from "../backup/id-set.ts";
import { type ChunkTask, MediaReadError, type TaskPart, runChunkTask } from "./chunk-tasks.ts";
import { nodeCompressor } from "./zlib-compressor.ts";
import { sealedLength } from "../backup/packer.ts";

const openFds = () => readdirSync("/proc/self/fd").length;

async function context(syncReads = true) {
  const keys = await KeySchedule.derive(new RootKey(new Uint8Array(32).fill(7)), nodeCryptoBackend);
  return { keys, gear: gearTable(keys), chunker: { min: 16384, avg: 65536, max: 262144 }, known: ChunkIdSet.build([]), compressor: nodeCompressor, syncReads };
}

async function runAll(task: ChunkTask, syncReads = true): Promise<TaskPart[]> {
  const ctx = await context(syncReads);
  const parts: TaskPart[] = [];
  await runChunkTask(ctx, task, async (p) => void parts.push(p));
  return parts;
}

for (const syncReads of [true, false]) {
  const how = syncReads ? "synchronous reads" : "reads through fs/promises";
  test(`${how}: a media file is read to its end across read blocks, every chunk sealed and opening to its bytes`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "chunk-tasks-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = randomBytes(2.5 * 1024 * 1024 + 123); // three read blocks, the last one short
    writeFileSync(join(dir, "m.bin"), file);
    const ctx = await context(syncReads);
    const before = openFds();
    const opened: Buffer[] = [];
    let bytesRead = 0;
    await runChunkTask(ctx, { kind: "file", path: join(dir, "m.bin"), compressible: false }, async (part) => {
      bytesRead += part.bytesRead;
      for (const s of part.sealed) {
        const sealed = s.data instanceof Uint8Array ? s.data : Buffer.concat(s.data as Uint8Array[]);
        assert.equal(sealed.length, sealedLength(s.data));
        opened.push(
          Buffer.from(await openObject(ctx.keys.backend, ctx.keys.chunkEncryption.unsafeBytes(), { kind: ObjectKind.chunk, id: part.ids[s.index]! }, sealed)),
        );
      }
    });
    assert.equal(bytesRead, file.length);
    assert.deepEqual(Buffer.concat(opened), file);
    assert.equal(openFds(), before, "the file is closed");
  });

  test(`${how}: a region of pages is read at its offset, one chunk per page, IDs of the pages' bytes`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "chunk-tasks-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = randomBytes(4096 * 300);
    writeFileSync(join(dir, "copy.db"), db);
    const ctx = await context(syncReads);
    const parts = await runAll({ kind: "pages", path: join(dir, "copy.db"), offset: 4096 * 10, length: 4096 * 280, pageSize: 4096 }, syncReads);
    const ids = parts.flatMap((p) => p.ids);
    assert.equal(ids.length, 280);
    assert.deepEqual(ids[0], await chunkId(ctx.keys, db.subarray(4096 * 10, 4096 * 11)));
    assert.deepEqual(ids[279], await chunkId(ctx.keys, db.subarray(4096 * 289, 4096 * 290)));
  });

  test(`${how}: a missing media file is a MediaReadError with ENOENT; a folder one with EISDIR; neither leaves a descriptor open`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "chunk-tasks-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "folder"));
    const before = openFds();
    await assert.rejects(
      runAll({ kind: "file", path: join(dir, "gone.jpg"), compressible: false }, syncReads),
      (e: unknown) => e instanceof MediaReadError && e.errno === "ENOENT",
    );
    await assert.rejects(
      runAll({ kind: "file", path: join(dir, "folder"), compressible: false }, syncReads),
      (e: unknown) => e instanceof MediaReadError && e.errno === "EISDIR",
    );
    assert.equal(openFds(), before);
  });

  test(`${how}: a database copy shorter than its region is an error, not a short list of IDs, and the copy is closed`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "chunk-tasks-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "copy.db"), randomBytes(4096 * 4));
    const before = openFds();
    await assert.rejects(runAll({ kind: "pages", path: join(dir, "copy.db"), offset: 0, length: 4096 * 8, pageSize: 4096 }, syncReads), /shrank/);
    assert.equal(openFds(), before);
    // A missing copy is not a media file: its error is the system's, untyped for skipping.
    await assert.rejects(
      runAll({ kind: "pages", path: join(dir, "none.db"), offset: 0, length: 4096, pageSize: 4096 }, syncReads),
      (e: unknown) => !(e instanceof MediaReadError) && (e as { code?: string }).code === "ENOENT",
    );
  });
}
