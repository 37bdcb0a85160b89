/**
 * The client against fake transports: KSF floors, transport failures, malformed answers,
 * token decoding; and a check that the package imports nothing from Node (browser-safe).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateRootKey } from "@chatvault/format";
import { VaultClient } from "./client.ts";
import { accountIdFromToken } from "./context.ts";
import { TEST_ONLY_WEAK_KEY_STRETCHING } from "./key-stretching.ts";
import { VaultProtocolError, VaultUnavailableError } from "./errors.ts";
import type { FetchLike } from "./transport.ts";
import { FIELD_BYTES, base64UrlLength } from "./codecs.ts";

const tokenFor = (sub: string) => `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub })).toString("base64url")}.sig`;
const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

test("a weak KSF needs the explicit test option", () => {
  assert.throws(() => new VaultClient({ baseUrl: "http://x", token: () => "t", keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING }), RangeError);
  assert.throws(() => new VaultClient({ baseUrl: "ftp://x", token: () => "t" }), TypeError);
  new VaultClient({ baseUrl: "http://x", token: () => "t", keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true });
});

test("unlock refuses a server that declares a weak KSF (no test option)", async () => {
  const fetch: FetchLike = async () =>
    json(200, {
      loginId: "A".repeat(base64UrlLength(FIELD_BYTES.loginId)),
      loginResponse: "A".repeat(base64UrlLength(FIELD_BYTES.loginResponse)),
      keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING,
      attemptsRemaining: 4,
      failureBudgetRemaining: 19,
      lockedUntil: null,
      expiresAt: 1,
    });
  const c = new VaultClient({ baseUrl: "http://vault", token: () => tokenFor("alice"), fetch });
  await assert.rejects(c.unlock("pw"), (e) => e instanceof VaultProtocolError && /weaker than the default/.test(e.message));
});

test("transport failures are retryable VaultUnavailableError; malformed answers are protocol errors", async () => {
  const down = new VaultClient({
    baseUrl: "http://vault",
    token: () => "t",
    fetch: async () => {
      throw new TypeError("fetch failed");
    },
  });
  await assert.rejects(down.status(), (e) => e instanceof VaultUnavailableError && e.retryable);
  const slow = new VaultClient({
    baseUrl: "http://vault",
    token: () => "t",
    timeoutMs: 20,
    fetch: (_u, init) => new Promise((_r, rej) => init.signal?.addEventListener("abort", () => rej(new Error("aborted")))),
  });
  await assert.rejects(slow.getHead(), VaultUnavailableError);
  const bad = new VaultClient({ baseUrl: "http://vault", token: () => "t", fetch: async () => json(200, { sequence: -1, digest: null, updatedAt: null }) });
  await assert.rejects(bad.getHead(), VaultProtocolError);
  const html = new VaultClient({ baseUrl: "http://vault", token: () => "t", fetch: async () => new Response("<html>", { status: 200 }) });
  await assert.rejects(html.status(), VaultProtocolError);
  const enable = new VaultClient({ baseUrl: "http://vault", token: () => tokenFor("a"), fetch: async () => json(200, { registrationResponse: "!" }) });
  await assert.rejects(enable.enable("pw", generateRootKey()), VaultProtocolError);
});

test("account ID comes from the token's sub unless given", async () => {
  assert.equal(accountIdFromToken(tokenFor("zoë@example")), "zoë@example");
  assert.throws(() => accountIdFromToken("nope"), TypeError);
  assert.equal(String(new VaultClient({ baseUrl: "http://x", token: () => "t" })), "VaultClient [redacted]");
});

test("vault-protocol is browser-safe: no Node imports in src (but src/node, the `./node` entry)", () => {
  const dir = new URL(".", import.meta.url).pathname;
  const files: string[] = [];
  const walk = (d: string) =>
    readdirSync(d).forEach((f) =>
      statSync(join(d, f)).isDirectory()
        ? join(d, f) !== join(dir, "node") && walk(join(d, f))
        : f.endsWith(".ts") && !f.endsWith(".test.ts") && files.push(join(d, f)),
    );
  walk(dir);
  assert.ok(
    files.some((f) => f.endsWith("/threshold/ksf.ts")),
    "the walk reaches the threshold client",
  );
  for (const f of files) {
    const src = readFileSync(f, "utf8");
    assert.doesNotMatch(src, /from "node:|from "(fs|path|crypto|os|http|https|stream|buffer|util)"|require\(|\bBuffer\b|process\./, f);
  }
});
