/**
 * The demo chat history shipped with the app (`/seed/…` in the build): made by the same
 * generator as the CLI's `demo-data`, so the page holds exactly the msgstore-like schema a
 * CLI backup carries. Deterministic (seed 1); regenerated only when missing.
 *
 * The generator leaves its database in WAL mode, as a chat app does; the copy shipped to the
 * page is switched to a rollback journal, because SQLite in WebAssembly (one in-memory
 * file, no shared memory) cannot open a WAL-mode image.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { generateDemoData } from "@chatvault/demo-data";

/** What the page reads first: where the database and the media files are. */
export interface SeedIndex {
  /** What it was made with: a build with other parameters makes it again. */
  params: typeof PARAMS;
  database: string;
  media: Array<{ path: string; size: number; mtimeMs: number }>;
}

const PARAMS = { messages: 600, chats: 8, mediaMiB: 1.5, seed: 1 };

function walk(dir: string, base: string, out: SeedIndex["media"]): SeedIndex["media"] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, base, out);
    else out.push({ path: relative(base, p).split("\\").join("/"), size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
  }
  return out;
}

function upToDate(indexPath: string): boolean {
  if (!existsSync(indexPath)) return false;
  try {
    return JSON.stringify((JSON.parse(readFileSync(indexPath, "utf8")) as SeedIndex).params) === JSON.stringify(PARAMS);
  } catch {
    return false;
  }
}

/** Writes `<publicDir>/seed/{msgstore.db,media/…,index.json}` unless an index.json of these parameters is there. */
export async function ensureSeed(publicDir: string): Promise<string> {
  const dir = join(publicDir, "seed");
  if (upToDate(join(dir, "index.json"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await generateDemoData({ outDir: dir, ...PARAMS });
  const db = new Database(join(dir, "msgstore.db"));
  try {
    db.pragma("journal_mode = DELETE");
  } finally {
    db.close();
  }
  const index: SeedIndex = { params: PARAMS, database: "msgstore.db", media: walk(join(dir, "media"), join(dir, "media"), []) };
  writeFileSync(join(dir, "index.json"), JSON.stringify(index, null, 1) + "\n");
  return dir;
}
