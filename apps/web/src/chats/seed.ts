/**
 * A new phone that restores nothing starts with the demo history shipped in the build
 * (`/seed/`, made by the CLI's demo-data generator; apps/web/scripts/seed.ts).
 */
import { mediaReplaceAll, type StoredMedia } from "../platform/idb.ts";
import { ChatDb } from "./chat-db.ts";

interface SeedIndex {
  database: string;
  media: Array<{ path: string; size: number; mtimeMs: number }>;
}

async function bytesOf(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the demo history is missing from this build (${res.status} for ${url})`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function seedDemoHistory(): Promise<ChatDb> {
  const res = await fetch("/seed/index.json");
  if (!res.ok) throw new Error("the demo history is missing from this build");
  const index = (await res.json()) as SeedIndex;
  const media: StoredMedia[] = [];
  for (const m of index.media) {
    media.push({ path: m.path, bytes: await bytesOf(`/seed/media/${m.path.split("/").map(encodeURIComponent).join("/")}`), mtimeMs: m.mtimeMs });
  }
  await mediaReplaceAll(media);
  return ChatDb.replace(await bytesOf(`/seed/${index.database}`));
}
