/**
 * spec/vectors/stream.json (spec/backup-format.md §6), for generate-vectors.ts. Malformed
 * streams the sealer cannot produce (an empty last segment after a full one, a misplaced
 * last flag) are built here from the spec's own description of STREAM (`craftStream`),
 * which doubles as a check that the spec describes what the code does.
 */
import type { CryptoBackend } from "../src/backend.ts";
import { concatBytes, toHex, utf8 } from "../src/bytes.ts";
import { LABELS } from "../src/labels.ts";
import { ObjectKind, type ObjectContext } from "../src/object.ts";
import { sealStream } from "../src/stream.ts";
import { fixedRandom, seededBytes } from "../src/testing/fixtures.ts";
import type { Expected, Vector, VectorFile } from "../src/vectors/run-vectors.ts";
import { file, flip, idField, integrity, seq } from "./vector-file.ts";

/** STREAM built straight from spec §6, for streams the sealer refuses to make. */
export async function craftStream(
  backend: CryptoBackend,
  key: Uint8Array,
  ctx: ObjectContext,
  log2: number,
  salt: Uint8Array,
  segments: { plaintext: Uint8Array; last: boolean }[],
): Promise<Uint8Array> {
  const id = typeof ctx.id === "string" ? utf8(ctx.id) : ctx.id;
  const header = concatBytes(utf8("CVS"), Uint8Array.of(1, ctx.kind, log2, 0, 0), salt);
  const info = concatBytes(utf8(LABELS.streamPayload), Uint8Array.of(0, ctx.kind, id.length), id);
  const streamKey = await backend.hkdf(key, salt, info, 32);
  const parts = [header];
  for (const [i, s] of segments.entries()) {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(7, i);
    nonce[11] = s.last ? 1 : 0;
    parts.push(await backend.aesGcmSeal(streamKey, nonce, s.plaintext, header));
  }
  return concatBytes(...parts);
}

