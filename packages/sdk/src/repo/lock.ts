/**
 * The repository lock (spec §8.11): leases written as create-only lock objects, so it
 * works on every storage that keeps the interface's contract (folder, S3, HTTP, memory)
 * without a conditional-update primitive.
 *
 * Taking a lock: list the locks; if a live one conflicts, refuse (RepositoryLockedError);
 * else write ours (create-only, a fresh random name), list again, and if a conflicting
 * live lock appeared meanwhile, delete ours and refuse. Of two racers at least the later
 * one sees the other, because a put is listed as soon as it returns (the conformance
 * suite checks this on every adapter); both may back off, neither proceeds alone unseen.
 *
 * A lease runs for `leaseMs` from each renewal; the holder renews every `renewEveryMs`
 * (write the new object, then delete the old one). A crashed holder's lock stops counting
 * `leaseMs + clockSkewMs` after its last renewal; one on this machine whose process is
 * gone stops counting at once (`isHolderAlive`). Before every step that changes what
 * others rely on, the holder calls `assertHeld`, which fails (LockLostError) once its
 * own lease has lapsed or the lock object was removed.
 */
import { IntegrityError, platformRandom, toHex } from "@chatvault/format";
import { ObjectNotFoundError, isRetryable } from "@chatvault/storage";
import { LockLostError, RepositoryLockedError } from "../errors.ts";
import {
  LOCKS_PREFIX,
  type LockMode,
  type LockRecord,
  MAX_LOCK_OBJECT,
  isLockName,
  lockObjectName,
  modesConflict,
  openLockRecord,
  sealLockRecord,
} from "./lock-record.ts";
import type { Repository } from "./repository.ts";

export interface LockOptions {
  /** What the holder is doing, shown to whoever is refused ("backup", "prune", …). */
  operation?: string;
  host?: string;
  pid?: number;
  /** false: the holder is known to be gone (its lock no longer counts); undefined: cannot tell. */
  isHolderAlive?: (holder: LockRecord) => boolean | undefined;
  /** Injected clock (ms since the epoch). */
  now?: () => number;
  leaseMs?: number;
  renewEveryMs?: number;
  /** How far another client's clock may be ahead of ours. */
  clockSkewMs?: number;
  /** Renew on a timer (default true); tests call `renew()` themselves. */
  autoRenew?: boolean;
}

export const DEFAULT_LEASE_MS = 5 * 60 * 1000;
export const DEFAULT_CLOCK_SKEW_MS = 60 * 1000;

export interface StoredLock {
  name: string;
  record?: LockRecord;
  /** Why the object could not be read as a lock of this repository. */
  unreadable?: string;
}

/** Every object under locks/, opened (unreadable ones are reported, not trusted). */
export async function listLocks(repo: Repository): Promise<StoredLock[]> {
  const out: StoredLock[] = [];
  for await (const o of repo.storage.list(LOCKS_PREFIX)) {
    if (!isLockName(o.name)) continue;
    // Judged by its listed size before any download: storage cannot make us fetch a huge "lock".
    if (o.size > MAX_LOCK_OBJECT) {
      out.push({ name: o.name, unreadable: "lock object is too large" });
      continue;
    }
    try {
      out.push({ name: o.name, record: await openLockRecord(repo.keys, repo.repoId, o.name, await repo.storage.get(o.name)) });
    } catch (e) {
      if (e instanceof ObjectNotFoundError) continue; // released while we listed
      if (!(e instanceof IntegrityError)) throw e;
      out.push({ name: o.name, unreadable: e.message });
    }
  }
  return out;
}

/** Whether a lock still counts: its lease (plus skew) has not run out and its holder is not known to be gone. */
export function lockIsLive(r: LockRecord, now: number, opts: Pick<LockOptions, "isHolderAlive" | "clockSkewMs"> = {}): boolean {
  if (now > Date.parse(r.expires) + (opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)) return false;
  return opts.isHolderAlive?.(r) !== false;
}

function holderInfo(r: LockRecord) {
  return { operation: r.operation, host: r.host, pid: r.pid, mode: r.mode, since: r.since, expires: r.expires };
}

type LeaseTiming = Required<Pick<LockOptions, "leaseMs" | "renewEveryMs" | "now">>;

export class RepositoryLock {
  readonly repo: Repository;
  readonly mode: LockMode;
  readonly record: LockRecord;
  readonly #opts: LeaseTiming;
  #name: string;
  /** Our lease is good until this time (our clock), counted from the start of the last successful write. */
  #validUntil: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #renewing: Promise<void> | undefined;
  #released = false;
  /** Why the last renewal failed, for LockLostError. */
  #renewError: unknown;

  private constructor(repo: Repository, mode: LockMode, record: LockRecord, name: string, validUntil: number, opts: LeaseTiming) {
    this.repo = repo;
    this.mode = mode;
    this.record = record;
    this.#name = name;
    this.#validUntil = validUntil;
    this.#opts = opts;
  }

