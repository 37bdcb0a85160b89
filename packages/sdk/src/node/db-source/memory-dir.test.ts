import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { tempDir } from "@chatvault/testkit";
import { generateDemoData } from "@chatvault/demo-data";
import { TMPFS_MAGIC, cgroupHeadroom, defaultMemoryCandidates, memoryRunDir, memoryTempBase } from "./memory-dir.ts";
import { snapshotDatabase, snapshotSizeEstimate } from "./snapshot.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A fake statfs: each folder's type and free bytes. */
function fakeFs(table: Record<string, { type: number; free: number }>) {
  return async (p: string) => {
    const e = table[p];
    if (!e) throw Object.assign(new Error("no such folder"), { code: "ENOENT" });
    return { type: e.type, bsize: 4096, bavail: Math.floor(e.free / 4096) };
  };
}

test("memoryTempBase picks the first tmpfs with room, and none without enough memory", async () => {
  const statfs = fakeFs({
    "/run/user/1000": { type: TMPFS_MAGIC, free: 100 * MiB },
    "/dev/shm": { type: TMPFS_MAGIC, free: 8 * GiB },
    "/disk": { type: 0xef53, free: 100 * GiB },
  });
  const probe = (candidates: string[], freeMemory = 16 * GiB) => ({ candidates, statfs, freeMemory: () => freeMemory });
  assert.equal(await memoryTempBase(10 * MiB, probe(["/run/user/1000", "/dev/shm"])), "/run/user/1000");
  // Too little room in the first (the copy plus a 64 MiB margin): the next one.
  assert.equal(await memoryTempBase(50 * MiB, probe(["/run/user/1000", "/dev/shm"])), "/dev/shm");
  // Not a tmpfs (ext4), or not there: never used.
  assert.equal(await memoryTempBase(10 * MiB, probe(["/disk"])), undefined);
  assert.equal(await memoryTempBase(10 * MiB, probe(["/gone", "/dev/shm"])), "/dev/shm");
  // A tmpfs with room, but the machine would keep less than twice the copy free: disk.
  assert.equal(await memoryTempBase(1 * GiB, probe(["/dev/shm"], 2 * GiB)), undefined);
  assert.equal(await memoryTempBase(1 * GiB, probe(["/dev/shm"], 3 * GiB)), "/dev/shm");
  assert.equal(await memoryTempBase(10 * GiB, probe(["/dev/shm"])), undefined);
});

test("the default candidates: the runtime folder, then /dev/shm; none when TMPDIR names the temp folder", () => {
  assert.deepEqual(defaultMemoryCandidates({ XDG_RUNTIME_DIR: "/run/user/1000" }), ["/run/user/1000", "/dev/shm"]);
  assert.deepEqual(defaultMemoryCandidates({}), ["/dev/shm"]);
  assert.deepEqual(defaultMemoryCandidates({ TMPDIR: "/var/tmp", XDG_RUNTIME_DIR: "/run/user/1000" }), []);
});

test("a container's memory limit counts: cgroup v2 and v1 headroom, no limit, nothing readable", (t) => {
  const dir = tempDir(t);
  const put = (p: string, text: string) => {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  };
  put("v2/proc", "0::/app.slice\n");
  put("v2/fs/app.slice/memory.max", "1073741824\n");
  put("v2/fs/app.slice/memory.current", "73741824\n");
  assert.equal(cgroupHeadroom(join(dir, "v2/proc"), join(dir, "v2/fs")), 1_000_000_000);
  put("v2max/proc", "0::/\n");
  put("v2max/fs/memory.max", "max\n");
  put("v2max/fs/memory.current", "5\n");
  assert.equal(cgroupHeadroom(join(dir, "v2max/proc"), join(dir, "v2max/fs")), Infinity);
  put("v1/proc", "5:cpu:/\n4:memory:/docker/abc\n");
  put("v1/fs/memory/docker/abc/memory.limit_in_bytes", "536870912\n");
  put("v1/fs/memory/docker/abc/memory.usage_in_bytes", "536870912\n");
  assert.equal(cgroupHeadroom(join(dir, "v1/proc"), join(dir, "v1/fs")), 0);
  assert.equal(cgroupHeadroom(join(dir, "absent"), join(dir, "v1/fs")), Infinity);
});

