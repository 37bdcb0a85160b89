/**
 * Run a SQLite write with `busy_timeout = 0`: a busy database throws at once and the write
 * is retried after a short, growing, jittered async pause, so a waiting writer never blocks
 * the process's event loop (SQLite's own busy handler sleeps synchronously). Gives up —
 * rethrowing SQLITE_BUSY — after `busyTimeoutMs`. Used by the vault store and the realm store.
 */
export async function retryWhileBusy<T>(busyTimeoutMs: number, fn: () => T): Promise<T> {
  const deadline = Date.now() + busyTimeoutMs;
  for (let pause = 0.2; ; pause = Math.min(pause * 1.5, 5)) {
    try {
      return fn();
    } catch (e) {
      if ((e as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, Math.random() * pause));
  }
}
