/**
 * The storage conformance suite (`@chatvault/storage/conformance`): one set of node:test
 * tests that every adapter — and every decorator stack — must pass. Each test checks lines of
 * the contract in `../types.ts`. Node only (node:test).
 *
 * ```ts
 * storageConformance("fs", async (t) => {
 *   const storage = await FsStorage.open(tempDir(t));
 *   return { storage, cleanup: async () => {} };
 * });
 * ```
 */
import { describe, test } from "node:test";
import type { TestContext } from "node:test";
import type { Storage } from "../types.ts";
import { atomicityCases } from "./atomicity.ts";
import { coordinationCases } from "./coordination.ts";
import { listingCases } from "./listing.ts";
import { namingCases } from "./naming.ts";
import { objectCases } from "./objects.ts";
import { readIntoCases } from "./read-into.ts";
import type { ConformanceOptions } from "./support.ts";

export type { ConformanceOptions } from "./support.ts";

/** An opened, empty storage for one test, and how to dispose of it. */
export interface OpenedStorage {
  storage: Storage;
  cleanup(): Promise<void>;
}

/**
 * Opens a fresh, EMPTY storage for one test. Returns `undefined` when the backing service is
 * unavailable — the opener has then already called `needService(t, …)`, which skipped the
 * test (or failed it under CI).
 */
export type OpenStorage = (t: TestContext) => Promise<OpenedStorage | undefined>;

/** Registers the conformance tests for one adapter under `describe(name)`. */
export function storageConformance(name: string, open: OpenStorage, options: ConformanceOptions = {}): void {
  const o: Required<ConformanceOptions> = {
    largeSize: options.largeSize ?? 5 * 1024 * 1024 + 7,
    manyCount: options.manyCount ?? 1050,
    fillConcurrency: options.fillConcurrency ?? 32,
  };
  describe(`storage conformance: ${name}`, () => {
    for (const c of [...objectCases, ...readIntoCases, ...namingCases, ...listingCases, ...atomicityCases, ...coordinationCases]) {
      test(c.title, async (t) => {
        const opened = await open(t);
        if (!opened) return;
        try {
          await c.run(opened.storage, o);
        } finally {
          await opened.cleanup();
        }
      });
    }
  });
}
