/**
 * The repository lock (spec §8.11) on every storage kind: memory, a folder, and real S3
 * (radosgw; skipped without it, failing under CI=true). Time is injected: no sleeping.
 */
import { after, describe, test } from "node:test";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateRootKey } from "@chatvault/format";
import { MemoryStorage, type Storage } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { S3Storage } from "@chatvault/storage/s3";
import { TestBucket, credentials, endpoint, s3Reachable, unreachableReason } from "@chatvault/storage/s3/testing";
import { needService, tempDir } from "@chatvault/testkit";
import { LockLostError, RepositoryLockedError } from "../errors.ts";
import { DEFAULT_CLOCK_SKEW_MS, RepositoryLock, breakLocks, listLocks } from "./lock.ts";
import { LOCKS_PREFIX, MAX_LOCK_OBJECT } from "./lock-record.ts";
import { Repository } from "./repository.ts";

const reachable = await s3Reachable();
const bucket = new TestBucket();
after(() => bucket.destroy());
let prefixes = 0;

type Open = (t: TestContext) => Promise<Storage | undefined>;
const storages: [string, Open][] = [
  ["memory", async () => new MemoryStorage()],
  ["folder", async (t) => FsStorage.open(join(tempDir(t), "repo"))],
  [
    "s3 (radosgw)",
    async (t) => {
      if (!needService(t, reachable, unreachableReason)) return undefined;
      await bucket.ensure();
      const s = new S3Storage({ bucket: bucket.name, prefix: `locks/t${++prefixes}`, endpoint, credentials });
      t.after(() => s.close());
      return s;
    },
  ],
];

const LEASE = 60_000;
function clock(start = Date.parse("2026-12-01T10:00:00Z")) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function lockNames(s: Storage): Promise<string[]> {
  const out: string[] = [];
  for await (const o of s.list(LOCKS_PREFIX)) out.push(o.name);
  return out;
}

