// Smoke test, browser side: a page bundled by Vite from the installed packages' browser
// entries only. It backs a chat database up into in-page storage, protected by a password
// kept by the vault (reached through the page's own origin, /vault), then restores it as a
// new device would. The harness calls window.chatvaultSmoke and reads what it returns.
/* global window, location, document */
import { equalBytes, generateRootKey, toHex } from "@chatvault/format";
import { MemoryStorage } from "@chatvault/storage";
import { Repository, backupBytes, browserCompressor, restoreToBytes, vaultHeadStore } from "@chatvault/sdk";
import { VaultClient } from "@chatvault/vault-protocol";

async function bytesOf(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

window.chatvaultSmoke = async ({ token, password }) => {
  const vaultUrl = new URL("/vault", location.href).href;
  const database = { name: "msgstore.db", bytes: await bytesOf("/fixture/msgstore.db") };
  const media = [{ path: "photos/first.jpg", bytes: await bytesOf("/fixture/media-file"), mtimeMs: 1_700_000_000_000 }];

  const phone = new VaultClient({ baseUrl: vaultUrl, token: async () => token });
  // The root key never leaves this page in the clear: the vault stores it wrapped under the password.
  const root = generateRootKey();
  await phone.enable(password, root);
  const storage = new MemoryStorage();
  let repo = await Repository.init(storage, root, { protection: "password", vaultUrl });
  const made = await backupBytes({ repo, heads: vaultHeadStore(phone, root), compressor: browserCompressor, database, media });

  const laptop = new VaultClient({ baseUrl: vaultUrl, token: async () => token });
  const unlocked = await laptop.unlock(password);
  repo = await Repository.open(storage, unlocked);
  const back = await restoreToBytes({ repo, heads: vaultHeadStore(laptop, unlocked), compressor: browserCompressor });
  const sameDb = back.database !== null && back.database.name === database.name && equalBytes(back.database.bytes, database.bytes);
  const sameMedia = back.media.length === 1 && back.media[0].path === media[0].path && equalBytes(back.media[0].bytes, media[0].bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", back.database?.bytes ?? new Uint8Array()));
  document.getElementById("status").textContent = sameDb && sameMedia ? "restored" : "MISMATCH";
  return { sequence: made.snapshot.sequence, dbBytes: database.bytes.length, sameDb, sameMedia, dbSha256: toHex(digest) };
};
document.getElementById("status").textContent = "ready";
