/**
 * Phase 1 against realms that lie about what they hold (spec/threshold-vault.md §6.2): another
 * realm behind a configured URL, a wrong share index, a newer registration held by one realm
 * only, other public parameters — each is excluded or ignored and t honest realms still unlock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes, toBase64Url } from "@chatvault/format";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { thresholdHarness } from "./testing/harness.ts";
import type { RealmApi } from "./transport.ts";
import type { RealmRecordResponse } from "./wire.ts";

function tamper(api: RealmApi, edit: { info?: (x: { realmId: string }) => void; record?: (r: RealmRecordResponse) => void }): RealmApi {
  return new Proxy(api, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop === "info" && edit.info)
        return async () => {
          const x = await target.info();
          edit.info!(x);
          return x;
        };
      if (prop === "record" && edit.record)
        return async () => {
          const x = await target.record();
          edit.record!(x);
          return x;
        };
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

const cases: [string, Parameters<typeof tamper>[1], string][] = [
  ["another realm behind the URL", { info: (x) => (x.realmId = toBase64Url(new Uint8Array(16).fill(0xee))) }, "wrong_realm"],
  ["a wrong share index", { record: (r) => (r.current!.shareIndex = 3) }, "misbehaved"],
  [
    "a newer registration only it holds",
    { record: (r) => (r.next = { ...r.current!, version: 99, registrationId: toBase64Url(new Uint8Array(16).fill(1)) }) },
    "ok",
  ],
  ["another salt (its own group)", { record: (r) => (r.current!.salt = toBase64Url(new Uint8Array(32).fill(2))) }, "stale"],
  ["another threshold", { record: (r) => (r.current!.threshold = 1) }, "stale"],
];

for (const [name, edit, status] of cases) {
  test(`phase 1: a realm reporting ${name} is excluded; the other two unlock`, async () => {
    const h = thresholdHarness(2, 3);
    await enable(h.context(), "pw", h.rootKey);
    const apis: RealmApi[] = [tamper(h.realms[0]!, edit), h.realms[1]!, h.realms[2]!];
    const r = await unlock(h.context({ realmApis: apis }), "pw", { repair: false });
    assert.ok(equalBytes(r.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
    assert.equal(r.realms[0]!.status, status, JSON.stringify(r.realms[0]));
    assert.equal(r.version, 1);
    if (status !== "ok") assert.equal(h.realms[0]!.evaluations, 0, "an excluded realm is not asked to evaluate");
  });
}

test("phase 1: a context asks each realm's /info once; a realm that failed proves its ID again before its next token", async () => {
  const h = thresholdHarness(2, 3);
  await enable(h.context(), "pw", h.rootKey);
  const infos = [0, 0, 0];
  const calls: string[] = [];
  const apis: RealmApi[] = h.realms.map(
    (realm, k) =>
      new Proxy(realm, {
        get(target, prop) {
          const v = Reflect.get(target, prop, target) as unknown;
          if (typeof v !== "function") return v;
          return (...args: unknown[]) => {
            if (prop === "info") infos[k]! += 1;
            if (k === 0) calls.push(String(prop));
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
  );
  const ctx = h.context({ realmApis: apis });
  for (let i = 0; i < 3; i++) await unlock(ctx, "pw", { repair: false });
  assert.deepEqual(infos, [1, 1, 1]);
  h.realms[0]!.faults.down = true;
  const down = await unlock(ctx, "pw", { repair: false });
  assert.equal(down.realms[0]!.status, "unreachable");
  h.realms[0]!.faults.down = false;
  calls.length = 0;
  await unlock(ctx, "pw", { repair: false });
  assert.deepEqual(infos, [2, 1, 1], "the realm that failed (while proven) was asked /info again");
  assert.equal(calls[0], "info", "before any token-bearing request");
  // A fresh context proves every realm again.
  await unlock(h.context({ realmApis: apis }), "pw", { repair: false });
  assert.deepEqual(infos, [3, 2, 2]);
});
