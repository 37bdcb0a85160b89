/**
 * A minimal stand-in for the `chatvault` CLI, so the benchmark can run chatvault the way
 * its users do — one process per operation, peak RSS measured on the whole process —
 * while the CLI is being written. Same flags as the CLI for the three commands used:
 *
 *   init    --repo R --new-key-file F
 *   backup  --repo R --key-file F [--db PATH] [--media DIR] [--tmp DIR]
 *   restore --repo R --key-file F --to DIR
 *   version (does nothing: the bench times process start-up with it)
 *
 * Key mode only; the freshness record lives beside the key file (`F.head.json`).
 * Prints one JSON line with the engine's result.
 */
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { formatKey, generateRootKey, parseKey } from "@chatvault/format";
import { Repository } from "@chatvault/sdk";
import { backup, localHeadStore, restore } from "@chatvault/sdk/node";
import { FsStorage } from "@chatvault/storage/fs";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    repo: { type: "string" },
    "key-file": { type: "string" },
    "new-key-file": { type: "string" },
    db: { type: "string" },
    media: { type: "string" },
    to: { type: "string" },
    tmp: { type: "string" },
  },
});

function need(name: keyof typeof values): string {
  const v = values[name];
  if (typeof v !== "string") throw new Error(`--${name} is required`);
  return v;
}

async function open() {
  const keyFile = need("key-file");
  const root = parseKey(await readFile(keyFile, "utf8"));
  const repo = await Repository.open(new FsStorage(need("repo")), root);
  return { repo, heads: localHeadStore(`${keyFile}.head.json`, repo.keys, repo.repoId) };
}

async function main(): Promise<unknown> {
  switch (positionals[0]) {
    case "init": {
      const root = generateRootKey();
      await Repository.init(new FsStorage(need("repo")), root, { protection: "key" });
      writeFileSync(need("new-key-file"), `${formatKey(root)}\n`, { mode: 0o600, flag: "wx" });
      return { ok: true };
    }
    case "backup": {
      const { repo, heads } = await open();
      const r = await backup({ repo, heads, db: values.db, media: values.media, tmpDir: values.tmp });
      return { snapshot: r.snapshot.sequence, bytesUploaded: r.bytesUploaded, packsUploaded: r.packsUploaded, stats: r.stats };
    }
    case "restore": {
      const { repo, heads } = await open();
      const r = await restore({ repo, heads, to: need("to") });
      return { snapshot: r.snapshot.sequence, bytes: r.bytes, mediaFiles: r.mediaFiles };
    }
    case "version":
      return { runner: "bench/chatvault-runner.ts" };
    default:
      throw new Error("usage: chatvault-runner init|backup|restore --repo R ...");
  }
}

try {
  process.stdout.write(`${JSON.stringify(await main())}\n`);
} catch (e) {
  process.stderr.write(`chatvault-runner: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
