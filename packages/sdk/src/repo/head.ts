import {
  HEAD_RECORD_LABEL,
  IntegrityError,
  type KeySchedule,
  type RootKey,
  equalBytes,
  fromBase64Url,
  fromHex,
  toBase64Url,
  toHex,
  utf8,
} from "@chatvault/format";

/**
 * Freshness (spec §8.6): the client remembers the newest snapshot it wrote (sequence +
 * digest) somewhere the storage provider cannot write: in the vault (password mode) or
 * in a local record authenticated with an HMAC under the root key (key mode). Restore
 * compares storage against it, so a provider cannot silently roll a user back.
 */
export interface Head {
  sequence: number;
  /** SHA-256 of the sealed manifest, hex. */
  digest: string;
}

export interface HeadStore {
  /** The newest head recorded, or undefined if none is known here. */
  get(): Promise<Head | undefined>;
  /** Record a newer head. MUST refuse to go backwards. */
  advance(head: Head): Promise<void>;
  /** Where the head lives, for messages ("vault", "local record …", "memory"). */
  readonly describe: string;
  /**
   * True for a record this device keeps itself (key and passkey mode, spec §8.6, §13.4):
   * a restore of the latest snapshot starts it at what it restored. A head the vault or
   * the realms keep is moved only by backups.
   */
  readonly local?: boolean;
}

/** An in-memory head store (unit tests); a local record unless `local: false` (then it stands in for a vault's head). */
export function memoryHeadStore(initial?: Head, opts: { local?: boolean } = {}): HeadStore & { current: Head | undefined } {
  const s = {
    describe: "memory",
    local: opts.local ?? true,
    current: initial,
    async get() {
      return s.current;
    },
    async advance(h: Head) {
      if (s.current && h.sequence < s.current.sequence) throw new Error("head cannot go backwards");
      s.current = h;
    },
  };
  return s;
}

/** The part of the vault client a head store needs (structural, so the sdk core stays small). */
export interface VaultHeadApi {
  /** The head if signed by this root key's head key (vault-protocol §7.1); unsigned counts as none. */
  getVerifiedHead(rootKey: RootKey): Promise<{ sequence: number; digest: string | null }>;
  advanceHead(update: { sequence: number; digest: Uint8Array; rootKey: RootKey }): Promise<unknown>;
}

/**
 * Password mode (spec §8.6): the head lives in the vault, next to the wrapped key, where
 * the storage provider cannot write. The vault stores the digest as base64url bytes and
 * refuses to go backwards (its `HeadConflictError` passes through unchanged).
 */
export function vaultHeadStore(vault: VaultHeadApi, rootKey: RootKey, describe = "vault"): HeadStore {
  // Heads are signed with a key derived from the root key, so the vault (or a thief of the
  // account token) can withhold a head but cannot forge or advance it (vault-protocol §7.1).
  return {
    describe,
    async get() {
      const h = await vault.getVerifiedHead(rootKey);
      if (h.sequence === 0 || h.digest === null) return undefined;
      return { sequence: h.sequence, digest: toHex(fromBase64Url(h.digest)) };
    },
    async advance(h) {
      await vault.advanceHead({ sequence: h.sequence, digest: fromHex(h.digest), rootKey });
    },
  };
}

/**
 * The part of the threshold client a realm-set head store needs (structural, like
 * VaultHeadApi): `readHead` answers the newest head whose signature verifies under this
 * root key's head key among the realms that answer (at least t of them), `advanceHead`
 * stores a signed head at n − t + 1 realms or throws (spec/threshold-vault.md §6.8).
 * Digests are base64url, as the realms speak them.
 */
export interface RealmSetHeadApi {
  readHead(rootKey: RootKey): Promise<{ head: { sequence: number; digest: string | null } }>;
  advanceHead(rootKey: RootKey, sequence: number, digest: Uint8Array): Promise<unknown>;
}

/**
 * Realms mode (spec §8.6, spec/threshold-vault.md §6.8): the head lives at the realms. A
 * realm can withhold the newest head but not forge one (heads are signed under K); any t
 * realms that answer include one of the n − t + 1 that stored the newest head, so the
 * newest authentic answer is the newest head. Going backwards is refused here as well as
 * at each realm.
 */
export function realmSetHeadStore(realms: RealmSetHeadApi, rootKey: RootKey, describe = "realms"): HeadStore {
  const store: HeadStore = {
    describe,
    async get() {
      const { head } = await realms.readHead(rootKey);
      if (head.sequence === 0 || head.digest === null) return undefined;
      return { sequence: head.sequence, digest: toHex(fromBase64Url(head.digest)) };
    },
    async advance(h) {
      const cur = await store.get();
      if (cur && h.sequence < cur.sequence) throw new IntegrityError("rollback", `head cannot go back from #${cur.sequence} to #${h.sequence}`, describe);
      await realms.advanceHead(rootKey, h.sequence, fromHex(h.digest));
    },
  };
  return store;
}

/** Where a key-mode head record is kept: a file on Node, IndexedDB in a browser. */
export interface HeadRecordIO {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/**
 * Key mode (spec §8.6): the head as a small JSON record `{sequence, digest, mac}` with an
 * HMAC under the root key's head-authentication subkey, so neither the storage provider
 * nor anyone without the key can forge or roll it back.
 */
export function authenticatedHeadStore(keys: KeySchedule, repoId: string, io: HeadRecordIO, describe: string): HeadStore {
  const mac = (h: Head) => keys.backend.hmacSha256(keys.headAuthentication.unsafeBytes(), utf8(`${HEAD_RECORD_LABEL}\n${repoId}\n${h.sequence}\n${h.digest}`));
  const bad = (message: string) => new IntegrityError("bad_structure", message, describe);
  const store: HeadStore = {
    describe,
    local: true,
    async get() {
      const raw = await io.read();
      if (raw === undefined) return undefined;
      let j: { sequence?: unknown; digest?: unknown; mac?: unknown };
      try {
        j = JSON.parse(raw) as typeof j;
      } catch {
        throw bad("head record is not valid JSON");
      }
      if (typeof j.sequence !== "number" || typeof j.digest !== "string" || typeof j.mac !== "string") throw bad("head record is malformed");
      const h = { sequence: j.sequence, digest: j.digest };
      let given: Uint8Array;
      try {
        given = fromBase64Url(j.mac);
      } catch {
        throw bad("head record is malformed");
      }
      if (!equalBytes(await mac(h), given)) throw new IntegrityError("auth_failed", "head record was modified or belongs to another key", describe);
      return h;
    },
    async advance(h) {
      const cur = await store.get();
      if (cur && h.sequence < cur.sequence) throw new IntegrityError("rollback", `head cannot go back from #${cur.sequence} to #${h.sequence}`);
      await io.write(JSON.stringify({ sequence: h.sequence, digest: h.digest, mac: toBase64Url(await mac(h)) }) + "\n");
    },
  };
  return store;
}
