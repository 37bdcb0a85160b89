/**
 * Proof that a live SQLite database did not change since the last backup (spec §8.5.2),
 * so that the backup can reuse the parent snapshot's page list instead of copying and
 * re-hashing the whole database.
 *
 * The fingerprint is SHA-256 over what any commit changes:
 * * the database file: device, inode, size, mtime and ctime in nanoseconds (ctime cannot
 *   be set from user space: any write moves it), the header's file change counter
 *   (offset 24, incremented by every rollback-mode commit) and its version-valid-for
 *   number and SQLite version (offsets 92–99);
 * * the `-wal` file: the same stat fields but ctime (see `describe`), its 32-byte header (salts change whenever the
 *   WAL restarts) and the header of its last frame (its checksum is cumulative over
 *   every frame before it, so appending a commit changes it); absent and empty are alike
 *   (an empty WAL holds nothing);
 * * the `-journal` file: the same stat fields (a hot journal is a transaction that a
 *   reader would roll back).
 * It is taken BEFORE the copy: a commit that lands during or after the copy moves it,
 * so the next backup copies again. Two fingerprints are equal only if none of the
 * database's files was written in between.
 */
import { createHash } from "node:crypto";
import { type BigIntStats, closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DB_FINGERPRINT_LABEL } from "@chatvault/format";

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** The fingerprint of the database at `dbPath` and its sidecars, as 64 hex digits; undefined when it cannot be taken. */
export function databaseFingerprint(dbPath: string): string | undefined {
  const h = createHash("sha256");
  h.update(`${DB_FINGERPRINT_LABEL}\n`);
  const db = readFile(dbPath, [
    [24, 4],
    [92, 8],
  ]);
  if (!db || db.stat.size < 100n) return undefined;
  h.update(describe("db", db));
  const wal = readFile(`${dbPath}-wal`, [[0, WAL_HEADER]]);
  if (wal && wal.stat.size > 0n) {
    // The WAL header's own page size (bytes 8–11) sizes its frames.
    const walPageSize = wal.bytes[0]!.length === WAL_HEADER ? wal.bytes[0]!.readUInt32BE(8) : 0;
    if (walPageSize < 512 || walPageSize > 65536) return undefined;
    const frame = FRAME_HEADER + walPageSize;
    const frames = wal.stat.size > BigInt(WAL_HEADER) ? (wal.stat.size - BigInt(WAL_HEADER)) / BigInt(frame) : 0n;
    const last = frames > 0n ? Number(BigInt(WAL_HEADER) + (frames - 1n) * BigInt(frame)) : -1;
    const withBytes = readFile(`${dbPath}-wal`, [[0, WAL_HEADER], ...(last >= 0 ? [[last, FRAME_HEADER] as [number, number]] : [])]);
    if (!withBytes) return undefined;
    h.update(describe("wal", withBytes));
  } else {
    h.update("wal:none\n");
  }
  const journal = readFile(`${dbPath}-journal`, []);
  h.update(journal && journal.stat.size > 0n ? describe("journal", journal) : "journal:none\n");
  return h.digest("hex");
}

interface FileFacts {
  stat: BigIntStats;
  bytes: Buffer[];
}

/**
 * One file's facts as text. The WAL's ctime is left out: SQLite running as root chowns
 * the `-wal` to the database's owner each time a connection opens it (our own copy
 * does), which moves its ctime without any write; its content is covered by size, mtime,
 * salts and the cumulative checksum instead.
 */
function describe(what: string, f: FileFacts): string {
  const s = f.stat;
  const ctime = what === "wal" ? "-" : String(s.ctimeNs);
  return `${what}:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${ctime}:${f.bytes.map((b) => b.toString("hex")).join(":")}\n`;
}

/** Stat and read the given (offset, length) ranges of one file through one descriptor; undefined if it does not exist or cannot be read. */
function readFile(path: string, ranges: [number, number][]): FileFacts | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    const bytes = ranges.map(([offset, length]) => {
      const b = Buffer.alloc(length);
      const n = readSync(fd, b, 0, length, offset);
      return b.subarray(0, n);
    });
    return { stat, bytes };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
