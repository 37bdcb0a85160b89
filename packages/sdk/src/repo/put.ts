/**
 * Create-only put that tolerates its own earlier success: when a retried put finds the
 * object already there (the first attempt's answer was lost), the stored bytes must be
 * exactly ours; anything else is an error.
 */
import { IntegrityError, equalBytes } from "@chatvault/format";
import { ObjectExistsError, ObjectNotFoundError, type Storage, isRetryable } from "@chatvault/storage";

/** How `putOnce` may give `data` back early (a pack's buffer, refilled while the put finishes). */
export interface PutOnceOptions {
  /** Passed to the storage (`PutOptions.onDataReleased`): `data` is not read after it. */
  onDataReleased: () => void;
  /**
   * Whether an object found under `name` holds our bytes, without `data` (it may be
   * reused by then): for a content-named object, the stored bytes' hash against the name's.
   */
  sameContent: (existing: Uint8Array) => Promise<boolean>;
}

export async function putOnce(storage: Storage, name: string, data: Uint8Array, options?: PutOnceOptions): Promise<void> {
  let released = false;
  try {
    await storage.put(
      name,
      data,
      options && {
        onDataReleased: () => {
          released = true;
          options.onDataReleased();
        },
      },
    );
  } catch (e) {
    if (options && released && isRetryable(e)) {
      // Failed after the storage gave the buffer back, so it was not tried again (withRetry):
      // if the answer was lost after the object was stored, the object is there and ours.
      const existing = await storage.get(name).catch((g: unknown) => {
        throw g instanceof ObjectNotFoundError ? e : g;
      });
      if (await options.sameContent(existing)) return;
      throw new IntegrityError("id_mismatch", "an object with this name but other content is already stored", name);
    }
    if (!(e instanceof ObjectExistsError)) throw e;
    const existing = await storage.get(name);
    const same = options ? await options.sameContent(existing) : equalBytes(existing, data);
    if (!same) throw new IntegrityError("id_mismatch", "an object with this name but other content is already stored", name);
  }
}
