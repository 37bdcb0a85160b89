// Smoke test, Node side: what an app's backend or desktop client does with the installed
// packages only. Run inside the fresh project: node node-sdk.mjs <work dir> <vault URL> <token file>.
// Prints one JSON line with what it checked; throws (exit 1) on any mismatch.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { randomBytes } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { formatKey, generateRootKey, parseKey } from "@chatvault/format";
import { Repository, vaultHeadStore } from "@chatvault/sdk";
import { generateDemoData } from "@chatvault/demo-data";
import { backup, localHeadStore, restore } from "@chatvault/sdk/node";
import { FsStorage } from "@chatvault/storage/fs";
import { VaultClient, WrongPasswordError } from "@chatvault/vault-protocol";
import { hasNativeArgon2id, nativeArgon2id } from "@chatvault/vault-protocol/node";

const [work, vaultUrl, tokenFile] = process.argv.slice(2);
const demo = await generateDemoData({ outDir: join(work, "chats"), messages: 3000, mediaMiB: 3, seed: 7 });

/** Content of a chat history: every row of every table, and every media file's bytes. */
async function fingerprint(dbPath, mediaDir) {
  const h = createHash("sha256");
  const db = new Database(dbPath, { readonly: true });
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()) {
    h.update(name);
    for (const row of db.prepare(`SELECT * FROM "${name}"`).raw().iterate()) h.update(JSON.stringify(row));
  }
  db.close();
  const files = [];
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files.push(p);
    }
  };
  await walk(mediaDir);
  files.sort();
  for (const f of files) h.update(relative(mediaDir, f)).update(await readFile(f));
  return { digest: h.digest("hex"), mediaFiles: files.length };
}

let original = await fingerprint(demo.dbPath, demo.mediaDir);
assert.ok(original.mediaFiles > 0, "the demo history has media");

// Key mode: the app shows the 64-digit key once; the user types it back on restore.
{
  const storage = new FsStorage(join(work, "backup-key"));
  const shown = formatKey(generateRootKey());
  let repo = await Repository.init(storage, parseKey(shown), { protection: "key" });
  const heads = (r) => localHeadStore(join(work, "head-key"), r.keys, r.repoId);
  // workers: 2 runs the chunk workers, so the compiled worker entry is exercised too.
  await backup({ repo, heads: heads(repo), db: demo.dbPath, media: demo.mediaDir, workers: 2 });
  repo = await Repository.open(storage, parseKey(shown));
  await restore({ repo, heads: heads(repo), to: join(work, "restored-key") });
  const got = await fingerprint(join(work, "restored-key", "msgstore.db"), join(work, "restored-key", "media"));
  assert.deepEqual(got, original, "key mode: the restored history equals the original");

  // The day after: a changed database and 9 MiB of new media, so the database is copied on
  // its own thread beside the media's chunking (the compiled snapshot worker is exercised).
  const db = new Database(demo.dbPath);
  db.exec("CREATE TABLE IF NOT EXISTS smoke_day_after (note TEXT)");
  db.prepare("INSERT INTO smoke_day_after (note) VALUES (?)").run("the day after");
  db.close();
  await writeFile(join(demo.mediaDir, "smoke-day-after.bin"), randomBytes(9 * 1024 * 1024));
  const dayAfter = await fingerprint(demo.dbPath, demo.mediaDir);
  await backup({ repo, heads: heads(repo), db: demo.dbPath, media: demo.mediaDir, workers: 2 });
  repo = await Repository.open(storage, parseKey(shown));
  await restore({ repo, heads: heads(repo), to: join(work, "restored-key-2") });
  const got2 = await fingerprint(join(work, "restored-key-2", "msgstore.db"), join(work, "restored-key-2", "media"));
  assert.deepEqual(got2, dayAfter, "key mode: the day-after backup restores the changed history");
  original = dayAfter; // what password mode backs up next
}

// A Node client of the realms (threshold) vault passes the native Argon2id: it must load from the installed package.
assert.equal(hasNativeArgon2id(), true, "@chatvault/vault-protocol/node: the native Argon2id did not load");
const stretched = await nativeArgon2id({
  password: new Uint8Array([1, 2, 3]),
  salt: new Uint8Array(32),
  memoryKiB: 8,
  iterations: 1,
  parallelism: 1,
  length: 32,
});
assert.equal(stretched.length, 32);

// Password mode: the root key is kept by the vault under the user's password (OPAQUE).
const token = (await readFile(tokenFile, "utf8")).trim();
let wrongPassword;
{
  const password = "correct horse battery staple, smoke";
  const client = new VaultClient({ baseUrl: vaultUrl, token: async () => token });
  const root = generateRootKey();
  await client.enable(password, root);
  const storage = new FsStorage(join(work, "backup-password"));
  let repo = await Repository.init(storage, root, { protection: "password", vaultUrl });
  await backup({ repo, heads: vaultHeadStore(client, root), db: demo.dbPath, media: demo.mediaDir });

  // A new device: only the password and the account token.
  const device = new VaultClient({ baseUrl: vaultUrl, token: async () => token });
  await assert.rejects(device.unlock("not the password"), (e) => {
    assert.ok(e instanceof WrongPasswordError, `expected WrongPasswordError, got ${e}`);
    wrongPassword = { code: e.code, attemptsRemaining: e.attemptsRemaining };
    return true;
  });
  const unlocked = await device.unlock(password);
  repo = await Repository.open(storage, unlocked);
  await restore({ repo, heads: vaultHeadStore(device, unlocked), to: join(work, "restored-password") });
  const got = await fingerprint(join(work, "restored-password", "msgstore.db"), join(work, "restored-password", "media"));
  assert.deepEqual(got, original, "password mode: the restored history equals the original");
}

console.log(JSON.stringify({ messages: demo.messages, mediaFiles: original.mediaFiles, digest: original.digest, wrongPassword }));
