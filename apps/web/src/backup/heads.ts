/**
 * Key-mode freshness head (spec/backup-format.md §8.6) for the page: the sdk's
 * authenticated head record, kept in IndexedDB instead of a file. (Password mode uses the
 * vault's head: the sdk's `vaultHeadStore`.)
 */
import type { KeySchedule } from "@chatvault/format";
import { type HeadStore, authenticatedHeadStore } from "@chatvault/sdk";
import { kvGet, kvSet } from "../platform/idb.ts";

export function keyHeadStore(keys: KeySchedule, repoId: string): HeadStore {
  const key = `head-record:${repoId}`;
  return authenticatedHeadStore(
    keys,
    repoId,
    {
      read: () => kvGet<string>(key),
      write: (text) => kvSet(key, text),
    },
    "this phone",
  );
}
