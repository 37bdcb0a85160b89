/**
 * Packs (spec §8.3): many sealed chunks in one storage object, so a backup makes few
 * requests. Named by the SHA-256 of their bytes; the header at the end lets an
 * index be rebuilt (and an interrupted backup reuse packs it already uploaded).
 *
 *   pack   = sealedChunk_1 ‖ … ‖ sealedChunk_n ‖ sealedHeader ‖ u32 len(sealedHeader)
 *   header = u32 n ‖ (chunkId[32] ‖ u32 offset ‖ u32 length ‖ u32 rawLength ‖ u8 flags) × n
 *   sealedHeader = sealObject(metadata key, kind packHeader, id = repository ID, header)
 */
import { IntegrityError, ObjectKind, type KeySchedule, fromHex, openObject, sealObject, toHex } from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import { BinaryReader, BinaryWriter } from "./binary.ts";
import { type IndexEntry, validFlags } from "./chunk-index.ts";
import { packName } from "./layout.ts";

const ENTRY_BYTES = 32 + 13;
/** Largest pack header a reader accepts (bounds the ranged read of untrusted length). */
const MAX_HEADER = 64 * 1024 * 1024;

export interface PackEntry {
  id: string;
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
}

export function encodePackHeader(entries: PackEntry[]): Uint8Array {
  const w = new BinaryWriter(4 + entries.length * ENTRY_BYTES);
  w.u32(entries.length);
  for (const e of entries) w.bytes(fromHex(e.id)).u32(e.offset).u32(e.length).u32(e.rawLength).u8(e.flags);
  return w.finish();
}

export function decodePackHeader(bytes: Uint8Array, name: string, packLength: number): PackEntry[] {
  const r = new BinaryReader(bytes, `pack header ${name}`);
  const n = r.count(ENTRY_BYTES);
  const out: PackEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = { id: toHex(r.bytes(32)), offset: r.u32(), length: r.u32(), rawLength: r.u32(), flags: r.u8() };
    if (e.offset + e.length > packLength) throw new IntegrityError("bad_structure", `pack header entry ${i} points past the pack`, name);
    if (!validFlags(e.flags)) throw new IntegrityError("bad_structure", `pack header entry ${i} has unknown flags (codec) ${e.flags}`, name);
    out.push(e);
  }
  r.end();
  return out;
}

export async function sealPackHeader(keys: KeySchedule, repoId: string, entries: PackEntry[]): Promise<Uint8Array> {
  const sealed = await sealObject(keys.backend, keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.packHeader, id: repoId }, encodePackHeader(entries));
  const out = new Uint8Array(sealed.length + 4);
  out.set(sealed);
  new DataView(out.buffer).setUint32(sealed.length, sealed.length);
  return out;
}

/** Length of the sealed header, from the pack's 4-byte trailer; checked against the pack size. */
function headerLength(trailer: Uint8Array, size: number, name: string): number {
  if (size < 4 || trailer.length !== 4) throw new IntegrityError("too_short", "pack is shorter than its trailer", name);
  const len = new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0);
  if (len > size - 4 || len > MAX_HEADER) throw new IntegrityError("bad_structure", "pack trailer gives an impossible header length", name);
  return len;
}

/** Open a sealed header found at the end of a pack whose chunks take `bodyLength` bytes. */
async function openHeader(keys: KeySchedule, repoId: string, sealed: Uint8Array, name: string, bodyLength: number): Promise<PackEntry[]> {
  const header = await openObject(keys.backend, keys.metadataEncryption.unsafeBytes(), { kind: ObjectKind.packHeader, id: repoId }, sealed);
  return decodePackHeader(header, name, bodyLength);
}

/** Read and authenticate a pack's header with two ranged reads (trailer, then header). */
export async function readPackHeader(storage: Storage, keys: KeySchedule, repoId: string, packId: string): Promise<IndexEntry[]> {
  const name = packName(fromHex(packId));
  const { size } = await storage.stat(name);
  const len = headerLength(size < 4 ? new Uint8Array(0) : await storage.get(name, { offset: size - 4, length: 4 }), size, name);
  const sealed = await storage.get(name, { offset: size - 4 - len, length: len });
  return (await openHeader(keys, repoId, sealed, name, size - 4 - len)).map((e) => ({ ...e, pack: packId }));
}

/** The authenticated header of a whole pack held in memory (verify). */
export async function packHeaderOf(keys: KeySchedule, repoId: string, pack: Uint8Array, name: string): Promise<PackEntry[]> {
  const len = headerLength(pack.subarray(Math.max(0, pack.length - 4)), pack.length, name);
  return openHeader(keys, repoId, pack.subarray(pack.length - 4 - len, pack.length - 4), name, pack.length - 4 - len);
}
