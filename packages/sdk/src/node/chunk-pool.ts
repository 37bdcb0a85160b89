/**
 * Uses both cores for the CPU-heavy part of a backup (issue 4 §8): chunk IDs (HMAC),
 * compression and sealing run on worker threads, in batches of chunks that share one
 * buffer (transferred, not copied). This thread keeps what must be ordered or shared:
 * dedup decisions (`ChunkStore.claim`), packing and uploads.
 *
 * Per batch: worker computes the IDs → this thread claims the new ones → the same worker
 * seals just those → this thread packs them. IDs come back in submission order.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { type RootKey, toHex } from "@chatvault/format";
import type { ChunkBatcher } from "../backup/batches.ts";
import type { ChunkStore } from "../backup/chunk-store.ts";

interface Pending {
  resolve: (m: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

class PoolWorker {
  readonly worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  busy = 0;

  constructor(root: RootKey) {
    this.worker = new Worker(new URL("./workers/chunk-worker-bootstrap.mjs", import.meta.url), {
      workerData: { root: root.unsafeBytes().slice().buffer },
    });
    this.worker.on("message", (m: Record<string, unknown>) => {
      const p = this.#pending.get(m.seq as number);
      if (!p) return;
      this.#pending.delete(m.seq as number);
      if (typeof m.error === "string") p.reject(new Error(`chunk worker: ${m.error}`));
      else p.resolve(m);
    });
    this.worker.on("error", (e) => this.#failAll(e));
    this.worker.on("exit", (code) => this.#failAll(new Error(`chunk worker exited with code ${code}`)));
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  call(msg: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Record<string, unknown>> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...msg, seq }, transfer);
    });
  }
}

/** A batcher on `n` worker threads (default: one per core). */
export function workerBatcher(store: ChunkStore, root: RootKey, n = Math.max(1, Math.min(availableParallelism(), 4))): ChunkBatcher {
  const workers = Array.from({ length: n }, () => new PoolWorker(root));
  return {
    async submit(input, bounds, compressible) {
      // An exclusively owned, transferable buffer holding exactly the batch.
      let buf = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input.buffer as ArrayBuffer : input.slice().buffer;
      const w = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      w.busy++;
      try {
        const r1 = await w.call({ op: "ids", buf, bounds }, [buf]);
        buf = r1.buf as ArrayBuffer;
        const idBytes = new Uint8Array(r1.ids as ArrayBuffer);
        const ids = bounds.map((_, i) => idBytes.subarray(i * 32, i * 32 + 32));
        const hex = ids.map(toHex);
        const pick: number[] = [];
        hex.forEach((h, i) => {
          if (store.claim(h)) pick.push(i);
        });
        if (pick.length > 0) {
          const r2 = await w.call({ op: "seal", buf, bounds, pick, ids: idBytes.slice().buffer, compressible }, [buf]);
          const sealed = new Uint8Array(r2.sealed as ArrayBuffer);
          const lengths = r2.lengths as number[];
          const flags = r2.flags as number[];
          let o = 0;
          for (let k = 0; k < pick.length; k++) {
            const i = pick[k]!;
            const raw = bounds[i]! - (i === 0 ? 0 : bounds[i - 1]!);
            await store.addSealed(hex[i]!, sealed.subarray(o, o + lengths[k]!), raw, flags[k]!);
            o += lengths[k]!;
          }
        }
        return ids;
      } finally {
        w.busy--;
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
