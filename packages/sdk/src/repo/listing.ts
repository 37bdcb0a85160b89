/**
 * Manifest listings (spec §8.5.3): a version 2 manifest keeps its database page list and
 * media list in ordinary chunks, cut from the listing by the keyed chunker with fixed
 * parameters. Chunks are content-addressed, so the parts of the listing that did not
 * change since the parent snapshot are already stored and cost nothing: an unchanged
 * snapshot stores only its small manifest.
 */
import { Chunker, type ChunkerParams, IntegrityError, type KeySchedule, LISTING_CHUNKER_PARAMS, fromHex, gearTable, toHex } from "@chatvault/format";
import type { Compressor } from "../backup/compressor.ts";
import { CHUNK_COMPRESSED, type ChunkLocation } from "./chunk-index.ts";
import { type ChunkRequest, REMOTE_READ_PIECE, openPackRange, packRanges, readPackRangeInto } from "./chunk-reader.ts";
import { packName } from "./layout.ts";
import type { ManifestListing } from "./manifest.ts";
import type { Repository } from "./repository.ts";

/** Chunker parameters of listings (spec §8.5.3): small chunks, so one changed page re-stores about 8 KiB. */
export const LISTING_CHUNKER: ChunkerParams = LISTING_CHUNKER_PARAMS;

/** The listing cut into chunks, in order. */
export function cutListing(keys: KeySchedule, listing: Uint8Array): Uint8Array[] {
  const chunker = new Chunker(gearTable(keys), LISTING_CHUNKER);
  return [...chunker.push(listing), ...chunker.finish()];
}

/**
 * Fetch and authenticate a listing's chunks (spec §8.3: opened, inflated if flagged, and
 * checked against their IDs) and concatenate them. Writers do not compress listing
 * chunks, but a listing chunk may share its ID with a compressed chunk stored earlier,
 * so decompressing is supported (the browser compressor: the same code in Node and
 * browsers, either codec). It is imported only when a located chunk is compressed — rare —
 * so reading a parent's listing does not cost every backup fflate's ~15 ms import
 * (docs/performance.md).
 * @throws IntegrityError `missing_object` when a chunk is not indexed or its pack is gone.
 */
export async function readListing(
  repo: Repository,
  listing: ManifestListing,
  locate: (id: string) => ChunkLocation | undefined,
  compressor?: Compressor,
): Promise<Uint8Array> {
  let total = 0;
  const byPack = new Map<string, Map<string, ChunkRequest<number>>>();
  for (const id of listing.chunks) {
    const hex = toHex(id);
    const loc = locate(hex);
    if (!loc) throw new IntegrityError("missing_object", "a chunk of the snapshot's file list is not in the index", hex);
    if (total + loc.rawLength > listing.length) throw new IntegrityError("bad_structure", "snapshot file list is longer than the manifest says");
    const requests = byPack.get(loc.pack) ?? new Map<string, ChunkRequest<number>>();
    byPack.set(loc.pack, requests);
    const req = requests.get(hex) ?? { id: hex, loc, targets: [] };
    requests.set(hex, req);
    req.targets.push(total);
    total += loc.rawLength;
  }
  if (total !== listing.length) throw new IntegrityError("bad_structure", "snapshot file list is shorter than the manifest says");
  const inflater = compressor ?? (await listingInflater(byPack));
  const out = new Uint8Array(total);
  // Ranges of at most 1 MiB, each read into the same buffer: the sealed listing is never
  // whole in memory, and no buffer is left per range for a collection to free (at 10
  // million messages the listing is ~20 MB; docs/performance.md).
  // On a storage without `getInto` (a cloud: a request per range) ranges stay as large as before.
  const maxRange = repo.storage.getInto ? LISTING_READ_RANGE : REMOTE_READ_PIECE;
  let buffer = new Uint8Array(0);
  for (const [pack, requests] of byPack) {
    const name = packName(fromHex(pack));
    for (const range of packRanges([...requests.values()], Infinity, maxRange)) {
      if (buffer.length < range.end - range.start) buffer = new Uint8Array(Math.max(range.end - range.start, maxRange));
      const bytes = await readPackRangeInto(repo.storage, name, range, buffer);
      await openPackRange(repo, inflater, name, range, bytes, (req, plain) => {
        for (const at of req.targets) out.set(plain, at);
      });
    }
  }
  return out;
}

/** The largest ranged read of a listing's chunks (a single chunk may be longer: then the buffer grows). */
const LISTING_READ_RANGE = 1024 * 1024;

/**
 * The JavaScript compressor when some listing chunk is stored compressed, otherwise an inflater that is
 * never called: openChunk inflates only chunks whose index flags say compressed, and
 * these are the flags just checked. It refuses rather than returning bytes, all the same.
 */
async function listingInflater(byPack: Map<string, Map<string, ChunkRequest<number>>>): Promise<Compressor> {
  for (const requests of byPack.values()) {
    for (const req of requests.values()) {
      if (req.loc.flags & CHUNK_COMPRESSED) return (await import("../backup/fflate-compressor.ts")).browserCompressor;
    }
  }
  return {
    compress: () => null,
    decompress: () => {
      throw new IntegrityError("bad_structure", "a snapshot file-list chunk is compressed but its index entry says not");
    },
  };
}
