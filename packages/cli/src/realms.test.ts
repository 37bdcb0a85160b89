/**
 * The realms file (docs/cli.md "Realms mode") and what realm-set errors exit with: every
 * malformed file is a usage error naming the problem; fewer than t realms is exit 8
 * naming the missing ones; a misbehaving realm is exit 6 naming it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import {
  RealmMisbehavedError,
  RealmsUnavailableError,
  RealmsWrongPasswordError,
  RealmsLockedError,
  RealmsDestroyedError,
  type RealmReport,
} from "@chatvault/vault-protocol/threshold";
import { UsageError } from "./cli-error.ts";
import { toExit } from "./errors-to-exit.ts";
import { EXIT } from "./exit-codes.ts";
import { FileUnlockHint, answeredLine, readRealmsFile } from "./realms.ts";
import { createContext } from "@chatvault/vault-protocol/threshold";

test("realms file: token files relative to the file; every malformed file is a usage error", async (t) => {
  const dir = tempDir(t);
  const p = join(dir, "realms.json");
  writeFileSync(
    p,
    JSON.stringify({
      threshold: 2,
      realms: [
        { url: "http://127.0.0.1:1/", tokenFile: "a.token" },
        { url: "http://127.0.0.1:2", tokenFile: "/abs/b.token" },
      ],
    }),
  );
  assert.deepEqual(await readRealmsFile(p), {
    threshold: 2,
    realms: [
      { url: "http://127.0.0.1:1", tokenFile: join(dir, "a.token") },
      { url: "http://127.0.0.1:2", tokenFile: "/abs/b.token" },
    ],
  });
  const bad: Array<[unknown, RegExp]> = [
    ["not json", /not valid JSON/],
    [{ threshold: 1 }, /expected/],
    [{ threshold: 1, realms: [] }, /1 to 9 realms/],
    [
      {
        threshold: 3,
        realms: [
          { url: "http://a", tokenFile: "x" },
          { url: "http://b", tokenFile: "y" },
        ],
      },
      /threshold must be a whole number from 1 to 2/,
    ],
    [{ threshold: 0, realms: [{ url: "http://a", tokenFile: "x" }] }, /threshold/],
    [{ threshold: 1, realms: [{ url: "ftp://a", tokenFile: "x" }] }, /realm 1 needs an http\(s\) "url"/],
    [{ threshold: 1, realms: [{ url: "http://a" }] }, /realm 1 needs a "tokenFile"/],
    [
      {
        threshold: 1,
        realms: [
          { url: "http://a", tokenFile: "x" },
          { url: "http://a/", tokenFile: "y" },
        ],
      },
      /same url/,
    ],
  ];
  for (const [content, message] of bad) {
    writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
    await assert.rejects(readRealmsFile(p), (e: unknown) => e instanceof UsageError && message.test(e.message), String(message));
  }
  await assert.rejects(readRealmsFile(join(dir, "missing.json")), (e: unknown) => e instanceof UsageError);
});

const report = (i: number, status: RealmReport["status"], extra: Partial<RealmReport> = {}): RealmReport => ({
  id: `realm${i}`,
  url: `http://127.0.0.1:848${i}`,
  status,
  ...extra,
});

test("realm-set errors: same exit codes as one vault where the meaning is the same, realms named", () => {
  const realms = [report(1, "ok"), report(2, "unreachable", { code: "unavailable" }), report(3, "unreachable")];
  const un = toExit(new RealmsUnavailableError(realms, 2));
  assert.equal(un.exitCode, EXIT.vaultUnreachable);
  assert.equal(un.code, "realms_unavailable");
  assert.match(
    un.message,
    /^only 1 of 3 realms answered, 2 needed: cannot reach http:\/\/127\.0\.0\.1:8482 \(unreachable unavailable\), http:\/\/127\.0\.0\.1:8483 \(unreachable\)/,
  );
  assert.ok(!un.message.includes("8481"), "the realm that answered is not named missing");
  const bad = toExit(new RealmMisbehavedError(report(2, "misbehaved", { reason: "bad_proof" }), "bad_proof", realms));
  assert.equal(bad.exitCode, EXIT.integrity);
  assert.match(bad.message, /realm http:\/\/127\.0\.0\.1:8482 \(realm2\) misbehaved \(bad_proof\)/);
  assert.equal(toExit(new RealmsWrongPasswordError(4, null, realms)).exitCode, EXIT.wrongSecret);
  assert.equal(toExit(new RealmsWrongPasswordError(4, null, realms)).message, "wrong password — 4 attempts left");
  assert.equal(toExit(new RealmsLockedError(new Date(Date.now() + 3_600_000), realms)).exitCode, EXIT.locked);
  assert.equal(toExit(new RealmsDestroyedError(realms)).exitCode, EXIT.destroyed);
  assert.equal(answeredLine(realms), "1 of 3 realms answered (did not: http://127.0.0.1:8482 unreachable, http://127.0.0.1:8483 unreachable)");
});

test("unlock hint (spec/threshold-vault.md §6.2.1): saved and applied by a fresh context; a malformed file or entry is ignored", async (t) => {
  const dir = tempDir(t);
  const saved = process.env.CHATVAULT_CONFIG_DIR;
  process.env.CHATVAULT_CONFIG_DIR = dir;
  t.after(() => (saved === undefined ? delete process.env.CHATVAULT_CONFIG_DIR : (process.env.CHATVAULT_CONFIG_DIR = saved)));
  const realmSet = {
    threshold: 2,
    realms: [1, 2, 3].map((i) => ({ id: Buffer.alloc(16, i).toString("base64url"), url: `http://127.0.0.1:848${i}` })),
  };
  const ctx = () => createContext({ realmSet, accountId: "alice", tokenFor: () => "t" });
  const hint = new FileUnlockHint("repo-1");
  const a = ctx();
  await hint.applyTo(a); // no file: nothing
  assert.equal(a.lastUnlocked, undefined);
  a.lastUnlocked = { version: 3, registrationId: "AAECAwQFBgcICQoLDA0ODw", salt: "A".repeat(43), ksf: { memoryKiB: 65536, iterations: 3, parallelism: 4 } };
  a.startAt = [0, 2];
  await hint.save(a);
  const b = ctx();
  await hint.applyTo(b);
  assert.deepEqual(b.lastUnlocked, a.lastUnlocked);
  assert.deepEqual(b.startAt, [0, 2]);
  // A cleared hint (a lock) is saved as cleared.
  a.startAt = undefined;
  await hint.save(a);
  const c = ctx();
  await hint.applyTo(c);
  assert.equal(c.startAt, undefined);
  assert.deepEqual(c.lastUnlocked, a.lastUnlocked);
  const path = join(dir, "realm-hints", "repo-1.json");
  for (const bad of [
    "not json",
    JSON.stringify({ lastUnlocked: { ...a.lastUnlocked, salt: "short" }, startAt: [0, 1] }),
    JSON.stringify({ lastUnlocked: { ...a.lastUnlocked, ksf: { memoryKiB: 1 } }, startAt: [0, 1] }),
  ]) {
    writeFileSync(path, bad);
    const d = ctx();
    await hint.applyTo(d);
    assert.equal(d.lastUnlocked, undefined, bad);
    assert.equal(d.startAt, undefined, bad);
  }
  for (const at of [[0, 0], [0, 3], [0], [0, 1, 2], ["0", 1]]) {
    writeFileSync(path, JSON.stringify({ lastUnlocked: a.lastUnlocked, startAt: at }));
    const d = ctx();
    await hint.applyTo(d);
    assert.equal(d.startAt, undefined, JSON.stringify(at));
  }
});
