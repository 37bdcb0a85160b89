/**
 * Measures (diagnostics only, no timing assertion): the client's compute cost of a 2-of-3
 * unlock excluding the KSF and the realms' own work — blind, 3 proof verifications,
 * Lagrange combination, finalize, HKDF/HMAC checks, share tags, interpolation of z, AES-GCM.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { stretchPassword } from "./ksf.ts";
import { TINY_KSF, thresholdHarness } from "./testing/harness.ts";
import type { RealmApi } from "./transport.ts";

test("timing: client-side compute of a 2-of-3 unlock, KSF and realm work excluded", { timeout: 120_000 }, async (t) => {
  const h = thresholdHarness(2, 3);
  await enable(h.context(), "pw", h.rootKey);
  let realmMs = 0;
  const timed: RealmApi[] = h.realms.map(
    (r) =>
      new Proxy(r, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== "function") return v;
          // The fake realm's methods do all their work synchronously before returning their promise,
          // so timing the call itself (not the await) counts exactly the realm's CPU, even in parallel.
          return (...args: unknown[]) => {
            const s = performance.now();
            const p = (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            realmMs += performance.now() - s;
            return p;
          };
        },
      }) as unknown as RealmApi,
  );
  const salt = new Uint8Array(32);
  const ksfStart = performance.now();
  for (let i = 0; i < 20; i++) await stretchPassword(new Uint8Array([1]), salt, { algorithm: "argon2id", ...TINY_KSF });
  const ksfMs = (performance.now() - ksfStart) / 20;
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    realmMs = 0;
    const s = performance.now();
    const r = await unlock(h.context({ realmApis: timed }), "pw", { repair: false });
    const total = performance.now() - s;
    assert.equal(r.realms.filter((x) => x.status === "ok").length, 3);
    samples.push(total - realmMs - ksfMs);
  }
  samples.sort((a, b) => a - b);
  t.diagnostic(
    `client compute per 2-of-3 unlock (excl. KSF ${ksfMs.toFixed(2)} ms and realm work): p50 ${samples[10]!.toFixed(1)} ms, min ${samples[0]!.toFixed(1)} ms, max ${samples[19]!.toFixed(1)} ms`,
  );
});