export async function streamVectors(backend: CryptoBackend): Promise<VectorFile> {
  const v: Vector[] = [];
  const key = seededBytes(20, 32);
  const ctx: ObjectContext = { kind: ObjectKind.stream, id: "streams/0001" };
  let n = 0;
  const seal = async (name: string, size: number, log2 = 10, c = ctx) => {
    const salt = seededBytes(2000 + n++, 16);
    const plaintext = seededBytes(3000 + size, size);
    const sealed = await sealStream(backend, key, c, plaintext, { segmentLog2: log2, random: fixedRandom(salt) });
    // The spec's description must produce the very same bytes as the code.
    const segs = [];
    for (let o = 0; o < size || segs.length === 0; o += 2 ** log2) segs.push({ plaintext: plaintext.subarray(o, o + 2 ** log2), last: o + 2 ** log2 >= size });
    if (toHex(await craftStream(backend, key, c, log2, salt, segs)) !== toHex(sealed)) throw new Error(`spec and code disagree on ${name}`);
    v.push({
      name,
      key: toHex(key),
      kind: c.kind,
      id: idField(c.id),
      segment_log2: log2,
      salt: toHex(salt),
      plaintext: toHex(plaintext),
      sealed: toHex(sealed),
      expected: "success",
    });
    return { sealed, plaintext, salt };
  };
  const seg = 1024;
  const full = seg + 16;
  await seal("empty stream (one empty last segment)", 0);
  await seal("1 byte", 1);
  await seal("segment - 1", seg - 1);
  const one = await seal("exactly one segment", seg);
  await seal("segment + 1", seg + 1);
  const two = await seal("exactly two segments", 2 * seg);
  const base = await seal("2 segments + 500", 2 * seg + 500);
  await seal("many segments (6)", 5 * seg + 7);
  await seal("2 KiB segments", 3000, 11);
  await seal("index kind, binary id", 1500, 10, { kind: ObjectKind.index, id: seq(32) });

  const s = base.sealed;
  const h = 24;
  const at = (i: number) => s.subarray(h + i * full, h + (i + 1) * full);
  const fail = (name: string, sealed: Uint8Array, expected: Expected, over: Partial<Vector> = {}) =>
    v.push({ name, key: toHex(key), kind: ctx.kind, id: idField(ctx.id), sealed: toHex(sealed), ...over, expected });
  const header = (i: number, value: number) => {
    const c = s.slice();
    c[i] = value;
    return c;
  };
  fail("empty input", new Uint8Array(0), integrity("truncated"));
  fail("truncated inside the header", s.subarray(0, 10), integrity("truncated"));
  fail("header only", s.subarray(0, h), integrity("truncated"));
  fail("bad magic", header(0, 0x63), integrity("bad_magic"));
  fail("unsupported version", header(3, 2), integrity("unsupported_version"));
  fail("wrong kind in header", header(4, ObjectKind.index), integrity("wrong_kind"));
  fail("opened as another kind", s, integrity("wrong_kind"), { kind: ObjectKind.snapshot });
  fail("segment size below 2^10", header(5, 9), integrity("bad_header"));
  fail("segment size above 2^24", header(5, 25), integrity("bad_header"));
  fail("reserved byte 6 set", header(6, 1), integrity("bad_header"));
  fail("reserved byte 7 set", header(7, 0x80), integrity("bad_header"));
  fail("tampered salt", flip(s, 8), integrity("auth_failed"));
  fail("tampered tag of first segment", flip(s, h + full - 1), integrity("auth_failed"));
  fail("tampered ciphertext of middle segment", flip(s, h + full + 100), integrity("auth_failed"));
  fail("tampered tag of last segment", flip(s, -1), integrity("auth_failed"));
  fail("truncated at a segment boundary (last segment dropped)", s.subarray(0, h + 2 * full), integrity("truncated"));
  fail("truncated after the first segment", s.subarray(0, h + full), integrity("truncated"));
  fail("truncated mid-segment (indistinguishable from tampering)", s.subarray(0, h + 2 * full + 300), integrity("auth_failed"));
  fail("truncated less than a tag into a segment", s.subarray(0, h + 2 * full + 10), integrity("truncated"));
  fail("segments swapped", concatBytes(s.subarray(0, h), at(1), at(0), s.subarray(h + 2 * full)), integrity("reordered"));
  fail("segment duplicated", concatBytes(s.subarray(0, h + full), at(0), s.subarray(h + full)), integrity("reordered"));
  fail("middle segment dropped", concatBytes(s.subarray(0, h + full), s.subarray(h + 2 * full)), integrity("reordered"));
  fail("trailing byte after a full last segment", concatBytes(one.sealed, Uint8Array.of(0)), integrity("trailing_data"));
  fail("trailing segment-sized data after two full segments", concatBytes(two.sealed, new Uint8Array(full)), integrity("trailing_data"));
  fail("5 trailing bytes after a partial last segment", concatBytes(s, seededBytes(5, 5)), integrity("trailing_data"));
  fail("wrong key", s, integrity("auth_failed"), { key: toHex(seededBytes(21, 32)) });
  fail("wrong object id", s, integrity("auth_failed"), { id: { utf8: "streams/0002" } });
  const other = await sealStream(backend, key, ctx, base.plaintext, { segmentLog2: 10, random: fixedRandom(seededBytes(2999, 16)) });
  fail(
    "segment from another stream of the same object",
    concatBytes(s.subarray(0, h + full), other.subarray(h + full, h + 2 * full), s.subarray(h + 2 * full)),
    integrity("auth_failed"),
  );
  const p = base.plaintext;
  const crafted = (segs: { plaintext: Uint8Array; last: boolean }[]) => craftStream(backend, key, ctx, 10, base.salt, segs);
  fail(
    "empty last segment after a full one",
    await crafted([
      { plaintext: p.subarray(0, seg), last: false },
      { plaintext: new Uint8Array(0), last: true },
    ]),
    integrity("bad_structure"),
  );
  fail(
    "last flag on the first of two segments",
    await crafted([
      { plaintext: p.subarray(0, seg), last: true },
      { plaintext: p.subarray(seg, seg + 10), last: true },
    ]),
    integrity("trailing_data"),
  );
  fail(
    "no segment has the last flag",
    await crafted([
      { plaintext: p.subarray(0, seg), last: false },
      { plaintext: p.subarray(seg, seg + 10), last: false },
    ]),
    integrity("truncated"),
  );
  return file(
    "stream",
    "spec/backup-format.md §6",
    "STREAM: header ‖ segments. key = base key; a success vector's salt is what the RandomSource returned. Segments of 2^segment_log2 bytes.",
    v,
  );
}
