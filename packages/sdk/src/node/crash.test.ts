/**
 * Crash safety (spec/backup-format.md §8.7): SIGKILL a backup at ≥ 20 random moments. Every
 * time, the newest restorable snapshot is byte-identical to a state the source was in,
 * and the next backup succeeds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { toHex } from "@chatvault/format";
import { tempDir } from "@chatvault/testkit";
import { Repository } from "../index.ts";
import { backup, localHeadStore, restore, snapshotDatabase } from "./index.ts";
import { mutateDemoData } from "@chatvault/demo-data";
import { demo, fileHash, newRepo, treeHashes } from "../../test/support.ts";

const CHILD = new URL("../../test/backup-child.ts", import.meta.url).pathname;
const KILLS = 20;

/** Fingerprint of a source state: the backup-API copy of the DB + every media file. */
async function fingerprint(srcDir: string, tmp: string): Promise<string> {
  const copy = await snapshotDatabase(join(srcDir, "msgstore.db"), tmp);
  return JSON.stringify([fileHash(copy.path), [...treeHashes(join(srcDir, "media"))].sort()]);
}

async function restoredFingerprint(repo: Repository, headsFile: string, out: string): Promise<string> {
  await restore({ repo, heads: localHeadStore(headsFile, repo.keys, repo.repoId), to: out });
  return JSON.stringify([fileHash(join(out, "msgstore.db")), [...treeHashes(join(out, "media"))].sort()]);
}

/** Run the child backup; kill it `delayMs` after it is ready. Resolves with how it ended and how long it ran after "ready". */
function runChild(args: string[], delayMs: number): Promise<{ how: "killed" | "finished"; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=chatvault-source", "--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let timer: NodeJS.Timeout | undefined;
    let readyAt = 0;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready") && readyAt === 0) {
        readyAt = performance.now();
        if (Number.isFinite(delayMs)) timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - readyAt;
      if (signal === "SIGKILL") resolve({ how: out.includes("done") ? "finished" : "killed", ms });
      else if (code === 0) resolve({ how: "finished", ms });
      else reject(new Error(`backup child failed with code ${code}`));
    });
  });
}

test(`crash: SIGKILL a backup at ${KILLS} random moments; the previous snapshot always restores`, async (t) => {
  const dir = tempDir(t);
  const srcDir = join(dir, "src");
  await demo(srcDir, 4000, 12);
  const { repo, root } = await newRepo(join(dir, "repo"), undefined, { packSize: 512 * 1024 });
  const headsFile = join(dir, "head.json");
  const heads = localHeadStore(headsFile, repo.keys, repo.repoId);
  await backup({ repo, heads, db: join(srcDir, "msgstore.db"), media: join(srcDir, "media") });
  const args = [join(dir, "repo"), toHex(root.unsafeBytes()), srcDir, headsFile];
  // How long an incremental backup takes in the child, from "ready" to exit.
  await mutateDemoData({ dir: srcDir, messages: 40, mediaFiles: 2, seed: 1000 });
  let incMs = (await runChild(args, Infinity)).ms;
  const states = new Set([await fingerprint(srcDir, dir)]);
  let killed = 0;
  for (let i = 1; i <= KILLS; i++) {
    await mutateDemoData({ dir: srcDir, messages: 40, mediaFiles: 2, seed: i });
    states.add(await fingerprint(srcDir, dir));
    // Spread kills over the whole backup, including its very start and end.
    const delay = Math.random() * incMs;
    const { how, ms } = await runChild(args, delay);
    if (how === "killed") killed++;
    // A backup that ended before its kill was faster than the first one (the machine's load
    // changed): later kills are spread over the shorter time, so they still land mid-way.
    else incMs = Math.min(incMs, ms);
    const reopened = await Repository.open(repo.storage, root);
    const fp = await restoredFingerprint(reopened, headsFile, join(dir, `out-${i}`));
    assert.ok(states.has(fp), `after kill ${i} (${how} at ${delay.toFixed(0)} ms) the restored data matches no state the source was in`);
  }
  t.diagnostic(`incremental backup in a child ≈ ${incMs.toFixed(0)} ms; ${killed} of ${KILLS} runs killed mid-way`);
  assert.ok(killed >= KILLS / 2, `only ${killed} runs were actually interrupted`);
  // The next backup succeeds and restores to the current state.
  const reopened = await Repository.open(repo.storage, root);
  await backup({
    repo: reopened,
    heads: localHeadStore(headsFile, reopened.keys, reopened.repoId),
    db: join(srcDir, "msgstore.db"),
    media: join(srcDir, "media"),
  });
  assert.equal(await restoredFingerprint(reopened, headsFile, join(dir, "out-final")), await fingerprint(srcDir, dir));
});
