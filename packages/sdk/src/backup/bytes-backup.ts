/**
 * Backup of sources held in memory (a browser's SQLite-in-WASM export, a few media
 * blobs). Same format, same session and commit order as the Node backup; only the way
 * bytes are read differs.
 */
import { Chunker, gearTable } from "@chatvault/format";
import { SourceError } from "../errors.ts";
import type { ProgressListener } from "../progress.ts";
import type { HeadStore } from "../repo/head.ts";
import type { LockOptions } from "../repo/lock.ts";
import type { DatabaseEntry, MediaEntry } from "../repo/manifest.ts";
import type { Repository } from "../repo/repository.ts";
import type { Compressor } from "./compressor.ts";
import { looksCompressible } from "./compressor.ts";
import { type BackupResult, BackupSession } from "./session.ts";

export interface BytesDatabase {
  name: string;
  bytes: Uint8Array;
}

export interface BytesMedia {
  path: string;
  bytes: Uint8Array;
  mtimeMs: number;
}

export interface BytesBackupOptions {
  repo: Repository;
  heads: HeadStore;
  compressor: Compressor;
  database?: BytesDatabase;
  media?: BytesMedia[];
  host?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Repository lock settings (spec §8.11). */
  lock?: LockOptions;
}

const SQLITE_MAGIC = "SQLite format 3\0";

/** Page size of a SQLite database image, from its header (offset 16, big-endian; 1 means 65536). */
export function sqlitePageSize(bytes: Uint8Array): number {
  const magic = String.fromCharCode(...bytes.subarray(0, 16));
  if (bytes.length < 100 || magic !== SQLITE_MAGIC) throw new SourceError("the chat database is not a SQLite database");
  const raw = (bytes[16]! << 8) | bytes[17]!;
  const size = raw === 1 ? 65536 : raw;
  if (size < 512 || size > 65536 || (size & (size - 1)) !== 0 || bytes.length % size !== 0) {
    throw new SourceError("the chat database has an invalid page size or is cut short");
  }
  return size;
}

export async function backupBytes(opts: BytesBackupOptions): Promise<BackupResult> {
  const session = await BackupSession.begin(opts.repo, opts.heads, {
    compressor: opts.compressor,
    onProgress: opts.onProgress,
    signal: opts.signal,
    lock: { operation: "backup", host: opts.host ?? "browser", ...opts.lock },
  });
  try {
    return await backupSession(session, opts);
  } finally {
    await session.end();
  }
}

async function backupSession(session: BackupSession, opts: BytesBackupOptions): Promise<BackupResult> {
  const { progress, store } = session;
  const media = opts.media ?? [];
  progress.bytesTotal = (opts.database?.bytes.length ?? 0) + media.reduce((n, m) => n + m.bytes.length, 0);
  progress.filesTotal = (opts.database ? 1 : 0) + media.length;
  let database: DatabaseEntry | null = null;
  if (opts.database) {
    const { name, bytes } = opts.database;
    const pageSize = sqlitePageSize(bytes);
    progress.setPhase("database");
    const pages: Uint8Array[] = [];
    for (let o = 0; o < bytes.length; o += pageSize) {
      pages.push(await store.store(bytes.subarray(o, o + pageSize), true));
      progress.advance(pageSize);
      if (pages.length % 256 === 0) session.check();
    }
    session.databaseRead(bytes.length);
    progress.advance(0, 1);
    database = { name, pageSize, pageCount: bytes.length / pageSize, pages };
  }
  progress.setPhase("media");
  const gear = gearTable(opts.repo.keys);
  const entries: MediaEntry[] = [];
  for (const m of media) {
    session.check();
    const unchanged = session.unchangedMedia({ path: m.path, size: m.bytes.length, mtimeMs: m.mtimeMs });
    if (unchanged) {
      entries.push(session.keepUnchanged(unchanged));
      continue;
    }
    const chunker = new Chunker(gear, opts.repo.config.chunker);
    const chunks: Uint8Array[] = [];
    const compressible = looksCompressible(m.path);
    for (const c of [...chunker.push(m.bytes), ...chunker.finish()]) chunks.push(await store.store(c, compressible));
    entries.push(session.mediaRead(m, m.bytes.length, chunks));
    progress.advance(m.bytes.length, 1);
  }
  return session.commit(database, entries, opts.host ?? "browser");
}
