/**
 * Walk a media folder: regular files only, in a stable order (sorted by path), paths
 * relative and `/`-separated. Symlinks and special files are skipped (a backup should
 * not follow links out of the folder) and reported.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { SourceError } from "../errors.ts";
import type { ExcludeRules } from "../select/exclude.ts";

export interface MediaFile {
  path: string;
  absolute: string;
  size: number;
  mtimeMs: number;
}

/** `exclude`: paths it matches (files, or folders with everything in them) are left out, silently (docs/cli.md). */
export async function walkMedia(root: string, exclude?: ExcludeRules): Promise<{ files: MediaFile[]; skipped: string[] }> {
  const files: MediaFile[] = [];
  const skipped: string[] = [];
  try {
    const st = await lstat(root);
    if (!st.isDirectory()) throw new SourceError(`media folder ${root} is not a folder`);
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw new SourceError(`media folder ${root} cannot be read: ${(e as NodeJS.ErrnoException).code ?? "error"}`, e);
  }
  async function visit(dir: string, rel: string): Promise<void> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      if (exclude?.excludes(path)) continue;
      if (name.includes("\\")) {
        skipped.push(path);
        continue;
      }
      const st = await lstat(abs);
      if (st.isDirectory()) await visit(abs, path);
      else if (st.isFile()) files.push({ path, absolute: abs, size: st.size, mtimeMs: st.mtimeMs });
      else skipped.push(path);
    }
  }
  await visit(root, "");
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}
