/**
 * Key schedule (spec §3): every key comes from the root key K by HKDF-SHA256 with a
 * versioned label from `labels.ts`. Subkeys are distinct, so learning one (e.g. the
 * published key-check value) says nothing about the others.
 */
import type { CryptoBackend } from "./backend.ts";
import { getDefaultBackend } from "./backend.ts";
import { utf8 } from "./bytes.ts";
import { LABELS, ROOT_SALT } from "./labels.ts";
import { Secret, type RootKey } from "./secret.ts";

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/** All subkeys of one root key, derived once and reused. Prints as `[redacted]`. */
export class KeySchedule {
  readonly backend: CryptoBackend;
  /** AES-256-GCM key for chunks. */
  readonly chunkEncryption: Secret;
  /** HMAC-SHA256 key for chunk IDs. */
  readonly chunkId: Secret;
  /** 1024-byte seed of the chunker's gear table (256 × u32 big-endian). */
  readonly chunkerGear: Secret;
  /** AES-256-GCM key for metadata (index, snapshot manifests, streams). */
  readonly metadataEncryption: Secret;
  /** HMAC-SHA256 key for the key-mode local head record. */
  readonly headAuthentication: Secret;
  /** HMAC-SHA256 key for the repository config. */
  readonly configAuthentication: Secret;
  /** 16-byte key-check value, stored in the repository config in the clear. */
  readonly keyCheck: Uint8Array;

  private constructor(backend: CryptoBackend, parts: Uint8Array[]) {
    this.backend = backend;
    this.chunkEncryption = new Secret(parts[0]!);
    this.chunkId = new Secret(parts[1]!);
    this.chunkerGear = new Secret(parts[2]!);
    this.metadataEncryption = new Secret(parts[3]!);
    this.headAuthentication = new Secret(parts[4]!);
    this.keyCheck = parts[5]!;
    this.configAuthentication = new Secret(parts[6]!);
  }

  static async derive(root: RootKey, backend: CryptoBackend = getDefaultBackend()): Promise<KeySchedule> {
    const ikm = root.unsafeBytes();
    const salt = utf8(ROOT_SALT);
    const d = (label: string, n: number) => backend.hkdf(ikm, salt, utf8(label), n);
    const parts = await Promise.all([
      d(LABELS.chunkEncryption, 32),
      d(LABELS.chunkId, 32),
      d(LABELS.chunkerGear, 1024),
      d(LABELS.metadataEncryption, 32),
      d(LABELS.headAuthentication, 32),
      d(LABELS.keyCheck, 16),
      d(LABELS.configAuthentication, 32),
    ]);
    return new KeySchedule(backend, parts);
  }

  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspectSymbol](): string {
    return "KeySchedule [redacted]";
  }
}

/** The gear table of the content-defined chunker, from the keyed seed. */
export function gearTable(keys: KeySchedule): Uint32Array {
  const seed = keys.chunkerGear.unsafeBytes();
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const o = i * 4;
    table[i] = ((seed[o]! << 24) | (seed[o + 1]! << 16) | (seed[o + 2]! << 8) | seed[o + 3]!) >>> 0;
  }
  return table;
}

/** Keyed chunk ID: HMAC-SHA256(chunk-id key, plaintext). Never a plain hash (spec §3). */
export function chunkId(keys: KeySchedule, plaintext: Uint8Array): Promise<Uint8Array> {
  return keys.backend.hmacSha256(keys.chunkId.unsafeBytes(), plaintext);
}
