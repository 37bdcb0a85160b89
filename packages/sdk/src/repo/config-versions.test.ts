/**
 * Repository config versions (spec §8.2, §11): version 2 authenticates the protection
 * mode and the vault URL hint; a version 1 repository written by the previous release
 * (committed fixture) still restores, verifies and takes new backups.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IntegrityError, fromUtf8, generateRootKey, parseKey, utf8 } from "@chatvault/format";
import { MemoryStorage } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "./head.ts";
import { Repository } from "./repository.ts";
import { parseConfig } from "./config.ts";
import { verify } from "../verify.ts";
import { backup, restore, nodeCompressor } from "../node/index.ts";

const FIXTURE = new URL("../../test/fixtures/repo-v1/", import.meta.url).pathname;

/** Rewrite one field of the stored config the way a storage provider could. */
async function tamperConfig(storage: MemoryStorage, edit: (j: Record<string, unknown>) => void): Promise<void> {
  const j = JSON.parse(fromUtf8(await storage.get("config"))) as Record<string, unknown>;
  edit(j);
  await storage.delete("config");
  await storage.put("config", utf8(JSON.stringify(j)));
}

const authFailed = (e: unknown) => e instanceof IntegrityError && e.reason === "auth_failed";

test("config v2: switching the protection mode or the vault URL fails authentication", async () => {
  for (const edit of [
    (j: Record<string, unknown>) => void (j.protection = "key"),
    (j: Record<string, unknown>) => void (j.vaultUrl = "https://vault.attacker.example"),
    (j: Record<string, unknown>) => void delete j.vaultUrl,
    (j: Record<string, unknown>) => void (j.version = 1), // downgrade to the version that does not cover the URL
  ]) {
    const storage = new MemoryStorage();
    const root = generateRootKey();
    await Repository.init(storage, root, { protection: "password", vaultUrl: "https://vault.example" });
    assert.equal(parseConfig(await storage.get("config")).config.version, 2);
    await Repository.open(storage, root);
    await tamperConfig(storage, edit);
    await assert.rejects(Repository.open(storage, root), authFailed, edit.toString());
  }
  const storage = new MemoryStorage();
  const root = generateRootKey();
  await Repository.init(storage, root, { protection: "key" });
  await tamperConfig(storage, (j) => void (j.protection = "password"));
  await assert.rejects(Repository.open(storage, root), authFailed, "key mode switched to password mode");
  assert.throws(
    () => parseConfig(utf8(JSON.stringify({ format: "chatvault-repository", version: 4 }))),
    (e: unknown) => e instanceof IntegrityError && e.reason === "unsupported_version",
  );
});

test("a version 1 repository (fixture from the previous release) restores, verifies and takes a new backup", async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURE, "repo"), join(dir, "repo"), { recursive: true });
  const root = parseKey(readFileSync(join(FIXTURE, "key.txt"), "utf8"));
  const repo = await Repository.open(new FsStorage(join(dir, "repo")), root);
  assert.equal(repo.config.version, 1);
  const heads = memoryHeadStore();
  const r = await restore({ repo, heads, to: join(dir, "out") });
  assert.equal(r.snapshot.sequence, 1);
  assert.deepEqual(readFileSync(join(dir, "out", "chat.db")), readFileSync(join(FIXTURE, "source.db")));
  assert.equal(readFileSync(join(dir, "out", "media", "photos", "a.txt"), "utf8"), "media file A\n");
  assert.deepEqual(
    new Uint8Array(readFileSync(join(dir, "out", "media", "voice", "b.bin"))),
    Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255),
  );
  assert.deepEqual((await verify({ repo, heads, compressor: nodeCompressor })).problems, []);
  const next = await backup({ repo, heads, media: join(dir, "out", "media"), workers: 0 });
  assert.equal(next.snapshot.sequence, 2);
  assert.equal(parseConfig(readFileSync(join(dir, "repo", "config"))).config.version, 1, "the config is not rewritten");
});
