/**
 * A repository on a storage backend, opened with its root key (spec §8).
 * Reads are authenticated; a wrong key fails as WrongKeyError before anything else.
 */
import { type ChunkerParams, IntegrityError, KeySchedule, ObjectKind, type RootKey, StreamOpener, openStream, platformRandom, toHex } from "@chatvault/format";
import { ObjectNotFoundError, ObjectExistsError, type Storage, readInto } from "@chatvault/storage";
import { RepositoryExistsError, RepositoryNotFoundError, SnapshotNotFoundError } from "../errors.ts";
import { ChunkIndex } from "./chunk-index.ts";
import { REMOTE_READ_PIECE } from "./chunk-reader.ts";
import {
  CONFIG_VERSION,
  PASSKEY_CONFIG_VERSION,
  REALMS_CONFIG_VERSION,
  type ParsedConfig,
  type Protection,
  type RepositoryConfig,
  authenticateConfig,
  encodeConfig,
  parseConfig,
} from "./config.ts";
import { checkFreshness, newestRefs, pickLatest } from "./freshness.ts";
import type { HeadStore } from "./head.ts";

export { checkFreshness } from "./freshness.ts";
import { CONFIG_NAME, INDEX_PREFIX, PACKS_PREFIX, SNAPSHOTS_PREFIX, isIndexName, packIdFromName, parseSnapshotName } from "./layout.ts";
import { type SnapshotManifest, applyListing, decodeManifest } from "./manifest.ts";
import { readListing } from "./listing.ts";

/** Where chunks are, for reading manifest listings: an index, or anything that locates a chunk. */
export type ChunkLocator = Pick<ChunkIndex, "get">;

export interface SnapshotRef {
  name: string;
  sequence: number;
  digest: string;
  /** Size as listed by the storage, when known. */
  size?: number;
}

/**
 * Largest index or manifest object a reader loads (1 GiB: an index of ~20 million chunks).
 * Storage controls the sizes it reports and serves; this stops it from making a client
 * buffer without limit.
 */
export const MAX_METADATA_OBJECT = 1024 * 1024 * 1024;

/**
 * Index objects are read in pieces of this size (four 64 KiB STREAM segments and their
 * tags) from a storage that reads into the caller's buffer (a local folder); from one that
 * does not (a cloud: each piece is a request) in pieces of {@link REMOTE_READ_PIECE}.
 */
const INDEX_READ_PIECE = 256 * 1024;

function checkMetadataSize(name: string, size: number | undefined): void {
  if (size !== undefined && size > MAX_METADATA_OBJECT) {
    throw new IntegrityError("bad_structure", `object is ${size} bytes, more than any index or manifest may be`, name);
  }
}

export interface InitOptions {
  protection: Protection;
  vaultUrl?: string;
  /** Protection "realms": the realm set (spec §8.2.1). */
  realmSet?: RepositoryConfig["realmSet"];
  /** Media chunker parameters (default {@link NEW_REPOSITORY_CHUNKER}), recorded in the config for every later writer. */
  chunker?: ChunkerParams;
  /** Target pack size in bytes (default 8 MiB). */
  packSize?: number;
}

export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;

/**
 * Chunker parameters of new repositories (spec §7.1): 512 KiB / 1 MiB / 8 MiB, restic's.
 * They cut media files only (database pages are chunks of their own, listings have fixed
 * parameters), and chat media are whole files that never change in place, so smaller
 * chunks find no more duplicates; each chunk costs a cipher context, an HMAC, an index
 * entry, 32 listing bytes and a worker message, and FastCDC skips `min` bytes per chunk.
 * Measured on the full bench corpus: ~10% less CPU per full backup, a 21% smaller
 * listing (docs/performance.md). A repository keeps the parameters its config records:
 * those created with the format's defaults (16 / 64 / 256 KiB) stay on them.
 */
export const NEW_REPOSITORY_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

export function manifestContextId(repoId: string, sequence: number): string {
  return `snapshot/${repoId}/${sequence}`;
}

export class Repository {
  readonly storage: Storage;
  readonly keys: KeySchedule;
  readonly config: RepositoryConfig;
  /** The root key, for worker threads that derive their own subkeys (prints [redacted]). */
  readonly rootKey: RootKey;

  private constructor(storage: Storage, keys: KeySchedule, config: RepositoryConfig, rootKey: RootKey) {
    this.storage = storage;
    this.keys = keys;
    this.config = config;
    this.rootKey = rootKey;
  }

  /** Read the config without a key: enough to learn the protection mode and vault hint. */
  static async readConfig(storage: Storage): Promise<ParsedConfig> {
    try {
      return parseConfig(await storage.get(CONFIG_NAME));
    } catch (e) {
      if (e instanceof ObjectNotFoundError) throw new RepositoryNotFoundError(storage.location);
      throw e;
    }
  }

