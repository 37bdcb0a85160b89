/**
 * Tamper matrix (spec/backup-format.md §8.8; SECURITY.md, The storage provider): whatever
 * the storage provider does to the stored objects, restore refuses with a typed error
 * naming the problem and writes nothing at the destination.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IntegrityError, ChatvaultError, type RootKey, fromHex, toHex } from "@chatvault/format";
import { FsStorage } from "@chatvault/storage/fs";
import { tempDir } from "@chatvault/testkit";
import type { Storage } from "@chatvault/storage";
import { layout, memoryHeadStore, MAX_METADATA_OBJECT, Repository, verify, type Head } from "../index.ts";
import { backup, restore, nodeCompressor } from "./index.ts";
import { mutateDemoData } from "@chatvault/demo-data";
import { demo, newRepo } from "../../test/support.ts";

const { packName } = layout;

function files(dir: string, sub: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name));
      else out.push(join(d, n.name));
    }
  };
  walk(join(dir, sub));
  return out.sort();
}

/** Packs and chunks the newest snapshot really needs: tampering elsewhere would go unnoticed, rightly. */
interface Needed {
  packs: string[]; // paths relative to the repository folder
  chunk: { pack: string; offset: number; length: number };
}

interface Case {
  name: string;
  tamper: (repoDir: string, needed: Needed) => void;
  expect: (e: unknown) => boolean;
}

const reason =
  (...r: string[]) =>
  (e: unknown) =>
    e instanceof IntegrityError && r.includes(e.reason);

const cases: Case[] = [
  {
    name: "flip a byte in a pack",
    tamper: (d, n) => {
      const p = join(d, n.chunk.pack);
      const b = readFileSync(p);
      const at = n.chunk.offset + (n.chunk.length >> 1);
      b[at] = b[at]! ^ 1;
      writeFileSync(p, b);
    },
    expect: reason("auth_failed"),
  },
  { name: "truncate a pack", tamper: (d, n) => truncateSync(join(d, n.chunk.pack), n.chunk.offset + 1), expect: reason("truncated", "auth_failed") },
  { name: "delete a pack", tamper: (d, n) => rmSync(join(d, n.chunk.pack)), expect: reason("missing_object") },
  {
    name: "swap two packs",
    tamper: (d, n) => {
      const [a, b] = n.packs.map((p) => join(d, p));
      renameSync(a!, `${a}.tmp`);
      renameSync(b!, a!);
      renameSync(`${a}.tmp`, b!);
    },
    // A chunk's range in the other pack starts mid-ciphertext: its first byte is no version.
    expect: reason("auth_failed", "truncated", "id_mismatch", "unsupported_version", "too_short"),
  },
  {
    name: "replace the newest manifest with an older one",
    tamper: (d) => {
      const [older, newer] = files(d, "snapshots");
      writeFileSync(newer!, readFileSync(older!));
    },
    expect: reason("id_mismatch"),
  },
  {
    name: "rename an older manifest over the newest (digest recomputed by the attacker)",
    tamper: (d) => {
      const [older, newer] = files(d, "snapshots");
      const bytes = readFileSync(older!);
      const digest = createHash("sha256").update(bytes).digest("hex");
      rmSync(newer!);
      writeFileSync(join(d, "snapshots", `${"2".padStart(10, "0")}-${digest}`), bytes);
    },
    expect: reason("auth_failed", "rollback"),
  },
  { name: "delete the newest manifest (rollback)", tamper: (d) => rmSync(files(d, "snapshots").at(-1)!), expect: reason("rollback") },
  {
    name: "flip a byte in an index",
    tamper: (d) => {
      const p = files(d, "index")[0]!;
      const b = readFileSync(p);
      b[b.length - 5] = b[b.length - 5]! ^ 0x80;
      writeFileSync(p, b);
    },
    expect: reason("auth_failed"),
  },
  { name: "delete every index", tamper: (d) => files(d, "index").forEach((p) => rmSync(p)), expect: reason("missing_object") },
  {
    name: "change the chunker parameters in the config",
    tamper: (d) => {
      const p = join(d, "config");
      writeFileSync(p, readFileSync(p, "utf8").replace(/"min": \d+/, '"min": 4096'));
    },
    expect: reason("auth_failed"),
  },
];

