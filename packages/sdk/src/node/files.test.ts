/**
 * Files that change, vanish or cannot be read, odd names, and what a restore writes:
 * one bad media file never sinks a backup or a restore (spec §8.5.1, §8.8).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "@chatvault/testkit";
import { memoryHeadStore } from "../index.ts";
import { backup, restore } from "./index.ts";
import { demo, newRepo } from "../../test/support.ts";

test("restored mtimes are exact: the first backup after a restore re-reads no media file", async (t) => {
  const dir = tempDir(t);
  const src = await demo(join(dir, "src"), 300, 1);
  const { repo } = await newRepo(join(dir, "repo"));
  const heads = memoryHeadStore();
  await backup({ repo, heads, db: src.dbPath, media: src.mediaDir });
  const out = join(dir, "out");
  await restore({ repo, heads, to: out });
  const again = await backup({ repo, heads, db: join(out, "msgstore.db"), media: join(out, "media") });
  assert.equal(again.stats.filesNew + again.stats.filesChanged, 0, "no media file re-read");
  assert.equal(again.stats.filesUnchanged, src.mediaFiles);
});
