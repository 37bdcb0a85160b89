/**
 * Snapshot manifests (spec §8.5): what one backup contains, STREAM-sealed under the
 * metadata key and bound to (repository ID, sequence). Manifests chain by the parent's
 * sequence and digest, so a storage provider cannot splice or reorder history.
 */
import { IntegrityError, base64UrlLength, fromBase64Url, fromUtf8, toBase64Url, utf8, writeBase64Url } from "@chatvault/format";

export interface DatabaseEntry {
  /** File name of the database, e.g. "msgstore.db". */
  name: string;
  pageSize: number;
  pageCount: number;
  /** Chunk IDs of the pages, in page order. */
  pages: Uint8Array[];
  /**
   * Fingerprint of the source database's files, taken before the copy (spec §8.5.2): a
   * later backup that finds the same fingerprint reuses `pages` without copying. 64 hex.
   */
  source?: string;
}

export interface MediaEntry {
  /** Path relative to the media folder, `/`-separated (a display form when `rawPath` is set). */
  path: string;
  /** The path's exact bytes when they are not UTF-8 or hold a backslash (spec §8.5.1). */
  rawPath?: Uint8Array;
  size: number;
  mtimeMs: number;
  chunks: Uint8Array[];
}

export interface SnapshotStats {
  filesNew: number;
  filesChanged: number;
  filesUnchanged: number;
  bytesRead: number;
  bytesStored: number;
  chunksNew: number;
}

/**
 * Where a version 2 manifest keeps its file lists (spec §8.5.3): the chunk IDs of the
 * listing, in order, and its length in bytes.
 */
export interface ManifestListing {
  length: number;
  chunks: Uint8Array[];
}

export interface SnapshotManifest {
  /** 1: database and media inline; 2: in listing chunks (spec §8.5.3). */
  version: 1 | 2;
  repoId: string;
  sequence: number;
  parent: { sequence: number; digest: string } | null;
  time: string;
  host: string;
  database: DatabaseEntry | null;
  media: MediaEntry[];
  stats: SnapshotStats;
  /** Version 2: the listing chunks that hold `database` and `media`. */
  listing?: ManifestListing;
}

const ID = 32;

function packIds(ids: Uint8Array[]): string {
  const out = new Uint8Array(ids.length * ID);
  ids.forEach((id, i) => out.set(id, i * ID));
  return toBase64Url(out);
}

function unpackIds(s: unknown, what: string): Uint8Array[] {
  return viewIds(unpackIdBytes(s, what));
}

/** A packed chunk list's bytes (32 per ID), checked. */
function unpackIdBytes(s: unknown, what: string): Uint8Array {
  if (typeof s !== "string") throw bad(`${what}: chunk list missing`);
  let b: Uint8Array;
  try {
    b = fromBase64Url(s);
  } catch {
    throw bad(`${what}: chunk list is not base64url`);
  }
  if (b.length % ID !== 0) throw bad(`${what}: chunk list length is not a multiple of 32`);
  return b;
}

function viewIds(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = new Array(b.length / ID);
  for (let i = 0, o = 0; o < b.length; i++, o += ID) out[i] = b.subarray(o, o + ID);
  return out;
}

/**
 * Page lists of decoded database entries that nobody has read yet: the IDs packed in one
 * buffer, 32 bytes each. A database entry decoded from a manifest or listing makes its
 * `pages` array (one view per page: 46,000 on the bench corpus, and the garbage
 * collections they cost) only when `pages` is first read; a no-change backup never reads
 * it — it checks the packed IDs against the index (`packedPages`) and reuses the parent's
 * listing. Reading or assigning `pages` drops the entry from this map, so what is here
 * always equals `pages`.
 */
const packedPageLists = new WeakMap<DatabaseEntry, Uint8Array>();

