/**
 * Both restores start a device-local head at the latest snapshot they restored (spec
 * §8.6, §13.4), never move it back, leave a vault-kept head and named older snapshots
 * alone, and report a head store that fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { type Head, type HeadStore, backupBytes, browserCompressor, memoryHeadStore, restoreToBytes } from "../index.ts";
import { restore } from "../node/index.ts";
import { newRepo } from "../../test/support.ts";

type Restorer = (opts: { repo: Awaited<ReturnType<typeof newRepo>>["repo"]; heads: HeadStore; snapshot?: string }, out: string) => Promise<{ snapshot: Head }>;

const restorers: [string, Restorer][] = [
  ["in memory", (o) => restoreToBytes({ ...o, compressor: browserCompressor })],
  ["node", (o, out) => restore({ ...o, to: out })],
];

/** A repository with two snapshots, written by a device whose head is at #2. */
async function twoSnapshots(dir: string) {
  const { repo } = await newRepo(join(dir, "repo"));
  const writer = memoryHeadStore();
  const media = (fill: number) => [{ path: "a.bin", bytes: new Uint8Array(5000).fill(fill), mtimeMs: 1700000000000 + fill }];
  const first = await backupBytes({ repo, heads: writer, compressor: browserCompressor, media: media(1) });
  const second = await backupBytes({ repo, heads: writer, compressor: browserCompressor, media: media(2) });
  const head = (r: typeof first): Head => ({ sequence: r.snapshot.sequence, digest: r.snapshot.digest });
  return { repo, first: head(first), second: head(second) };
}

for (const [name, run] of restorers) {
  test(`${name} restore: a new device's local head starts at the latest snapshot restored`, async (t) => {
    const dir = tempDir(t);
    const { repo, second } = await twoSnapshots(dir);
    const fresh = memoryHeadStore();
    const r = await run({ repo, heads: fresh }, join(dir, "out"));
    assert.deepEqual(r.snapshot.sequence, second.sequence);
    assert.deepEqual(fresh.current, second);
  });

  test(`${name} restore: a head behind the latest moves up to it; a head at it stays`, async (t) => {
    const dir = tempDir(t);
    const { repo, first, second } = await twoSnapshots(dir);
    const behind = memoryHeadStore(first);
    await run({ repo, heads: behind }, join(dir, "out1"));
    assert.deepEqual(behind.current, second);
    let writes = 0;
    const at = memoryHeadStore(second);
    const counted: HeadStore = { describe: "counted", local: true, get: () => at.get(), advance: async (h) => (writes++, at.advance(h)) };
    await run({ repo, heads: counted }, join(dir, "out2"));
    assert.equal(writes, 0, "a head already at the restored snapshot is not written again");
  });

  test(`${name} restore: an older snapshot named, or a head the vault keeps, is not moved`, async (t) => {
    const dir = tempDir(t);
    const { repo, first } = await twoSnapshots(dir);
    const named = memoryHeadStore();
    const r = await run({ repo, heads: named, snapshot: String(first.sequence) }, join(dir, "out1"));
    assert.equal(r.snapshot.sequence, first.sequence);
    assert.equal(named.current, undefined);
    const vault = memoryHeadStore(undefined, { local: false });
    await run({ repo, heads: vault }, join(dir, "out2"));
    assert.equal(vault.current, undefined, "backups advance a vault's head, restores do not");
  });

  test(`${name} restore: a head store that cannot be written fails the restore with its error`, async (t) => {
    const dir = tempDir(t);
    const { repo } = await twoSnapshots(dir);
    const readOnly: HeadStore = {
      describe: "read-only",
      local: true,
      get: async () => undefined,
      advance: async () => {
        throw Object.assign(new Error("read-only file system"), { code: "EROFS" });
      },
    };
    const out = join(dir, "out");
    await assert.rejects(run({ repo, heads: readOnly }, out), /read-only file system/);
    // Node: the files are complete and stay in place; only the head is not recorded.
    if (name === "node") assert.ok(existsSync(join(out, "media", "a.bin")));
  });
}
