/**
 * The realm transport (spec/threshold-vault.md §5): injected fetch and per-realm token,
 * /info without a token, timeouts and network failures as RealmUnreachableError, typed
 * refusals, malformed answers as RealmProtocolError; and the whole client over HTTP-shaped
 * fetch into the fake realms.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { equalBytes } from "@chatvault/format";
import { RealmTransport, type RealmFetch } from "./transport.ts";
import { RealmProtocolError, RealmRequestError, RealmUnreachableError, RealmsUnavailableError } from "./errors.ts";
import { enable } from "./enable.ts";
import { unlock } from "./unlock.ts";
import { thresholdHarness } from "./testing/harness.ts";
import type { FakeRealm } from "./testing/fake-realm.ts";

const realm = { id: "AAAAAAAAAAAAAAAAAAAAAA", url: "https://realm.test/" };
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

test("requests carry the realm's own token (not /info), JSON bodies, and the right paths", async () => {
  const seen: { url: string; auth?: string; body?: string }[] = [];
  const fetch: RealmFetch = async (url, init) => {
    seen.push({ url, auth: init.headers.authorization, body: init.body });
    if (url.endsWith("/info")) return json(200, { protocol: "chatvault-realm/2", realmId: realm.id });
    return json(200, { sequence: 0, digest: null, signature: null });
  };
  const t = new RealmTransport(realm, { fetch, tokenFor: (r) => `token-for-${r.id}` });
  await t.info();
  await t.getHead();
  assert.deepEqual(
    seen.map((s) => [s.url, s.auth]),
    [
      ["https://realm.test/realm/v1/info", undefined],
      ["https://realm.test/realm/v1/head", `Bearer token-for-${realm.id}`],
    ],
  );
});

test("network errors, timeouts and 5xx are RealmUnreachableError; 4xx typed; junk is RealmProtocolError", async () => {
  const cases: [RealmFetch, (e: unknown) => boolean][] = [
    [
      async () => {
        throw new TypeError("fetch failed");
      },
      (e) => e instanceof RealmUnreachableError && e.retryable,
    ],
    [
      (_u, init) => new Promise((_r, reject) => init.signal!.addEventListener("abort", () => reject(new Error("aborted")))),
      (e) => e instanceof RealmUnreachableError,
    ],
    [
      async () => json(500, { error: { code: "state_invalid", message: "x" } }),
      (e) => e instanceof RealmUnreachableError && (e as { realmCode?: string }).realmCode === "state_invalid",
    ],
    [
      async () => json(423, { error: { code: "locked", message: "x", retryAfter: 123 } }),
      (e) => e instanceof RealmRequestError && e.realmCode === "locked" && e.retryAfterMs === 123,
    ],
    [async () => json(409, { error: { code: "bogus" } }), (e) => e instanceof RealmProtocolError],
    [async () => new Response("not json", { status: 200 }), (e) => e instanceof RealmProtocolError],
    [async () => json(200, { sequence: -1, digest: null, signature: null }), (e) => e instanceof RealmProtocolError],
  ];
  for (const [fetch, ok] of cases) {
    const t = new RealmTransport(realm, { fetch, tokenFor: () => "tok", timeoutMs: 50 });
    await assert.rejects(t.getHead(), ok);
  }
});

/** Serve fake realms through a Fetch-shaped function, as the HTTP realm would (JSON both ways). */
function fetchInto(realms: FakeRealm[], urls: string[]): RealmFetch {
  return async (url, init) => {
    const k = urls.findIndex((u) => url.startsWith(u));
    const r = realms[k]!;
    const path = url.slice(urls[k]!.length);
    const body = init.body ? JSON.parse(init.body) : undefined;
    const routes: Record<string, () => Promise<unknown>> = {
      "GET /realm/v1/info": () => r.info(),
      "GET /realm/v1/record": () => r.record(),
      "POST /realm/v1/register": () => r.register(body),
      "POST /realm/v1/recover/evaluate": () => r.evaluate(body),
      "POST /realm/v1/recover/unlock": () => r.unlock(body),
      "POST /realm/v1/admin": () => r.admin(body),
      "GET /realm/v1/head": () => r.getHead(),
      "POST /realm/v1/head": () => r.postHead(body),
    };
    try {
      return json(200, await routes[`${init.method} ${path}`]!());
    } catch (e) {
      if (e instanceof RealmRequestError) return json(e.status!, { error: { code: e.realmCode, message: "refused", retryAfter: e.retryAfterMs } });
      throw e;
    }
  };
}

test("enable and unlock over the HTTP transport (JSON on the wire) into fake realms", async () => {
  const h = thresholdHarness(2, 3);
  const urls = h.realmSet.realms.map((r) => r.url);
  const ctx = () => h.context({ realmApis: undefined, fetch: fetchInto(h.realms, urls), tokenFor: () => "tok" });
  await enable(ctx(), "pw", h.rootKey);
  const r = await unlock(ctx(), "pw");
  assert.ok(equalBytes(r.rootKey.unsafeBytes(), h.rootKey.unsafeBytes()));
  h.realms[0]!.faults.down = true;
  h.realms[1]!.faults.down = true;
  await assert.rejects(unlock(ctx(), "pw"), RealmsUnavailableError);
});
