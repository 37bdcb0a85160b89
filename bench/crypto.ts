/**
 * Ceilings, measured in the same run as everything else (docs/performance.md, Targets: the
 * sealing and vault targets are ratios to these): raw node:crypto AES-256-GCM and SHA-256,
 * chatvault's sealing and chunker as ratios to raw AES-GCM, the disk's sequential
 * write/read, and the bare OPAQUE server login step. All on one core, per CPU-second (see
 * `throughput`); each figure is the best of a few interleaved rounds (the machine is
 * shared, so the best round is the one least disturbed). The disk figures are wall time.
 */
import { spawnSync } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { closeSync, constants, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Chunker, KeySchedule, ObjectKind, generateRootKey, gearTable, openStream, sealObject, sealObjectParts, sealStream } from "@chatvault/format";
import { nodeCryptoBackend } from "@chatvault/format/node";
import { NEW_REPOSITORY_CHUNKER } from "@chatvault/sdk/core";
import type { Ceilings } from "./results.ts";
import { MiB } from "./stats.ts";
import { opaqueCeiling } from "./vault-ceiling.ts";

export interface CryptoOptions {
  /** Seconds per measurement per round. */
  seconds: number;
  rounds: number;
  /** Size of the disk test file. */
  diskBytes: number;
  /** bench/work: the disk test writes here. */
  work: string;
  /** Logins timed for the OPAQUE ceiling. */
  opaqueLogins: number;
  log: (line: string) => void;
}

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Runs `step` (which processes `bytesPerStep` bytes) for about `seconds` of CPU; returns
 * MiB per CPU-second. A one-core ceiling is what one core does per second of its own
 * time: on a shared machine, wall time would also count the time the scheduler gave to
 * other work (on an idle machine the two agree). Conservative: GC helper threads'
 * time counts too.
 */
async function throughput(seconds: number, bytesPerStep: number, step: () => unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await step(); // warm-up: JIT and OpenSSL contexts
  let n = 0;
  const t0 = cpuSeconds();
  let t = t0;
  while (t < t0 + seconds) {
    await step();
    n++;
    if ((n & 3) === 0) t = cpuSeconds();
  }
  t = cpuSeconds();
  return (n * bytesPerStep) / MiB / (t - t0);
}