  /** Take the lock, or throw RepositoryLockedError naming the holder that stands in the way. */
  static async acquire(repo: Repository, mode: LockMode, opts: LockOptions = {}): Promise<RepositoryLock> {
    const now = opts.now ?? Date.now;
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const renewEveryMs = opts.renewEveryMs ?? Math.floor(leaseMs / 5);
    const blocker = async (ownId?: string) => {
      const t = now();
      const live = (await listLocks(repo)).flatMap((l) => (l.record && l.record.lockId !== ownId && lockIsLive(l.record, t, opts) ? [l.record] : []));
      return live.filter((r) => modesConflict(mode, r.mode)).sort((a, b) => a.since.localeCompare(b.since))[0];
    };
    const first = await blocker();
    if (first) throw new RepositoryLockedError(holderInfo(first));
    const start = now();
    const record: LockRecord = {
      repoId: repo.repoId,
      lockId: toHex(platformRandom(16)),
      mode,
      operation: opts.operation ?? mode,
      host: opts.host ?? "unknown",
      pid: opts.pid ?? 0,
      since: new Date(start).toISOString(),
      expires: new Date(start + leaseMs).toISOString(),
    };
    const name = lockObjectName(toHex(platformRandom(16)));
    await repo.storage.put(name, await sealLockRecord(repo.keys, name, record));
    const raced = await blocker(record.lockId);
    if (raced) {
      await repo.storage.delete(name);
      throw new RepositoryLockedError(holderInfo(raced));
    }
    const lock = new RepositoryLock(repo, mode, record, name, start + leaseMs, { leaseMs, renewEveryMs, now });
    if (opts.autoRenew ?? true) lock.#schedule();
    return lock;
  }

  /** The name of the lock object that currently stands for this lock. */
  get objectName(): string {
    return this.#name;
  }

  #schedule(): void {
    if (this.#released) return;
    this.#timer = setTimeout(() => {
      void this.renew()
        .catch(() => {})
        .finally(() => this.#schedule());
    }, this.#opts.renewEveryMs);
    // A forgotten lock must not keep the process alive; its lease runs out on its own.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Extend the lease: write a new lock object, then delete the old one. */
  async renew(): Promise<void> {
    if (this.#released) return;
    this.#renewing ??= (async () => {
      const start = this.#opts.now();
      if (start >= this.#validUntil) return; // lapsed: renewing now could overlap a new holder
      const record = { ...this.record, expires: new Date(start + this.#opts.leaseMs).toISOString() };
      const name = lockObjectName(toHex(platformRandom(16)));
      try {
        await this.repo.storage.put(name, await sealLockRecord(this.repo.keys, name, record));
      } catch (e) {
        this.#renewError = e;
        throw e;
      }
      const old = this.#name;
      this.#name = name;
      this.#validUntil = start + this.#opts.leaseMs;
      this.#renewError = undefined;
      await this.repo.storage.delete(old).catch(() => {});
    })().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  /**
   * Throw LockLostError unless this lock still holds: call it right before each step
   * that others rely on (committing a snapshot, deleting objects).
   */
  async assertHeld(): Promise<void> {
    const op = this.record.operation;
    if (this.#released) throw new LockLostError(op, "was already released");
    if (this.#opts.now() >= this.#validUntil) {
      const why = this.#renewError instanceof Error ? ` (renewing failed: ${this.#renewError.message})` : "";
      throw new LockLostError(op, `expired at ${new Date(this.#validUntil).toISOString()}${why}`);
    }
    try {
      await this.repo.storage.stat(this.#name);
    } catch (e) {
      if (e instanceof ObjectNotFoundError) throw new LockLostError(op, "was removed (by `chatvault unlock`?)");
      throw e;
    }
  }

  /** Stop renewing and delete the lock object. Never throws: a lock left behind expires on its own. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#renewing?.catch(() => {});
    await this.repo.storage.delete(this.#name).catch(() => {});
  }
}

/** Run `fn` holding the lock; release it whatever happens. */
export async function withLock<T>(repo: Repository, mode: LockMode, opts: LockOptions, fn: (lock: RepositoryLock) => Promise<T>): Promise<T> {
  const lock = await RepositoryLock.acquire(repo, mode, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/**
 * Run a read-only operation (verify, restore) under a shared lock, so a prune cannot
 * delete what it reads. A prune holding the lock refuses it (RepositoryLockedError) and
 * unreachable storage throws; but storage that refuses the lock object itself (read-only
 * credentials, a read-only mount) only costs that protection: reading cannot damage the
 * repository, so the operation goes on without a lock (`fn` gets undefined).
 */
export async function withReaderLock<T>(repo: Repository, opts: LockOptions, fn: (lock: RepositoryLock | undefined) => Promise<T>): Promise<T> {
  let lock: RepositoryLock | undefined;
  try {
    lock = await RepositoryLock.acquire(repo, "shared", opts);
  } catch (e) {
    if (e instanceof RepositoryLockedError || isRetryable(e)) throw e;
    lock = undefined;
  }
  try {
    return await fn(lock);
  } finally {
    await lock?.release();
  }
}

export interface BrokenLock {
  name: string;
  holder?: LockRecord;
  live: boolean;
}

/**
 * Remove lock objects (what `chatvault unlock` does): by default only those that no
 * longer count (lease run out, holder known gone, unreadable); with `all`, live ones
 * too — only when you know their holders are gone, or a backup may fork the history.
 */
export async function breakLocks(
  repo: Repository,
  opts: Pick<LockOptions, "now" | "isHolderAlive" | "clockSkewMs"> & { all?: boolean } = {},
): Promise<BrokenLock[]> {
  const t = (opts.now ?? Date.now)();
  const out: BrokenLock[] = [];
  for (const l of await listLocks(repo)) {
    const live = !!l.record && lockIsLive(l.record, t, opts);
    if (live && !opts.all) continue;
    await repo.storage.delete(l.name);
    out.push({ name: l.name, ...(l.record ? { holder: l.record } : {}), live });
  }
  return out;
}
