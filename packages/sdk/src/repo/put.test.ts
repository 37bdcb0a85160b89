import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, equalBytes } from "@chatvault/format";
import { MemoryStorage } from "@chatvault/storage";
import { putOnce } from "./put.ts";

test("putOnce: an object already under the name is ours by its bytes, or by sameContent when the buffer may be reused", async () => {
  const storage = new MemoryStorage();
  await storage.put("o", new Uint8Array([1, 2, 3]));
  // Without options: the bytes themselves.
  await putOnce(storage, "o", new Uint8Array([1, 2, 3]));
  await assert.rejects(putOnce(storage, "o", new Uint8Array([9])), (e: unknown) => e instanceof IntegrityError && e.reason === "id_mismatch");
  // With options: sameContent decides, not the (possibly reused) buffer.
  let released = 0;
  const reused = new Uint8Array([7, 7, 7]);
  await putOnce(storage, "o", reused, { onDataReleased: () => released++, sameContent: async (existing) => equalBytes(existing, new Uint8Array([1, 2, 3])) });
  await assert.rejects(
    putOnce(storage, "o", new Uint8Array([1, 2, 3]), { onDataReleased: () => released++, sameContent: async () => false }),
    (e: unknown) => e instanceof IntegrityError && e.reason === "id_mismatch",
  );
  // A new name: stored, and the release passed to the storage.
  await putOnce(storage, "n", new Uint8Array([4]), { onDataReleased: () => released++, sameContent: async () => false });
  assert.equal(released, 1);
  assert.deepEqual(await storage.get("n"), new Uint8Array([4]));
});

test("putOnce: a put that fails after releasing its buffer (not retried) is ours if the object is there with our content; else its error stands", async () => {
  const { StorageUnavailableError } = await import("@chatvault/storage");
  const inner = new MemoryStorage();
  const lostAck = {
    ...inner,
    location: inner.location,
    get: (n: string) => inner.get(n),
    stat: (n: string) => inner.stat(n),
    list: (p: string) => inner.list(p),
    delete: (n: string) => inner.delete(n),
    async put(n: string, d: Uint8Array, o?: { onDataReleased?: () => void }) {
      if (n !== "missing") await inner.put(n, d, o);
      else o?.onDataReleased?.();
      throw new StorageUnavailableError("answer lost");
    },
  };
  const bytes = new Uint8Array([5, 6]);
  await putOnce(lostAck, "stored", bytes, { onDataReleased: () => {}, sameContent: async (e) => equalBytes(e, new Uint8Array([5, 6])) });
  await assert.rejects(
    putOnce(lostAck, "stored2", bytes, { onDataReleased: () => {}, sameContent: async () => false }),
    (e: unknown) => e instanceof IntegrityError && e.reason === "id_mismatch",
  );
  await assert.rejects(putOnce(lostAck, "missing", bytes, { onDataReleased: () => {}, sameContent: async () => true }), StorageUnavailableError);
  // Without options (no early release) the error is the storage's, as before.
  await assert.rejects(putOnce(lostAck, "plain", bytes), StorageUnavailableError);
});