for (const [kind, open] of storages) {
  describe(`repository lock on ${kind}`, () => {
    const repoOn = async (t: TestContext) => {
      const s = await open(t);
      return s && Repository.init(s, generateRootKey(), { protection: "key" });
    };

    test("a second backup is refused with who holds the lock and since when; shared readers coexist with it", async (t) => {
      const repo = await repoOn(t);
      if (!repo) return;
      const c = clock();
      const opts = { now: c.now, leaseMs: LEASE, autoRenew: false };
      const a = await RepositoryLock.acquire(repo, "append", { ...opts, operation: "backup", host: "laptop", pid: 4242 });
      await assert.rejects(RepositoryLock.acquire(repo, "append", { ...opts, operation: "backup", host: "phone", pid: 7 }), (e: unknown) => {
        assert.ok(e instanceof RepositoryLockedError);
        assert.equal(e.code, "repository_locked");
        assert.match(e.message, /locked by backup on laptop \(pid 4242\) since 2026-12-01T10:00:00\.000Z/);
        assert.equal(e.holder.mode, "append");
        return true;
      });
      const reader = await RepositoryLock.acquire(repo, "shared", { ...opts, operation: "verify" });
      await assert.rejects(RepositoryLock.acquire(repo, "exclusive", { ...opts, operation: "prune" }), RepositoryLockedError);
      await a.release();
      await assert.rejects(RepositoryLock.acquire(repo, "exclusive", { ...opts, operation: "prune" }), /locked by verify/, "the reader still counts");
      await reader.release();
      const p = await RepositoryLock.acquire(repo, "exclusive", { ...opts, operation: "prune" });
      await assert.rejects(RepositoryLock.acquire(repo, "shared", opts), /locked by prune/);
      await p.release();
      assert.deepEqual(await lockNames(repo.storage), [], "released locks leave no object behind");
    });

    test("a crashed holder's lease runs out; the holder then knows it lost the lock", async (t) => {
      const repo = await repoOn(t);
      if (!repo) return;
      const c = clock();
      const a = await RepositoryLock.acquire(repo, "append", { now: c.now, leaseMs: LEASE, autoRenew: false, operation: "backup" });
      c.t += LEASE + DEFAULT_CLOCK_SKEW_MS - 1;
      await assert.rejects(
        RepositoryLock.acquire(repo, "append", { now: c.now, leaseMs: LEASE, autoRenew: false }),
        RepositoryLockedError,
        "within lease + skew",
      );
      c.t += 2;
      const b = await RepositoryLock.acquire(repo, "append", { now: c.now, leaseMs: LEASE, autoRenew: false });
      await assert.rejects(a.assertHeld(), (e: unknown) => e instanceof LockLostError && /expired/.test(e.message));
      await b.assertHeld();
      await b.release();
      await a.release();
    });

    test("renewal extends the lease with a new object and removes the old one", async (t) => {
      const repo = await repoOn(t);
      if (!repo) return;
      const c = clock();
      const a = await RepositoryLock.acquire(repo, "append", { now: c.now, leaseMs: LEASE, autoRenew: false });
      const first = a.objectName;
      c.t += LEASE / 2;
      await a.renew();
      assert.notEqual(a.objectName, first);
      assert.deepEqual(await lockNames(repo.storage), [a.objectName]);
      c.t += LEASE / 2 + 1; // past the first lease, inside the renewed one
      await a.assertHeld();
      c.t += DEFAULT_CLOCK_SKEW_MS; // past the first lease + skew: only the renewal still stands in the way
      await assert.rejects(RepositoryLock.acquire(repo, "append", { now: c.now, leaseMs: LEASE, autoRenew: false }), RepositoryLockedError);
      const locks = await listLocks(repo);
      assert.equal(locks[0]?.record?.since, "2026-12-01T10:00:00.000Z", "since stays the first acquisition time");
      await a.release();
    });

    test("unlock removes only stale locks unless told all; a broken holder stops at its next check", async (t) => {
      const repo = await repoOn(t);
      if (!repo) return;
      const c = clock();
      const opts = { now: c.now, leaseMs: LEASE, autoRenew: false };
      const gone = await RepositoryLock.acquire(repo, "shared", { ...opts, host: "laptop", pid: 111 });
      const live = await RepositoryLock.acquire(repo, "shared", { ...opts, host: "laptop", pid: 222 });
      const isHolderAlive = (r: { pid: number }) => r.pid !== 111;
      const broken = await breakLocks(repo, { now: c.now, isHolderAlive });
      assert.deepEqual(
        broken.map((b) => b.holder?.pid),
        [111],
      );
      assert.deepEqual(await lockNames(repo.storage), [live.objectName]);
      await assert.rejects(gone.assertHeld(), (e: unknown) => e instanceof LockLostError && /removed/.test(e.message));
      const all = await breakLocks(repo, { now: c.now, all: true });
      assert.deepEqual(
        all.map((b) => [b.holder?.pid, b.live]),
        [[222, true]],
      );
      await assert.rejects(live.assertHeld(), LockLostError);
    });

    test("a lock of a holder known to be gone does not count; a forged lock object is ignored", async (t) => {
      const repo = await repoOn(t);
      if (!repo) return;
      const c = clock();
      await RepositoryLock.acquire(repo, "exclusive", { now: c.now, leaseMs: LEASE, autoRenew: false, host: "laptop", pid: 999999 });
      await repo.storage.put(`${LOCKS_PREFIX}${"ab".repeat(16)}`, new TextEncoder().encode('{"mode":"exclusive"}'));
      const p = await RepositoryLock.acquire(repo, "exclusive", {
        now: c.now,
        leaseMs: LEASE,
        autoRenew: false,
        isHolderAlive: (r) => (r.pid === 999999 ? false : undefined),
      });
      const seen = await listLocks(repo);
      assert.equal(seen.filter((l) => l.unreadable).length, 1, "the forged object is reported as unreadable");
      await p.release();
    });

    test("an oversized object under locks/ is reported unreadable by its listed size, never downloaded", async (t) => {
      const repo = await repoOn(t);
      if (!repo) return;
      const name = `${LOCKS_PREFIX}${"cd".repeat(16)}`;
      await repo.storage.put(name, new Uint8Array(MAX_LOCK_OBJECT + 1));
      const gets: string[] = [];
      const watched = Object.create(repo, {
        storage: { value: { ...repo.storage, list: (p: string) => repo.storage.list(p), get: (n: string) => (gets.push(n), repo.storage.get(n)) } },
      }) as typeof repo;
      const seen = await listLocks(watched);
      assert.deepEqual(
        seen.map((l) => [l.name, l.unreadable]),
        [[name, "lock object is too large"]],
      );
      assert.deepEqual(gets, [], "the object was judged by its size in the listing");
    });

    test("of two acquirers that both wrote before either looked again, neither proceeds", async (t) => {
      const base = await repoOn(t);
      if (!base) return;
      // Stage the race: hold each acquirer right after its put until both have put.
      let puts = 0;
      let release!: () => void;
      const bothPut = new Promise<void>((r) => (release = r));
      const gated: Storage = {
        location: base.storage.location,
        put: async (n, d) => {
          await base.storage.put(n, d);
          if (n.startsWith(LOCKS_PREFIX) && ++puts === 2) release();
          if (n.startsWith(LOCKS_PREFIX)) await bothPut;
        },
        get: (n, r) => base.storage.get(n, r),
        stat: (n) => base.storage.stat(n),
        list: (p) => base.storage.list(p),
        delete: (n) => base.storage.delete(n),
      };
      const repo = await Repository.open(gated, base.rootKey);
      const c = clock();
      const results = await Promise.allSettled([0, 1].map(() => RepositoryLock.acquire(repo, "append", { now: c.now, leaseMs: LEASE, autoRenew: false })));
      assert.deepEqual(
        results.map((r) => r.status),
        ["rejected", "rejected"],
      );
      for (const r of results) assert.ok(r.status === "rejected" && r.reason instanceof RepositoryLockedError);
      assert.deepEqual(await lockNames(base.storage), [], "both backed off and removed their objects");
    });
  });
}