export async function runCryptoBench(opts: CryptoOptions): Promise<Ceilings> {
  const { log } = opts;
  const buf = randomBytes(MiB);
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const keys = await KeySchedule.derive(generateRootKey(), nodeCryptoBackend);
  const chunkKey = keys.chunkEncryption.unsafeBytes();
  const metaKey = keys.metadataEncryption.unsafeBytes();
  const chunkIdBytes = randomBytes(32);
  const chunker = new Chunker(gearTable(keys));
  // The size a new repository's media chunks average (spec §7.1, NEW_REPOSITORY_CHUNKER),
  // sealed from a buffer of at least 1 MiB: what the chunk path really gets per chunk.
  const mediaChunk = NEW_REPOSITORY_CHUNKER.avg;
  const mediaBuf = mediaChunk > MiB ? randomBytes(mediaChunk) : buf;
  const streamCtx = { kind: ObjectKind.stream, id: "bench" };
  const sealedStream = await sealStream(nodeCryptoBackend, metaKey, streamCtx, buf);

  const measures: Record<string, () => unknown> = {
    aes: () => {
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.update(buf);
      c.final();
      return c.getAuthTag();
    },
    // Raw AES-GCM on the same 64 KiB pieces sealObject gets: separates the cost of the
    // chunk size (one cipher context per chunk) from the cost of chatvault's wrapper.
    aes64k: () => {
      for (let off = 0; off < MiB; off += 64 * 1024) {
        const c = createCipheriv("aes-256-gcm", key, iv);
        c.update(buf.subarray(off, off + 64 * 1024));
        c.final();
        c.getAuthTag();
      }
    },
    sha: () => createHash("sha256").update(buf).digest(),
    sealObject: async () => {
      for (let off = 0; off < MiB; off += 64 * 1024) {
        await sealObject(nodeCryptoBackend, chunkKey, { kind: ObjectKind.chunk, id: chunkIdBytes }, buf.subarray(off, off + 64 * 1024));
      }
    },
    // What the backup calls per chunk (chunk-store.ts sealChunk): the sealed pieces, which it
    // then copies into its part once, as it copied sealObject's single buffer before.
    sealChunk: async () => {
      for (let off = 0; off < MiB; off += 64 * 1024) {
        await sealObjectParts(nodeCryptoBackend, chunkKey, { kind: ObjectKind.chunk, id: chunkIdBytes }, buf.subarray(off, off + 64 * 1024));
      }
    },
    sealChunkNew: async () => {
      for (let off = 0; off < mediaBuf.length; off += mediaChunk) {
        await sealObjectParts(nodeCryptoBackend, chunkKey, { kind: ObjectKind.chunk, id: chunkIdBytes }, mediaBuf.subarray(off, off + mediaChunk));
      }
    },
    sealStream: () => sealStream(nodeCryptoBackend, metaKey, streamCtx, buf),
    openStream: () => openStream(nodeCryptoBackend, metaKey, streamCtx, sealedStream),
    chunker: () => chunker.push(buf),
  };
  const best: Record<string, number> = {};
  for (let r = 0; r < opts.rounds; r++) {
    for (const [name, step] of Object.entries(measures)) {
      const v = await throughput(opts.seconds, name === "sealChunkNew" ? mediaBuf.length : MiB, step);
      best[name] = Math.max(best[name] ?? 0, v);
    }
  }
  const aes = best.aes!;
  log(
    `AES-256-GCM ${aes.toFixed(0)} MiB/s (64 KiB pieces: ${best.aes64k!.toFixed(0)}), SHA-256 ${best.sha!.toFixed(0)} MiB/s, sealObject ${best.sealObject!.toFixed(0)} MiB/s (chunk path ${best.sealChunk!.toFixed(0)}; at ${mediaChunk / 1024} KiB chunks ${best.sealChunkNew!.toFixed(0)}), STREAM seal ${best.sealStream!.toFixed(0)} / open ${best.openStream!.toFixed(0)} MiB/s, chunker ${best.chunker!.toFixed(0)} MiB/s`,
  );

  const disk = diskSequential(opts.work, opts.diskBytes, log);
  const opaque = await opaqueCeiling(opts.opaqueLogins, log).catch((e: unknown) => {
    log(`OPAQUE ceiling not measured: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  });
  return {
    aes_gcm_mib_s: aes,
    aes_gcm_64k_mib_s: best.aes64k!,
    sha256_mib_s: best.sha!,
    seal_object_mib_s: best.sealObject!,
    seal_object_ratio: best.sealObject! / aes,
    seal_chunk_mib_s: best.sealChunk!,
    seal_chunk_ratio: best.sealChunk! / aes,
    seal_chunk_new_bytes: mediaChunk,
    seal_chunk_new_mib_s: best.sealChunkNew!,
    seal_chunk_new_ratio: best.sealChunkNew! / aes,
    seal_stream_mib_s: best.sealStream!,
    seal_stream_ratio: best.sealStream! / aes,
    open_stream_mib_s: best.openStream!,
    open_stream_ratio: best.openStream! / aes,
    chunker_mib_s: best.chunker!,
    chunker_ratio: best.chunker! / aes,
    disk_write_mib_s: disk.write,
    disk_write_buffered_mib_s: disk.buffered,
    disk_write_direct_mib_s: disk.direct,
    disk_read_mib_s: disk.read,
    opaque_logins_per_s_core: opaque,
  };
}

/**
 * `bytes` written to a new `file` with `O_DIRECT` from page-aligned memory (a
 * `WebAssembly.Memory`) in 4 MiB writes, then fdatasync: MiB/s, or null where the platform
 * or filesystem refuses direct I/O.
 */
function directWrite(file: string, content: Uint8Array, bytes: number): number | null {
  const O_DIRECT = (constants as { O_DIRECT?: number }).O_DIRECT;
  if (O_DIRECT === undefined) return null;
  const block = new Uint8Array(new WebAssembly.Memory({ initial: (4 * MiB) / 65536, maximum: (4 * MiB) / 65536 }).buffer);
  block.set(content.subarray(0, block.length));
  const view = new DataView(block.buffer);
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_DIRECT, 0o600);
  } catch {
    return null;
  }
  try {
    const t0 = performance.now();
    for (let done = 0; done < bytes; done += block.length) {
      view.setUint32(0, done >>> 0, true); // no two blocks alike
      writeSync(fd, block);
    }
    fdatasyncSync(fd);
    return bytes / MiB / ((performance.now() - t0) / 1000);
  } catch {
    return null;
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

/**
 * Sequential write of incompressible data then fdatasync (what a backup's packs cost), two
 * ways — through the page cache, and around it (`O_DIRECT`, page-aligned memory) — and a
 * sequential read with O_DIRECT (dd iflag=direct), so the page cache does not answer
 * instead of the disk. The floor is the faster write: a tool may write either way, and on
 * the VMs measured a page-cache page first touched costs the guest a fault to its host, so
 * the buffered figure was the memory's, not the disk's (docs/performance.md, "Restore, round 8").
 */
function diskSequential(
  work: string,
  bytes: number,
  log: (l: string) => void,
): { write: number | null; buffered: number | null; direct: number | null; read: number | null } {
  const dir = join(work, "disk");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "seq.bin");
  try {
    const block = randomBytes(4 * MiB);
    const fd = openSync(file, "w");
    const t0 = performance.now();
    for (let done = 0; done < bytes; done += block.length) {
      block.writeUInt32LE(done >>> 0, 0); // no two blocks alike
      writeSync(fd, block);
    }
    fdatasyncSync(fd);
    const buffered = bytes / MiB / ((performance.now() - t0) / 1000);
    closeSync(fd);
    const t1 = performance.now();
    const dd = spawnSync("dd", [`if=${file}`, "of=/dev/null", "bs=4M", "iflag=direct"], { encoding: "utf8" });
    const read = dd.status === 0 ? bytes / MiB / ((performance.now() - t1) / 1000) : null;
    rmSync(file, { force: true });
    const direct = directWrite(join(dir, "direct.bin"), block, bytes);
    const write = Math.max(buffered, direct ?? 0);
    log(
      `disk: sequential write ${write.toFixed(0)} MiB/s (fdatasync; through the page cache ${buffered.toFixed(0)}, O_DIRECT ${direct == null ? "not measured" : direct.toFixed(0)}), read ${read == null ? "not measured" : `${read.toFixed(0)} MiB/s (O_DIRECT)`}`,
    );
    return { write, buffered, direct, read };
  } catch (e) {
    log(`disk ceiling not measured: ${e instanceof Error ? e.message : String(e)}`);
    return { write: null, buffered: null, direct: null, read: null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