test("tamper matrix: restore refuses with a named error and writes nothing, on this thread and on workers", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 2000, 3);
  const { repo, root } = await newRepo(join(dir, "repo"), undefined, { packSize: 256 * 1024 });
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  await mutateDemoData({ dir: join(dir, "src"), messages: 100, mediaFiles: 1, seed: 9 });
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const head = (await heads.get())!;
  const needed = await neededByLatest(repo);
  assert.ok(needed.packs.length >= 2, "the fixture needs at least two packs");
  for (const c of cases) {
    await t.test(c.name, async () => {
      const copy = join(dir, `repo-${cases.indexOf(c)}`);
      cpSync(join(dir, "repo"), copy, { recursive: true });
      c.tamper(copy, needed);
      const out = join(dir, `out-${cases.indexOf(c)}`);
      const err = await attemptRestore(copy, root, head, out);
      assert.ok(err instanceof ChatvaultError, `expected a typed error, got ${String(err)}`);
      assert.ok(c.expect(err), `unexpected error: ${(err as IntegrityError).reason ?? ""} ${(err as Error).message}`);
      assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], "nothing may be left at the destination");
      // Chunks opened on worker threads (restore-download.ts) fail the same way (with two bad
      // packs, the first one found may differ: ranges run in another order).
      const onWorkers = await attemptRestore(copy, root, head, `${out}-workers`, 2);
      assert.ok(onWorkers instanceof ChatvaultError && c.expect(onWorkers), `on workers: ${String(onWorkers)}`);
      assert.equal(onWorkers.code, err.code);
      assert.deepEqual(existsSync(`${out}-workers`) ? readdirSync(`${out}-workers`) : [], [], "nothing may be left at the destination");
    });
  }
});

async function neededByLatest(repo: Repository): Promise<Needed> {
  const index = await repo.loadIndex();
  const refs = await repo.listSnapshots();
  const m = await repo.readSnapshot(refs.at(-1)!);
  const locs = [...(m.database?.pages ?? []), ...m.media.flatMap((f) => f.chunks)].map((id) => index.get(toHex(id))!);
  const packs = [...new Set(locs.map((l) => l.pack))].sort().map((p) => packName(fromHex(p)));
  const first = locs[0]!;
  return { packs, chunk: { pack: packName(fromHex(first.pack)), offset: first.offset, length: first.length } };
}

async function attemptRestore(repoDir: string, root: RootKey, head: Head, out: string, workers = 0): Promise<unknown> {
  try {
    const repo = await Repository.open(new FsStorage(repoDir), root);
    await restore({ repo, heads: memoryHeadStore(head), to: out, workers });
    return undefined;
  } catch (e) {
    return e;
  }
}

test("verify finds a flipped byte and names the pack", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 500, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const clean = await verify({ repo, heads, compressor: nodeCompressor });
  assert.deepEqual(clean.problems, []);
  assert.ok(clean.chunksChecked > 0);
  const p = files(join(dir, "repo"), "packs")[0]!;
  const b = readFileSync(p);
  b[200] = b[200]! ^ 4;
  writeFileSync(p, b);
  const bad = await verify({ repo, heads, compressor: nodeCompressor });
  // The pack is named; if it also held the snapshot's listing chunks (spec §8.5.3), the snapshot is named too.
  const packProblems = bad.problems.filter((x) => /^packs\//.test(x.object));
  assert.equal(packProblems.length, 1, JSON.stringify(bad.problems));
  assert.ok(
    bad.problems.every((x) => /^packs\//.test(x.object) || /^snapshots\//.test(x.object)),
    JSON.stringify(bad.problems),
  );
  assert.ok(bad.problems.length <= 2);
});

test("an index or manifest the storage lists as huge is refused before it is downloaded", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 0);
  const { repo, root } = await newRepo(join(dir, "repo"));
  await backup({ repo, heads: memoryHeadStore(), db: src.dbPath });
  const fs = new FsStorage(join(dir, "repo"));
  let downloads = 0;
  const lying: Storage = {
    location: fs.location,
    put: (n, d) => fs.put(n, d),
    get: (n, r) => ((downloads += n.startsWith("index/") || n.startsWith("snapshots/") ? 1 : 0), fs.get(n, r)),
    stat: (n) => fs.stat(n),
    delete: (n) => fs.delete(n),
    async *list(prefix) {
      for await (const o of fs.list(prefix)) yield { ...o, size: prefix === "packs/" ? o.size : MAX_METADATA_OBJECT + 1 };
    },
  };
  const reopened = await Repository.open(lying, root);
  await assert.rejects(reopened.loadIndex(), (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure");
  await assert.rejects(
    reopened.readSnapshot((await reopened.listSnapshots())[0]!),
    (e: unknown) => e instanceof IntegrityError && e.reason === "bad_structure",
  );
  assert.equal(downloads, 0);
});
