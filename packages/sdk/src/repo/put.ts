/**
 * Create-only put that tolerates its own earlier success: when a retried put finds the
 * object already there (the first attempt's answer was lost), the stored bytes must be
 * exactly ours; anything else is an error.
 */
import { IntegrityError, equalBytes } from "@chatvault/format";
import { ObjectExistsError, type Storage } from "@chatvault/storage";

export async function putOnce(storage: Storage, name: string, data: Uint8Array): Promise<void> {
  try {
    await storage.put(name, data);
  } catch (e) {
    if (!(e instanceof ObjectExistsError)) throw e;
    const existing = await storage.get(name);
    if (!equalBytes(existing, data)) throw new IntegrityError("id_mismatch", "an object with this name but other content is already stored", name);
  }
}
