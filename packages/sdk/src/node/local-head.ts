/**
 * Key-mode freshness record (spec §8.6): a small JSON file on this machine holding the
 * newest snapshot's sequence and digest, with an HMAC under the root key's
 * head-authentication subkey, so neither the storage provider nor anyone without the
 * key can forge it. A new machine has no record until its first backup or restore.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { IntegrityError, type KeySchedule, equalBytes, fromBase64Url, toBase64Url, utf8 } from "@chatvault/format";
import type { Head, HeadStore } from "../repo/head.ts";

function macInput(repoId: string, h: Head): Uint8Array {
  return utf8(`chatvault/v1/head\n${repoId}\n${h.sequence}\n${h.digest}`);
}

export function localHeadStore(path: string, keys: KeySchedule, repoId: string): HeadStore {
  const mac = (h: Head) => keys.backend.hmacSha256(keys.headAuthentication.unsafeBytes(), macInput(repoId, h));
  const store: HeadStore = {
    describe: `local record ${path}`,
    async get() {
      let raw: string;
      try {
        raw = await readFile(path, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
      let j: { sequence?: unknown; digest?: unknown; mac?: unknown };
      try {
        j = JSON.parse(raw) as typeof j;
      } catch {
        throw new IntegrityError("bad_structure", "local head record is not valid JSON", path);
      }
      if (typeof j.sequence !== "number" || typeof j.digest !== "string" || typeof j.mac !== "string") {
        throw new IntegrityError("bad_structure", "local head record is malformed", path);
      }
      const h = { sequence: j.sequence, digest: j.digest };
      let given: Uint8Array;
      try {
        given = fromBase64Url(j.mac);
      } catch {
        throw new IntegrityError("bad_structure", "local head record is malformed", path);
      }
      if (!equalBytes(await mac(h), given)) throw new IntegrityError("auth_failed", "local head record was modified or belongs to another key", path);
      return h;
    },
    async advance(h) {
      const cur = await store.get();
      if (cur && h.sequence < cur.sequence) throw new IntegrityError("rollback", `head cannot go back from #${cur.sequence} to #${h.sequence}`);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ sequence: h.sequence, digest: h.digest, mac: toBase64Url(await mac(h)) }) + "\n", { mode: 0o600 });
      await rename(tmp, path);
    },
  };
  return store;
}
