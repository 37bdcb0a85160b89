/**
 * Through the real CLI: the storage provider cannot switch a key-mode backup to password
 * mode or point a client at its own vault (spec §8.2) — with the key file given by flag or
 * by CHATVAULT_KEY_FILE alike, no vault is contacted; and the repository lock's
 * user-facing side (spec §8.11): a clear "locked by" refusal and `chatvault unlock`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { parseKey } from "@chatvault/format";
import { Repository, RepositoryLock } from "@chatvault/sdk";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import { machine } from "./support.ts";

test("a key-mode config switched to password mode with a vault URL: no vault is contacted, the MAC fails", async (t) => {
  const dir = tempDir(t, "chatvault-cli-guard-");
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const vaultUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = machine(dir, "a");
  const repo = join(dir, "repo");
  const keyFile = join(dir, "key.txt");
  writeFileSync(join(dir, "pw.txt"), "correct horse battery staple 42", { mode: 0o600 });
  writeFileSync(join(dir, "token.txt"), "account-token", { mode: 0o600 });
  const media = join(dir, "media");
  mkdirSync(media);
  writeFileSync(join(media, "note.txt"), "hello");
  assert.equal((await a.run(["init", "--repo", repo, "--new-key-file", keyFile, "--json"])).code, 0);
  const first = await a.run(["backup", "--repo", repo, "--media", media, "--key-file", keyFile, "--json"]);
  assert.equal(first.code, 0, first.stderr);

  const config = JSON.parse(readFileSync(join(repo, "config"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(repo, "config"), JSON.stringify({ ...config, protection: "password", vaultUrl }));
  const secrets = { CHATVAULT_PASSWORD_FILE: join(dir, "pw.txt"), CHATVAULT_TOKEN_FILE: join(dir, "token.txt") };

  const byEnv = await a.run(["verify", "--repo", repo, "--json"], { env: { ...secrets, CHATVAULT_KEY_FILE: keyFile } });
  assert.equal(byEnv.code, 6, byEnv.stdout + byEnv.stderr);
  assert.match(byEnv.stdout, /config was modified/);
  const byFlag = await a.run(["verify", "--repo", repo, "--key-file", keyFile, "--json"], { env: secrets });
  assert.equal(byFlag.code, 6, byFlag.stdout + byFlag.stderr);
  const noKey = await a.run(["verify", "--repo", repo, "--json"], { env: secrets });
  assert.equal(noKey.code, 6, noKey.stdout + noKey.stderr);
  assert.match(noKey.stdout, /its config now says password mode/);
  assert.deepEqual(requests, [], "the vault the config names was never contacted");
});

test("a backup refused by a live lock names its holder; unlock removes a dead process's lock", async (t) => {
  const dir = tempDir(t, "chatvault-cli-lock-");
  const a = machine(dir, "a");
  const repo = join(dir, "repo");
  const keyFile = join(dir, "key.txt");
  const media = join(dir, "media");
  mkdirSync(media);
  writeFileSync(join(media, "note.txt"), "hello");
  assert.equal((await a.run(["init", "--repo", repo, "--new-key-file", keyFile, "--json"])).code, 0);
  const opened = await Repository.open(new FsStorage(repo), parseKey(readFileSync(keyFile, "utf8")));
  const live = await RepositoryLock.acquire(opened, "exclusive", { operation: "prune", host: hostname(), pid: process.pid, autoRenew: false });
  const refused = await a.run(["backup", "--repo", repo, "--media", media, "--key-file", keyFile, "--json"]);
  assert.notEqual(refused.code, 0);
  assert.equal(refused.json.error.code, "repository_locked", refused.stdout);
  assert.match(refused.json.error.message, new RegExp(`locked by prune on ${hostname()} \\(pid ${process.pid}\\) since`));
  const keep = await a.run(["unlock", "--repo", repo, "--key-file", keyFile, "--json"]);
  assert.equal(keep.code, 0, keep.stderr);
  assert.deepEqual(keep.json.removed, [], "a live lock of a running process stays");
  await live.release();

  await RepositoryLock.acquire(opened, "append", { operation: "backup", host: hostname(), pid: 2 ** 22 + 12345, autoRenew: false });
  const unlock = await a.run(["unlock", "--repo", repo, "--key-file", keyFile, "--json"]);
  assert.equal(unlock.code, 0, unlock.stderr);
  assert.equal(unlock.json.removed.length, 1);
  assert.equal(unlock.json.removed[0].holder.operation, "backup");
  const ok = await a.run(["backup", "--repo", repo, "--media", media, "--key-file", keyFile, "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
});
