import { test } from "node:test";
import assert from "node:assert/strict";
import { IntegrityError, fromUtf8, generateRootKey, utf8 } from "@chatvault/format";
import { MemoryStorage } from "@chatvault/storage";
import { Repository } from "./repository.ts";
import { parseConfig } from "./config.ts";

test("passkey protection: config version 3, authenticated; version 2 with passkey or version 3 without it is refused", async () => {
  const storage = new MemoryStorage();
  const root = generateRootKey();
  const repo = await Repository.init(storage, root, { protection: "passkey" });
  assert.equal(repo.config.version, 3);
  const bytes = await storage.get("config");
  const j = JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
  assert.equal(j.protection, "passkey");
  assert.equal((await Repository.open(storage, root)).config.protection, "passkey");
  for (const change of [{ version: 2 }, { protection: "key" }, { protection: "password" }]) {
    const edited = utf8(JSON.stringify({ ...j, ...change }));
    assert.throws(
      () => parseConfig(edited),
      (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure",
      JSON.stringify(change),
    );
  }
  // A key-mode config (version 2) cannot be relabelled passkey + version 3: the MAC tag differs.
  const keyStore = new MemoryStorage();
  await Repository.init(keyStore, root, { protection: "key" });
  const k = JSON.parse(fromUtf8(await keyStore.get("config"))) as Record<string, unknown>;
  assert.equal(k.version, 2);
  await keyStore.delete("config");
  await keyStore.put("config", utf8(JSON.stringify({ ...k, version: 3, protection: "passkey" })));
  await assert.rejects(Repository.open(keyStore, root), (e: unknown) => e instanceof IntegrityError && e.reason === "auth_failed");
});
