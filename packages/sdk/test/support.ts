/** Shared fixtures for the engine's tests: a demo chat history, repos, hashing of trees. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { generateRootKey, type RootKey } from "@chatvault/format";
import type { Storage } from "@chatvault/storage";
import { FsStorage } from "@chatvault/storage/fs";
import { Repository } from "../src/index.ts";
import { generateDemoData } from "@chatvault/demo-data";

export async function demo(dir: string, messages = 3000, mediaMiB = 3, seed: number | string = 1) {
  return generateDemoData({ outDir: dir, messages, mediaMiB, seed });
}

export async function newRepo(path: string, root: RootKey = generateRootKey(), extra: Partial<Parameters<typeof Repository.init>[2]> = {}) {
  const storage: Storage = new FsStorage(path);
  const repo = await Repository.init(storage, root, { protection: "key", packSize: 1024 * 1024, ...extra });
  return { storage, repo, root };
}

/** sha256 of every file under `dir`, keyed by relative path. */
export function treeHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir);
  return out;
}

export function fileHash(p: string): string {
  return createHash("sha256").update(readFileSync(p)).digest("hex");
}
