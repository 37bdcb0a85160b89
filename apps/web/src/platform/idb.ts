/**
 * The phone's local storage: one IndexedDB database with two stores. `kv` holds the chat
 * database image, the account, and the backup settings (and, once backup is on, the root
 * key: the phone keeps its key the way it keeps its message keys); `media` holds media
 * files by path. Nothing here leaves the browser except through an encrypted backup.
 */
const DB_NAME = "chatvault-messenger";
const VERSION = 1;

export interface StoredMedia {
  path: string;
  bytes: Uint8Array;
  mtimeMs: number;
}

let opening: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
      if (!db.objectStoreNames.contains("media")) db.createObjectStore("media", { keyPath: "path" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB is unavailable"));
  });
  return opening;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("IndexedDB request failed"));
  });
}

function finished(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export async function kvGet<T>(key: string): Promise<T | undefined> {
  const db = await open();
  return (await done(db.transaction("kv").objectStore("kv").get(key))) as T | undefined;
}

export async function kvSet(key: string, value: unknown): Promise<void> {
  const tx = (await open()).transaction("kv", "readwrite");
  tx.objectStore("kv").put(value, key);
  await finished(tx);
}

export async function kvDelete(key: string): Promise<void> {
  const tx = (await open()).transaction("kv", "readwrite");
  tx.objectStore("kv").delete(key);
  await finished(tx);
}

export async function mediaAll(): Promise<StoredMedia[]> {
  const db = await open();
  return (await done(db.transaction("media").objectStore("media").getAll())) as StoredMedia[];
}

/** Replace every media file at once (after a restore or the first seed). */
export async function mediaReplaceAll(files: StoredMedia[]): Promise<void> {
  const tx = (await open()).transaction("media", "readwrite");
  const store = tx.objectStore("media");
  store.clear();
  for (const f of files) store.put(f);
  await finished(tx);
}

/** Forget everything on this phone (log out). */
export async function wipeAll(): Promise<void> {
  const tx = (await open()).transaction(["kv", "media"], "readwrite");
  tx.objectStore("kv").clear();
  tx.objectStore("media").clear();
  await finished(tx);
}
