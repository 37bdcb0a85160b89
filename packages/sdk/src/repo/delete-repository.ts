/**
 * Delete every object of a repository (turning backup off for good), in the order of
 * `DELETION_ORDER` (layout.ts), the config last. Each prefix is listed before anything
 * under it is deleted, so a storage whose listing pages by name is not changed under it.
 */
import type { Storage } from "@chatvault/storage";
import { CONFIG_NAME, DELETION_ORDER } from "./layout.ts";

export async function deleteRepository(storage: Storage): Promise<void> {
  for (const prefix of DELETION_ORDER) {
    const names: string[] = [];
    for await (const o of storage.list(prefix)) if (o.name !== CONFIG_NAME) names.push(o.name);
    for (const n of names) await storage.delete(n);
  }
  await storage.delete(CONFIG_NAME);
}