test("memoryRunDir makes a private run folder on the chosen tmpfs, and gives up quietly when it cannot", async (t) => {
  const base = tempDir(t);
  const statfs = fakeFs({ [base]: { type: TMPFS_MAGIC, free: GiB } });
  const dir = await memoryRunDir(MiB, { candidates: [base], statfs, freeMemory: () => 16 * GiB });
  assert.ok(dir !== undefined && dir.startsWith(join(base, `chatvault-${process.getuid?.() ?? "user"}`, `chatvault-backup-${process.pid}-`)));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  // A tmpfs where the folder cannot be made (here: a file in its place): undefined, so the copy goes to disk.
  const blocked = join(tempDir(t), "blocked");
  execFileSync("touch", [blocked]);
  assert.equal(
    await memoryRunDir(MiB, { candidates: [blocked], statfs: fakeFs({ [blocked]: { type: TMPFS_MAGIC, free: GiB } }), freeMemory: () => 16 * GiB }),
    undefined,
  );
});

test("snapshotSizeEstimate counts the database and its -wal", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: dir, messages: 500, mediaMiB: 0, seed: 5 });
  const app = new Database(demo.dbPath);
  t.after(() => app.close());
  app.pragma("wal_autocheckpoint = 0");
  app.prepare("INSERT INTO chats (jid, is_group, created) VALUES ('y@s.whatsapp.net', 0, 1)").run();
  const wal = statSync(`${demo.dbPath}-wal`).size;
  assert.ok(wal > 0);
  assert.equal(snapshotSizeEstimate(demo.dbPath), statSync(demo.dbPath).size + wal);
  assert.equal(snapshotSizeEstimate(join(dir, "absent.db")), 0);
});

/** A real tmpfs of `size` bytes (needs root and mount(8)); undefined where that is not possible. */
function smallTmpfs(t: { after: (fn: () => void) => void }, size: number): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  // Its own mount point (not inside a tempDir, which is removed before later hooks run).
  const at = mkdtempSync(join(tmpdir(), "chatvault-tmpfs-test-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", at], { stdio: "ignore" });
  } catch {
    rmdirSync(at);
    return undefined;
  }
  t.after(() => {
    execFileSync("umount", [at], { stdio: "ignore" });
    rmdirSync(at);
  });
  return at;
}

test("a tmpfs that fills up during the copy: the copy is made again in the fallback folder, nothing left behind", async (t) => {
  const dir = tempDir(t);
  const demo = await generateDemoData({ outDir: join(dir, "src"), messages: 5000, mediaMiB: 0, seed: 6 });
  const small = smallTmpfs(t, 256 * 1024);
  if (!small) return t.skip("needs root and mount(8) for a small tmpfs");
  assert.ok(snapshotSizeEstimate(demo.dbPath) > 256 * 1024);
  const disk = join(dir, "disk");
  mkdirSync(disk);
  const s = await snapshotDatabase(demo.dbPath, small, { fallbackDir: disk });
  assert.ok(s.path.startsWith(`${disk}/`));
  assert.deepEqual(readdirSync(small), []);
  const copy = new Database(s.path, { readonly: true });
  assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
  assert.equal(copy.prepare("SELECT count(*) FROM messages").pluck().get(), 5000);
  copy.close();
  // Without a fallback the full tmpfs is the caller's error, as any full temp folder is.
  await assert.rejects(snapshotDatabase(demo.dbPath, small), (e: Error & { cause?: { code?: string } }) => e.cause?.code === "SQLITE_FULL");
  assert.deepEqual(readdirSync(small), []);
});
