/**
 * Walk a media folder: regular files only, in a stable order (sorted by path), paths
 * relative and `/`-separated. The folder itself may be a symlink (the user named it);
 * links and special files inside it are skipped (a backup should not follow links out of
 * the folder). What cannot be read — a file or folder without permission, one deleted
 * while we walk — is skipped with its reason; it never fails the whole backup.
 *
 * Names are read as raw bytes: a name that is not UTF-8, or holds a backslash, cannot be
 * a manifest `path`, so it gets a display path and its exact bytes (`rawPath`, spec
 * §8.5.1) and is restored under those bytes.
 *
 * The folder is read with synchronous `readdir`/`lstat` calls: each asynchronous one is a
 * round trip through libuv's thread pool and the event loop (~0.15 ms here), and a walk
 * makes one per file and folder in sequence — 170 ms of the 450 ms no-change backup of the
 * bench corpus (984 files), against ~10 ms this way (docs/performance.md). The walk still
 * yields to the event loop every {@link YIELD_MS} ms, so signals and timers are served.
 * Entries' types come with the folder's `readdir`: folders, links and special files need
 * no `lstat` (and no Stats object), only files do, for their size and mtime.
 */
import { type Dirent, lstatSync, readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { SourceError } from "../errors.ts";
import type { ExcludeRules } from "../select/exclude.ts";
import type { SkippedFile } from "../backup/session.ts";
import { describeErrno } from "./local-errors.ts";

export interface MediaFile {
  /** The manifest path: relative, `/`-separated UTF-8 (a display form when `rawPath` is set). */
  path: string;
  /** The path's exact bytes, when they are not UTF-8 or hold a backslash. */
  rawPath?: Uint8Array;
  /** Absolute path, as bytes when the name is not UTF-8. */
  absolute: string | Uint8Array;
  size: number;
  mtimeMs: number;
}

const SLASH_BYTE = Buffer.of(0x2f);
/** Longest stretch the walk keeps the event loop to itself. */
const YIELD_MS = 10;
const BACKSLASH = 0x5c;
const strict = new TextDecoder("utf-8", { fatal: true });
const lossy = new TextDecoder("utf-8");

/**
 * The UTF-8 string of a name, or undefined when it must be carried as raw bytes. Most
 * names are ASCII: those are read as latin1 after one pass over their bytes, without the
 * strict decoder's try/catch per name (a tenth of the walk's CPU on the bench corpus).
 */
function plainName(name: Buffer): string | undefined {
  let ascii = true;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === BACKSLASH) return undefined;
    if (c >= 0x80) ascii = false;
  }
  if (ascii) return name.toString("latin1");
  try {
    return strict.decode(name);
  } catch {
    return undefined;
  }
}

/** A readable stand-in for a raw name: invalid bytes and backslashes become U+FFFD. */
function displayName(name: Buffer): string {
  return lossy.decode(name).replaceAll("\\", "\uFFFD");
}

/** `exclude`: paths it matches (files, or folders with everything in them) are left out, silently (docs/cli.md). */
export async function walkMedia(root: string, exclude?: ExcludeRules): Promise<{ files: MediaFile[]; skipped: SkippedFile[] }> {
  const files: MediaFile[] = [];
  const skipped: SkippedFile[] = [];
  try {
    // stat, not lstat: `--media` given as a symlink to a folder is that folder.
    const st = await stat(root);
    if (!st.isDirectory()) throw new SourceError(`media folder ${root} is not a folder: give the folder that holds the media files`);
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new SourceError(`media folder ${root} cannot be read: ${describeErrno(e)}`, e);
  }
  const skip = (path: string, reason: SkippedFile["reason"], e?: unknown) => {
    skipped.push({ path, reason, ...(e ? { detail: describeErrno(e) } : {}) });
  };
  let since = performance.now();
  const due = () => performance.now() - since >= YIELD_MS;
  const breathe = async () => {
    await new Promise((r) => setImmediate(r));
    since = performance.now();
  };
  // A folder's absolute path is a string while every name down to it is plain UTF-8 (one
  // string join per entry and no buffer), and bytes from the first raw name down.
  async function visit(dir: string | Buffer, rel: string, relRaw: Buffer | undefined): Promise<void> {
    let entries: Dirent<Buffer>[];
    if (due()) await breathe();
    try {
      entries = readdirSync(dir, { encoding: "buffer", withFileTypes: true });
    } catch (e) {
      if (rel === "") throw new SourceError(`media folder ${root} cannot be read: ${describeErrno(e)}`, e);
      skip(rel, vanished(e) ? "vanished" : "unreadable", e);
      return;
    }
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) {
      const name = entry.name;
      const plain = plainName(name);
      const segment = plain ?? displayName(name);
      const path = rel ? `${rel}/${segment}` : segment;
      if (exclude?.excludes(path)) continue;
      // Raw bytes are needed from the first raw segment down.
      const raw = plain === undefined || relRaw ? Buffer.concat(relRaw ? [relRaw, SLASH_BYTE, name] : [Buffer.from(rel ? `${rel}/` : ""), name]) : undefined;
      const abs =
        typeof dir === "string" && plain !== undefined
          ? `${dir}/${plain}`
          : Buffer.concat([typeof dir === "string" ? Buffer.from(dir) : dir, SLASH_BYTE, name]);
      // The entry's type says which entries are folders, links or special files: only a
      // file (or an entry of no reported type) needs lstat, for its size and mtime.
      if (entry.isDirectory()) {
        await visit(abs, path, raw);
        continue;
      }
      if (entry.isSymbolicLink()) {
        skip(path, "symlink");
        continue;
      }
      if (entry.isFIFO() || entry.isSocket() || entry.isBlockDevice() || entry.isCharacterDevice()) {
        skip(path, "not_a_file");
        continue;
      }
      let st;
      if (due()) await breathe();
      try {
        st = lstatSync(abs);
      } catch (e) {
        skip(path, vanished(e) ? "vanished" : "unreadable", e);
        continue;
      }
      if (st.isDirectory()) await visit(abs, path, raw);
      else if (st.isFile()) {
        files.push({
          path,
          ...(raw ? { rawPath: new Uint8Array(raw) } : {}),
          absolute: typeof abs === "string" ? abs : new Uint8Array(abs),
          size: st.size,
          mtimeMs: st.mtimeMs,
        });
      } else skip(path, st.isSymbolicLink() ? "symlink" : "not_a_file");
    }
  }
  await visit(root.replace(/\/+$/, "") || "/", "", undefined);
  // Manifest paths must be unique: a display form that equals a plain path, or another
  // display form, gets a `~N` suffix (spec §8.5.1). Plain paths never change.
  const taken = new Set(files.filter((f) => !f.rawPath).map((f) => f.path));
  for (const f of files) {
    if (!f.rawPath) continue;
    let path = f.path;
    for (let n = 2; taken.has(path); n++) path = `${f.path}~${n}`;
    taken.add(path);
    f.path = path;
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}

function vanished(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