  static async init(storage: Storage, root: RootKey, opts: InitOptions): Promise<Repository> {
    const keys = await KeySchedule.derive(root);
    const config: RepositoryConfig = {
      version: opts.protection === "realms" ? REALMS_CONFIG_VERSION : opts.protection === "passkey" ? PASSKEY_CONFIG_VERSION : CONFIG_VERSION,
      repoId: toHex(platformRandom(16)),
      created: new Date().toISOString(),
      protection: opts.protection,
      ...(opts.vaultUrl ? { vaultUrl: opts.vaultUrl } : {}),
      ...(opts.realmSet ? { realmSet: opts.realmSet } : {}),
      chunker: opts.chunker ?? NEW_REPOSITORY_CHUNKER,
      packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
      keyCheck: keys.keyCheck,
    };
    try {
      await storage.put(CONFIG_NAME, await encodeConfig(config, keys));
    } catch (e) {
      if (e instanceof ObjectExistsError) throw new RepositoryExistsError(storage.location);
      throw e;
    }
    return new Repository(storage, keys, config, root);
  }

  /** Open with a root key: WrongKeyError if it is not this repository's key. */
  static async open(storage: Storage, root: RootKey, parsed?: ParsedConfig): Promise<Repository> {
    const p = parsed ?? (await Repository.readConfig(storage));
    const keys = await KeySchedule.derive(root);
    const config = await authenticateConfig(p, keys);
    return new Repository(storage, keys, config, root);
  }

  get repoId(): string {
    return this.config.repoId;
  }

  /**
   * Load every index object into one in-memory chunk index. `presentPacks` (from
   * `listPacks`, listed here when not given) lets a chunk stored twice be located in
   * the pack that still exists (spec §8.7: lost packs are healed by re-uploading).
   */
  async loadIndex(presentPacks?: Map<string, number>): Promise<ChunkIndex> {
    const present = presentPacks ?? (await this.listPacks());
    const index = new ChunkIndex((p) => present.has(p));
    for await (const o of this.storage.list(INDEX_PREFIX)) {
      if (!isIndexName(o.name)) continue;
      checkMetadataSize(o.name, o.size);
      const ctx = { kind: ObjectKind.index, id: o.name };
      if (o.size === undefined) {
        const sealed = await this.storage.get(o.name);
        checkMetadataSize(o.name, sealed.length);
        index.addIndexObject(await openStream(this.keys.backend, this.keys.metadataEncryption.unsafeBytes(), ctx, sealed), o.name);
        continue;
      }
      await this.#addIndexObjectInPieces(index, o.name);
    }
    return index;
  }

