import { storageConformance } from "./conformance/index.ts";
import { withConcurrencyLimit, withRetry } from "./decorators/index.ts";
import { MemoryStorage } from "./memory.ts";

storageConformance("memory", async () => ({ storage: new MemoryStorage(), cleanup: async () => {} }));

// Decorators must keep the contract too (they wrap every real adapter in production).
storageConformance("memory + withRetry + withConcurrencyLimit", async () => ({
  storage: withRetry(withConcurrencyLimit(new MemoryStorage(), 4), { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }),
  cleanup: async () => {},
}));