/** A database entry whose `pages` are made from `packed` (32 bytes per ID) when first read. */
function withPackedPages(fields: Omit<DatabaseEntry, "pages">, packed: Uint8Array): DatabaseEntry {
  const { name, pageSize, pageCount, ...rest } = fields;
  // `pages` keeps its place among the keys (the listing's JSON keeps this order).
  const e: DatabaseEntry = { name, pageSize, pageCount, pages: [], ...rest };
  const settle = (pages: Uint8Array[]): void => {
    packedPageLists.delete(e);
    Object.defineProperty(e, "pages", { value: pages, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(e, "pages", {
    enumerable: true,
    configurable: true,
    get: () => {
      const pages = viewIds(packed);
      settle(pages);
      return pages;
    },
    set: settle,
  });
  packedPageLists.set(e, packed);
  return e;
}

/**
 * A new database entry whose page IDs are `packed` (32 bytes per page, in page order), as a
 * backup computed them: `pages` is made on first read, and the listing encodes straight
 * from the packed bytes — no view per page (45,829 on the bench corpus) for a backup that
 * never reads them.
 * @throws {RangeError} if `packed` is not 32 bytes per page
 */
export function databaseEntryFromPacked(fields: Omit<DatabaseEntry, "pages">, packed: Uint8Array): DatabaseEntry {
  if (packed.length !== fields.pageCount * ID) throw new RangeError("packed must hold 32 bytes per page");
  return withPackedPages(fields, packed);
}

/**
 * The entry's page IDs packed in one buffer (32 bytes each, in page order) while its
 * `pages` array has not been made; undefined once it has (then read `pages`). Do not modify.
 */
export function packedPages(e: DatabaseEntry): Uint8Array | undefined {
  return packedPageLists.get(e);
}

/** A copy of a database entry; one whose `pages` were never read stays so, sharing the packed IDs. */
export function copyDatabaseEntry(e: DatabaseEntry): DatabaseEntry {
  const packed = packedPageLists.get(e);
  if (!packed) return { ...e };
  const { name, pageSize, pageCount, source } = e;
  return withPackedPages({ name, pageSize, pageCount, ...(source !== undefined ? { source } : {}) }, packed);
}

/** Do both entries hold the very same page list (the same array, or the same packed IDs never unpacked)? Compares identity, not contents. */
export function samePageList(a: DatabaseEntry, b: DatabaseEntry): boolean {
  const pa = packedPageLists.get(a);
  const pb = packedPageLists.get(b);
  if (pa || pb) return pa === pb;
  return a.pages === b.pages;
}

function bad(message: string): IntegrityError {
  return new IntegrityError("bad_structure", `snapshot manifest: ${message}`);
}

/** The file lists of a manifest as their own JSON document (version 1 inline, version 2 the listing, spec §8.5.3). */
function contentsJson(database: DatabaseEntry | null, media: MediaEntry[], pagesAs?: string): { database: unknown; media: unknown[] } {
  return {
    database: database && databaseJson(database, pagesAs),
    media: media.map((f) => ({ ...f, chunks: packIds(f.chunks), ...(f.rawPath ? { rawPath: toBase64Url(f.rawPath) } : {}) })),
  };
}

/** The entry as JSON has it: its own fields in their order, `pages` packed (straight from the packed IDs when they were never unpacked). */
function databaseJson(database: DatabaseEntry, pagesAs?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const packed = packedPageLists.get(database);
  for (const k of Object.keys(database) as (keyof DatabaseEntry)[]) {
    out[k] = k !== "pages" ? database[k] : pagesAs !== undefined ? pagesAs : packed ? toBase64Url(packed) : packIds(database.pages);
  }
  return out;
}

const PAGES_KEY = utf8(`"pages":"`);
/** Page lists shorter than this (in bytes, or characters of their text) are written and parsed with the rest: the way round saves little. */
const LONG_PAGE_LIST = 8192;

/** How the stand-in for a long page list appears in the listing's JSON text (`JSON.stringify` writes U+0000 as this escape). */
const PAGES_STAND_IN = `"pages":"\\u0000"`;

/**
 * The listing of a version 2 manifest: UTF-8 JSON `{database, media}` (spec §8.5.3). A long
 * packed page list (a backup's new entry) is written as base64url straight from its bytes
 * into the listing's bytes: the JSON text is made with a one-character stand-in, and the
 * list's text never exists as a string — before, the list's base64url string, the JSON
 * text holding it and their UTF-8 bytes were all alive at once at the commit (+20 MiB of RSS at that step of a day after at 3
 * million messages; docs/performance.md). The bytes are the same as before
 * (`manifest-pages.test.ts`).
 */
export function encodeListing(database: DatabaseEntry | null, media: MediaEntry[]): Uint8Array {
  const packed = database ? packedPageLists.get(database) : undefined;
  if (packed && packed.length >= LONG_PAGE_LIST) {
    // U+0000 is in no name (safe paths hold no NUL), so the stand-in is found once, where it was put.
    const text = JSON.stringify(contentsJson(database, media, "\u0000"));
    const at = text.indexOf(PAGES_STAND_IN);
    if (at >= 0 && text.indexOf(PAGES_STAND_IN, at + 1) < 0) {
      const head = utf8(text.slice(0, at + PAGES_KEY.length));
      const tail = utf8(text.slice(at + PAGES_STAND_IN.length - 1));
      const n = base64UrlLength(packed.length);
      const out = new Uint8Array(head.length + n + tail.length);
      out.set(head, 0);
      writeBase64Url(packed, out, head.length);
      out.set(tail, head.length + n);
      return out;
    }
  }
  return utf8(JSON.stringify(contentsJson(database, media)));
}

export function encodeManifest(m: SnapshotManifest): Uint8Array {
  if (m.version === 2) {
    if (!m.listing) throw new TypeError("a version 2 manifest needs its listing");
    const { database: _d, media: _m, listing, ...rest } = m;
    return utf8(JSON.stringify({ ...rest, listing: { length: listing.length, chunks: packIds(listing.chunks) } }));
  }
  const { listing: _l, ...rest } = m;
  return utf8(JSON.stringify({ ...rest, ...contentsJson(m.database, m.media) }));
}

/** A safe relative path: no absolute paths, no `..`, no empty or `.` segments, no NUL or backslash. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 4096 || p.startsWith("/") || p.includes("\0") || p.includes("\\")) return false;
  return p.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

/**
 * A safe raw relative path (spec §8.5.1): bytes, `/`-separated, no empty, `.` or `..`
 * segment, no NUL, not absolute. Backslashes and non-UTF-8 bytes are what it is for.
 */
export function isSafeRawPath(p: Uint8Array): boolean {
  if (p.length === 0 || p.length > 4096 || p[0] === 0x2f || p.includes(0)) return false;
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i < p.length && p[i] !== 0x2f) continue;
    const len = i - start;
    if (len === 0 || (len === 1 && p[start] === 0x2e) || (len === 2 && p[start] === 0x2e && p[start + 1] === 0x2e)) return false;
    start = i + 1;
  }
  return true;
}

function rawPathOf(v: unknown, i: number): Uint8Array | undefined {
  if (v === undefined) return undefined;
  let b: Uint8Array;
  try {
    if (typeof v !== "string") throw new Error();
    b = fromBase64Url(v);
  } catch {
    throw bad(`media entry ${i}: rawPath is not base64url`);
  }
  if (!isSafeRawPath(b)) throw bad(`media entry ${i}: rawPath is not a safe relative path`);
  // Only a path that `path` cannot carry may be raw: then no raw path equals a plain one.
  if (!b.includes(0x5c) && isUtf8(b)) throw bad(`media entry ${i}: rawPath is plain UTF-8 (it belongs in path)`);
  return b;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function isUtf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

const nat = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Parse a manifest. A version 2 manifest comes back with `listing` set and `database`
 * null, `media` empty: the caller fetches the listing chunks and calls `applyListing`
 * (Repository.readSnapshot does).
 */
export function decodeManifest(bytes: Uint8Array): SnapshotManifest {
  const j = parseJson(bytes, "not valid JSON");
  if (j.version !== 1 && j.version !== 2) throw new IntegrityError("unsupported_version", `snapshot version ${String(j.version)} is not supported`);
  if (typeof j.repoId !== "string" || !nat(j.sequence) || typeof j.time !== "string" || typeof j.host !== "string") throw bad("missing fields");
  const parent = j.parent as { sequence?: unknown; digest?: unknown } | null;
  if (parent !== null && (typeof parent !== "object" || !nat(parent.sequence) || typeof parent.digest !== "string")) throw bad("bad parent");
  let contents: { database: DatabaseEntry | null; media: MediaEntry[] } = { database: null, media: [] };
  let listing: ManifestListing | undefined;
  if (j.version === 1) {
    contents = decodeContents(j);
  } else {
    if ("database" in j || "media" in j) throw bad("a version 2 manifest keeps its files in its listing");
    const l = j.listing as Record<string, unknown> | null;
    if (!l || typeof l !== "object" || !nat(l.length)) throw bad("bad listing");
    const chunks = unpackIds(l.chunks, "listing");
    if ((l.length === 0) !== (chunks.length === 0)) throw bad("listing length does not match its chunks");
    listing = { length: l.length, chunks };
  }
  const s = (j.stats ?? {}) as Record<string, unknown>;
  const stat = (k: string): number => (nat(s[k]) ? (s[k] as number) : 0);
  return {
    version: j.version,
    repoId: j.repoId,
    sequence: j.sequence,
    parent: parent === null ? null : { sequence: parent.sequence as number, digest: parent.digest as string },
    time: j.time,
    host: j.host,
    ...contents,
    stats: {
      filesNew: stat("filesNew"),
      filesChanged: stat("filesChanged"),
      filesUnchanged: stat("filesUnchanged"),
      bytesRead: stat("bytesRead"),
      bytesStored: stat("bytesStored"),
      chunksNew: stat("chunksNew"),
    },
    ...(listing ? { listing } : {}),
  };
}

/**
 * The full manifest from a version 2 manifest and its listing bytes (the listing chunks'
 * plaintexts concatenated, each already checked against its chunk ID, spec §8.5.3).
 */
export function applyListing(m: SnapshotManifest, bytes: Uint8Array): SnapshotManifest {
  if (!m.listing) throw new TypeError("not a version 2 manifest");
  if (bytes.length !== m.listing.length) throw bad(`listing is ${bytes.length} bytes, the manifest says ${m.listing.length}`);
  if (bytes.length === 0) throw bad("listing is empty");
  const j = listingWithoutItsPageText(bytes) ?? parseJson(bytes, "listing is not valid JSON");
  if (Object.keys(j).some((k) => k !== "database" && k !== "media")) throw bad("listing holds unknown fields");
  return { ...m, ...decodeContents(j) };
}

/**
 * The listing parsed without ever holding its whole text as one string: the database's
 * packed page list, most of the listing (45,829 pages: 1.96 MB of base64url; 10 million
 * messages: ~20 MB), is cut out of the bytes before the rest is decoded and parsed, and
 * decoded on its own. Parsing the whole text held the text and the page list's string
 * copy at once (docs/performance.md). Undefined whenever this is not provably what
 * `JSON.parse` of the whole text gives; the caller then parses the whole text, so every
 * listing is accepted or refused exactly as before. The proof: the listing holds no
 * backslash, so no string in it has an escape and every `"` delimits a string; the page
 * list's string (up to the next quote) is replaced by the escape `\u0000`, which no string of an
 * escape-free text can hold; the text with the escape parses, and `database.pages` is
 * that escape alone. Then that string token, bounded by the same quotes in both texts, is
 * the page list of the whole text (the last of any duplicate keys: a dropped duplicate
 * would not be the value), and everything else is the same bytes. (One difference: a
 * raw control character inside the page list is refused as "not base64url", not as "not
 * valid JSON" — refused all the same.)
 */
function listingWithoutItsPageText(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.includes(0x5c)) return undefined;
  const key = indexOfBytes(bytes, PAGES_KEY);
  if (key < 0) return undefined;
  const start = key + PAGES_KEY.length;
  // The string's end: the next quote (no escapes). Its bytes are checked as base64url
  // where every page list is, in `unpackIdBytes`.
  const end = bytes.indexOf(0x22, start);
  if (end - start < LONG_PAGE_LIST) return undefined;
  let j: unknown;
  let pages: string;
  try {
    j = JSON.parse(`${fromUtf8(bytes.subarray(0, start))}\\u0000${fromUtf8(bytes.subarray(end))}`);
    pages = fromUtf8(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
  if (!j || typeof j !== "object" || Array.isArray(j)) return undefined;
  const db = (j as Record<string, unknown>).database as Record<string, unknown> | null | undefined;
  if (!db || typeof db !== "object" || !Object.hasOwn(db, "pages") || db.pages !== "\u0000") return undefined;
  db.pages = pages;
  return j as Record<string, unknown>;
}

/** Where `needle` first occurs in `hay`, or -1. */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let j: unknown;
  try {
    j = JSON.parse(fromUtf8(bytes));
  } catch {
    throw bad(what);
  }
  if (!j || typeof j !== "object" || Array.isArray(j)) throw bad("not an object");
  return j as Record<string, unknown>;
}

/** `database` and `media` of a version 1 manifest or a version 2 listing (spec §8.5). */
function decodeContents(j: Record<string, unknown>): { database: DatabaseEntry | null; media: MediaEntry[] } {
  const db = j.database as Record<string, unknown> | null;
  let database: DatabaseEntry | null = null;
  if (db === undefined) throw bad("database entry missing");
  if (db !== null) {
    if (typeof db !== "object" || typeof db.name !== "string" || !isSafeRelativePath(db.name) || db.name.includes("/")) throw bad("bad database entry");
    if (!nat(db.pageSize) || !nat(db.pageCount) || db.pageSize < 512 || db.pageSize > 65536) throw bad("bad database page size or count");
    const pages = unpackIdBytes(db.pages, "database");
    if (pages.length / ID !== db.pageCount) throw bad("database page list does not match its page count");
    if (db.source !== undefined && (typeof db.source !== "string" || !/^[0-9a-f]{64}$/.test(db.source))) throw bad("bad database source fingerprint");
    database = withPackedPages(
      { name: db.name, pageSize: db.pageSize, pageCount: db.pageCount, ...(db.source !== undefined ? { source: db.source } : {}) },
      pages,
    );
  }
  if (!Array.isArray(j.media)) throw bad("media list missing");
  const seen = new Set<string>();
  const media = (j.media as Record<string, unknown>[]).map((f, i) => {
    if (!f || typeof f.path !== "string" || !isSafeRelativePath(f.path) || !nat(f.size) || typeof f.mtimeMs !== "number")
      throw bad(`media entry ${i} is malformed`);
    if (seen.has(f.path)) throw bad(`media path ${f.path} appears twice`);
    seen.add(f.path);
    const rawPath = rawPathOf(f.rawPath, i);
    if (rawPath) {
      // Raw paths must be unique too, and distinct from every plain path (§8.5.1).
      const key = `\0${toBase64Url(rawPath)}`;
      if (seen.has(key)) throw bad(`media entry ${i}: rawPath appears twice`);
      seen.add(key);
    }
    return { path: f.path, ...(rawPath ? { rawPath } : {}), size: f.size, mtimeMs: f.mtimeMs, chunks: unpackIds(f.chunks, `media ${i}`) };
  });
  return { database, media };
}
