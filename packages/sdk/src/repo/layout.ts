/**
 * Object names in a repository (spec/backup-format.md §8.1). Every name is derived
 * from content or randomness the client chose; the storage provider picks none.
 */
import { toHex } from "@chatvault/format";

export const CONFIG_NAME = "config";
export const PACKS_PREFIX = "packs/";
export const INDEX_PREFIX = "index/";
export const SNAPSHOTS_PREFIX = "snapshots/";

/**
 * The order in which deleting a whole repository removes its objects: snapshots first,
 * then the index and the packs, then anything else (locks, key objects), the config last.
 * An interrupted delete leaves a backup with fewer snapshots, or none, never snapshots
 * without the config that says how to read them. "" is every other name (not the config).
 */
export const DELETION_ORDER: readonly string[] = [SNAPSHOTS_PREFIX, INDEX_PREFIX, PACKS_PREFIX, ""];

/** packs/<first 2 hex>/<sha256 of the pack bytes, hex> */
export function packName(packId: Uint8Array): string {
  const h = toHex(packId);
  return `${PACKS_PREFIX}${h.slice(0, 2)}/${h}`;
}

export function packIdFromName(name: string): string | undefined {
  const m = /^packs\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(name);
  return m && m[2]!.startsWith(m[1]!) ? m[2] : undefined;
}

export function indexName(randomId: Uint8Array): string {
  return `${INDEX_PREFIX}${toHex(randomId)}`;
}

export function isIndexName(name: string): boolean {
  return /^index\/[0-9a-f]{32}$/.test(name);
}

/** snapshots/<sequence, 10 digits>-<sha256 of the sealed manifest, hex> */
export function snapshotName(sequence: number, digest: string): string {
  return `${SNAPSHOTS_PREFIX}${String(sequence).padStart(10, "0")}-${digest}`;
}

export function parseSnapshotName(name: string): { sequence: number; digest: string } | undefined {
  const m = /^snapshots\/(\d{10})-([0-9a-f]{64})$/.exec(name);
  if (!m) return undefined;
  return { sequence: Number(m[1]), digest: m[2]! };
}