  /**
   * One index object read and opened a piece at a time (spec §6: STREAM segments are
   * authenticated one by one; the object only at its last), its entries copied into
   * `index` as they are opened: neither the sealed object nor its plaintext is ever whole
   * in memory, and what each piece leaves behind is small enough for the allocator to
   * reuse. Before, the whole sealed object, its segments and their concatenation were
   * all held at once: three times the object (49 bytes per chunk) for a moment, the step
   * of the no-change backup's peak that grew with the history (docs/performance.md). Reads go on
   * until storage returns less than asked, whatever size it listed, so a longer object
   * still fails as trailing data.
   */
  async #addIndexObjectInPieces(index: ChunkIndex, name: string): Promise<void> {
    const opener = new StreamOpener(this.keys.backend, this.keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.index, id: name });
    const writer = index.indexObjectWriter(name, MAX_METADATA_OBJECT);
    const buffer = new Uint8Array(this.storage.getInto ? INDEX_READ_PIECE : REMOTE_READ_PIECE);
    for (let offset = 0; ;) {
      const piece = await readInto(this.storage, name, { offset, length: buffer.length }, buffer);
      offset += piece.length;
      checkMetadataSize(name, offset);
      for (const plain of await opener.push(piece)) writer.push(plain);
      if (piece.length < buffer.length) break;
    }
    for (const plain of await opener.finish()) writer.push(plain);
    writer.finish();
  }

  async listIndexNames(): Promise<string[]> {
    const out: string[] = [];
    for await (const o of this.storage.list(INDEX_PREFIX)) if (isIndexName(o.name)) out.push(o.name);
    return out;
  }

  /** Pack IDs present in storage (hex), whatever the index says. */
  async listPacks(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for await (const o of this.storage.list(PACKS_PREFIX)) {
      const id = packIdFromName(o.name);
      if (id) out.set(id, o.size);
    }
    return out;
  }

  /** Snapshot references, oldest first. Names that are not snapshots are ignored. */
  async listSnapshots(): Promise<SnapshotRef[]> {
    const out: SnapshotRef[] = [];
    for await (const o of this.storage.list(SNAPSHOTS_PREFIX)) {
      const p = parseSnapshotName(o.name);
      if (p) out.push({ name: o.name, ...p, size: o.size });
    }
    return out.sort((a, b) => a.sequence - b.sequence || a.digest.localeCompare(b.digest));
  }

  /**
   * Fetch, check the digest, open and validate one manifest; for a version 2 manifest
   * also fetch and authenticate its listing (spec §8.5.3), located with `index` (loaded
   * here when not given). `listing: false` skips that: the result then has no database
   * and no media (for callers that need only the chain and times).
   */
  async readSnapshot(ref: SnapshotRef, opts: { index?: ChunkLocator; listing?: boolean } = {}): Promise<SnapshotManifest> {
    checkMetadataSize(ref.name, ref.size);
    let sealed: Uint8Array;
    try {
      sealed = await this.storage.get(ref.name);
    } catch (e) {
      if (e instanceof ObjectNotFoundError) throw new IntegrityError("missing_object", "snapshot manifest is missing", ref.name);
      throw e;
    }
    const digest = toHex(await this.keys.backend.sha256(sealed));
    if (digest !== ref.digest) throw new IntegrityError("id_mismatch", "snapshot manifest does not match its name (replaced or corrupted)", ref.name);
    const ctx = { kind: ObjectKind.snapshot, id: manifestContextId(this.repoId, ref.sequence) };
    const m = decodeManifest(await openStream(this.keys.backend, this.keys.metadataEncryption.unsafeBytes(), ctx, sealed));
    if (m.repoId !== this.repoId || m.sequence !== ref.sequence) {
      throw new IntegrityError("id_mismatch", "snapshot manifest belongs to another repository or sequence", ref.name);
    }
    if (!m.listing || opts.listing === false) return m;
    const listing = m.listing;
    const index = opts.index ?? (await this.loadIndex());
    try {
      return applyListing(m, await readListing(this, listing, (id) => index.get(id)));
    } catch (e) {
      if (e instanceof IntegrityError)
        throw new IntegrityError(e.reason, `snapshot #${ref.sequence}: ${e.message.replace(/ \(object [^)]+\)$/, "")}`, e.objectId ?? ref.name);
      throw e;
    }
  }

  /**
   * The snapshot to restore or build on, checked against the head (spec §8.6).
   * `selector` ("latest", a sequence number, or a digest prefix) picks an explicit,
   * possibly older, snapshot: asking for one by name is the explicit request for it.
   * `conflicts` lists other snapshots with the same newest sequence (a fork, see
   * freshness.ts): not an error, but worth telling the user.
   */
  async resolveSnapshot(heads: HeadStore, selector?: string, opts: { index?: ChunkLocator; listing?: boolean } = {}): Promise<ResolvedSnapshot | undefined> {
    const refs = await this.listSnapshots();
    const head = await heads.get();
    if (selector && selector !== "latest") {
      const ref = findSnapshot(refs, selector);
      return { ref, manifest: await this.readSnapshot(ref, opts), conflicts: [] };
    }
    const newest = newestRefs(refs);
    checkFreshness(newest[0], head, newest);
    const manifests = new Map<SnapshotRef, SnapshotManifest>();
    // Picking among a fork needs only times: the listing is read for the one picked.
    const read = async (r: SnapshotRef) => {
      const m = manifests.get(r) ?? (await this.readSnapshot(r, { listing: false }));
      manifests.set(r, m);
      return m;
    };
    const picked = await pickLatest(newest, head, async (r) => (await read(r)).time);
    if (!picked) return undefined;
    const header = await read(picked.latest);
    const manifest = header.listing ? await this.readSnapshot(picked.latest, opts) : header;
    return { ref: picked.latest, manifest, conflicts: picked.conflicts };
  }
}

export interface ResolvedSnapshot {
  ref: SnapshotRef;
  manifest: SnapshotManifest;
  /** Other snapshots with the same sequence as `ref` (a fork; see freshness.ts). */
  conflicts: SnapshotRef[];
}

export function findSnapshot(refs: SnapshotRef[], selector: string): SnapshotRef {
  const s = selector.toLowerCase();
  const matches =
    /^\d+$/.test(s) && s.length < 11
      ? refs.filter((r) => r.sequence === Number(s))
      : /^[0-9a-f]{6,64}$/.test(s)
        ? refs.filter((r) => r.digest.startsWith(s))
        : [];
  if (matches.length !== 1) throw new SnapshotNotFoundError(matches.length > 1 ? `"${selector}" uniquely` : `"${selector}"`);
  return matches[0]!;
}
