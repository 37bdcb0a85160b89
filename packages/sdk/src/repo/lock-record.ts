/**
 * Lock objects (spec §8.11): `locks/<32 hex>`, one small JSON record sealed under the
 * metadata key and bound to its name, so only holders of the key can write one the
 * others will honour. The storage provider can still delete or replay them: locks are
 * coordination between honest clients, not a security boundary.
 */
import { IntegrityError, type KeySchedule, ObjectKind, fromUtf8, openObject, sealObject, utf8 } from "@chatvault/format";

export const LOCKS_PREFIX = "locks/";

/**
 * `shared`: readers (verify, restore); they exclude only `exclusive`.
 * `append`: a backup; excludes other backups (one sequence at a time) and prune.
 * `exclusive`: prune; excludes everything.
 */
export type LockMode = "shared" | "append" | "exclusive";

export interface LockRecord {
  repoId: string;
  /** Stays the same across renewals (each renewal is a new object). */
  lockId: string;
  mode: LockMode;
  /** What the holder is doing: "backup", "prune", "verify", … */
  operation: string;
  host: string;
  pid: number;
  /** When the lock was first taken (ISO 8601). */
  since: string;
  /** When the lease runs out unless renewed (ISO 8601). */
  expires: string;
}

/** Lock objects are tiny; a bigger one is not ours. */
export const MAX_LOCK_OBJECT = 4096;

export function lockObjectName(randomHex: string): string {
  return `${LOCKS_PREFIX}${randomHex}`;
}

export function isLockName(name: string): boolean {
  return /^locks\/[0-9a-f]{32}$/.test(name);
}

/** Whether two holders may hold the repository at the same time. */
export function modesConflict(a: LockMode, b: LockMode): boolean {
  return a === "exclusive" || b === "exclusive" || (a === "append" && b === "append");
}

export async function sealLockRecord(keys: KeySchedule, name: string, r: LockRecord): Promise<Uint8Array> {
  const json = JSON.stringify({
    v: 1,
    repoId: r.repoId,
    lockId: r.lockId,
    mode: r.mode,
    operation: r.operation,
    host: r.host,
    pid: r.pid,
    since: r.since,
    expires: r.expires,
  });
  return sealObject(keys.backend, keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.lock, id: name }, utf8(json));
}

/** Open and validate a lock object; IntegrityError if it is not one of this repository's. */
export async function openLockRecord(keys: KeySchedule, repoId: string, name: string, sealed: Uint8Array): Promise<LockRecord> {
  if (sealed.length > MAX_LOCK_OBJECT) throw new IntegrityError("bad_structure", "lock object is too large", name);
  const plain = await openObject(keys.backend, keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.lock, id: name }, sealed);
  return decodeLockRecord(plain, repoId, name);
}

/** Parse the plaintext of a lock object (exported for the fuzz test). */
export function decodeLockRecord(plain: Uint8Array, repoId: string, name: string): LockRecord {
  const bad = (what: string) => new IntegrityError("bad_structure", `lock object: ${what}`, name);
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(fromUtf8(plain)) as Record<string, unknown>;
  } catch {
    throw bad("not valid JSON");
  }
  if (typeof j !== "object" || j === null || Array.isArray(j) || j.v !== 1) throw bad("unknown version");
  const str = (k: string, max: number): string => {
    const v = j[k];
    if (typeof v !== "string" || v.length === 0 || v.length > max) throw bad(`field ${k} missing or invalid`);
    return v;
  };
  const time = (k: string): string => {
    const v = str(k, 64);
    if (!Number.isFinite(Date.parse(v))) throw bad(`field ${k} is not a time`);
    return v;
  };
  const mode = j.mode;
  if (mode !== "shared" && mode !== "append" && mode !== "exclusive") throw bad("unknown mode");
  const pid = j.pid;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid < 0) throw bad("invalid pid");
  const record: LockRecord = {
    repoId: str("repoId", 32),
    lockId: str("lockId", 32),
    mode,
    operation: str("operation", 64),
    host: str("host", 255),
    pid,
    since: time("since"),
    expires: time("expires"),
  };
  if (record.repoId !== repoId) throw bad("belongs to another repository");
  if (!/^[0-9a-f]{32}$/.test(record.lockId)) throw bad("invalid lockId");
  return record;
}
