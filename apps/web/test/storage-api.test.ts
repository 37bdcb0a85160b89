/**
 * The demo server's storage API through HttpStorage: the shared storage conformance suite
 * (every line of the Storage contract), then what is the server's own business — account
 * tokens, one folder per account, size limits, raw-path tricks, the vault path, the static
 * app's headers, and a request log without secrets.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { storageConformance } from "@chatvault/storage/conformance";
import { HttpStorage } from "@chatvault/storage/http";
import { tempDir } from "@chatvault/testkit";
import { createAccountVerifier, mintDevToken } from "@chatvault/vault-server";
import { type RunningWebServer, type WebServerOptions, createWebServer } from "../server/index.ts";

const SECRET = randomBytes(32).toString("base64url");
/** Nothing listens there: the storage API needs no vault; proxy tests expect "unreachable". */
const NO_VAULT = "http://127.0.0.1:9";

const roots: string[] = [];
const servers: RunningWebServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function serve(extra: Partial<WebServerOptions> = {}): Promise<RunningWebServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "chatvault-web-api-"));
  roots.push(dataDir);
  // An empty app folder: these tests are about the API, not the page (no build needed).
  const s = await createWebServer({ host: "127.0.0.1", port: 0, dataDir, vaultUrl: NO_VAULT, tokenSecret: SECRET, distDir: join(dataDir, "no-app"), ...extra });
  servers.push(s);
  return s;
}

async function login(s: RunningWebServer, account: string): Promise<string> {
  const res = await fetch(`${s.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account }) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { token: string }).token;
}

function storageFor(s: RunningWebServer, token: string): HttpStorage {
  return new HttpStorage({ baseUrl: `${s.url}/api/storage`, token: () => token });
}

// One server for the whole suite, fsync off: durability is the folder adapter's, tested there.
let shared: Promise<RunningWebServer> | undefined;
let nextAccount = 0;
storageConformance("http (web demo server)", async () => {
  const s = await (shared ??= serve({ fsync: false }));
  // A fresh account is a fresh, empty folder.
  return { storage: storageFor(s, await login(s, `conformance-${nextAccount++}`)), cleanup: async () => {} };
});

/** A raw request, path exactly as given (fetch would normalise `..` away). */
function raw(s: RunningWebServer, method: string, path: string, token?: string): Promise<number> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

test("storage API: only a valid account token gets in", async () => {
  const s = await serve();
  assert.equal(await raw(s, "GET", "/api/storage?prefix="), 401, "no token");
  const forged = await mintDevToken({ secret: randomBytes(32).toString("base64url"), account: "alice" });
  assert.equal(await raw(s, "GET", "/api/storage?prefix=", forged), 401, "signed with another secret");
  const expired = await mintDevToken({ secret: SECRET, account: "alice", ttl: 60, issuedAt: Math.floor(Date.now() / 1000) - 3600 });
  assert.equal(await raw(s, "GET", "/api/storage?prefix=", expired), 401, "expired");
  const odd = await mintDevToken({ secret: SECRET, account: "../alice" });
  assert.equal(await raw(s, "GET", "/api/storage?prefix=", odd), 403, "an account no folder can hold");
  await assert.rejects(storageFor(s, forged).put("x", new Uint8Array(1)), { code: "unauthorized", retryable: false });
});

test("storage API: one folder per account, a plain repository folder; accounts never see each other", async () => {
  const s = await serve();
  const alice = storageFor(s, await login(s, "alice"));
  const bob = storageFor(s, await login(s, "bob"));
  await alice.put("packs/ab/abcd", new Uint8Array([1, 2, 3]));
  assert.deepEqual(readFileSync(join(s.backupFolder("alice"), "packs", "ab", "abcd")), Buffer.from([1, 2, 3]));
  await assert.rejects(bob.get("packs/ab/abcd"), { code: "object_not_found" });
  const listed = [];
  for await (const o of bob.list("")) listed.push(o);
  assert.deepEqual(listed, []);
});

test("storage API: a body over the limit is refused (413) and nothing is stored", async () => {
  const s = await serve({ maxObjectBytes: 1024 });
  const st = storageFor(s, await login(s, "carol"));
  await st.put("small", new Uint8Array(1024));
  await assert.rejects(st.put("big", new Uint8Array(4096)), { code: "too_large" });
  await assert.rejects(st.stat("big"), { code: "object_not_found" });
});

test("storage API: raw paths that try to leave the account's folder are refused", async () => {
  const s = await serve();
  const token = await login(s, "dave");
  writeFileSync(join(s.backupsDir, "..", "outside"), "secret");
  for (const path of [
    "/api/storage/../outside",
    "/api/storage/..%2F..%2Foutside",
    "/api/storage/a/%2e%2e/%2e%2e/outside",
    "/api/storage/a%00b",
    "/api/storage/%ZZ",
  ]) {
    assert.equal(await raw(s, "GET", path, token), 400, path);
    assert.equal(await raw(s, "PUT", path, token), 400, path);
  }
  assert.equal(await raw(s, "GET", "/api/storage?prefix=..%2F", token), 400);
});

test("demo login: mints a token the vault's verifier accepts for that account; refuses odd names", async () => {
  const s = await serve();
  const verify = await createAccountVerifier({ hs256Secret: SECRET });
  assert.equal(await verify(`Bearer ${await login(s, "erin.b-2")}`), "erin.b-2");
  for (const account of ["", "../x", "a/b", "a b", ".hidden", "x".repeat(65), 42]) {
    const res = await fetch(`${s.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ account }) });
    assert.equal(res.status, 400, JSON.stringify(account));
  }
});

test("vault path: only the protocol's endpoints pass; an unreachable vault is a 502", async () => {
  const s = await serve();
  assert.equal((await fetch(`${s.url}/vault/_test/clock`, { method: "POST" })).status, 404, "the test clock is never reachable through the web server");
  assert.equal((await fetch(`${s.url}/vault/metrics`)).status, 404);
  assert.equal((await fetch(`${s.url}/vault/v1/status`)).status, 502);
  assert.deepEqual(await (await fetch(`${s.url}/api/config`)).json(), { vaultPath: "/vault", vaultUrl: NO_VAULT, testOnlyWeakKeyStretching: false });
});

test("static app: security headers, wasm MIME type, 404 for missing files, the app for page paths, nothing outside dist", async (t) => {
  const dist = tempDir(t);
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>app</title>");
  writeFileSync(join(dist, "assets", "x.wasm"), "\0asm");
  const s = await serve({ distDir: dist });
  const page = await fetch(`${s.url}/settings`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self' 'wasm-unsafe-eval'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  assert.equal((await fetch(`${s.url}/assets/x.wasm`)).headers.get("content-type"), "application/wasm");
  assert.equal((await fetch(`${s.url}/assets/missing.js`)).status, 404);
  assert.equal(await raw(s, "GET", "/../../package.json"), 404);
  assert.equal(await raw(s, "GET", "/%2e%2e/%2e%2e/package.json"), 404);
});

test("request log: one JSON line per request with method, path, status and account; never a token or a body", async () => {
  const s = await serve();
  const token = await login(s, "frank");
  const body = new TextEncoder().encode("plaintext that must not be logged");
  await storageFor(s, token).put("obj", body);
  await storageFor(s, token).get("obj");
  await new Promise((r) => setTimeout(r, 50)); // the log stream flushes asynchronously
  assert.ok(existsSync(s.requestLogPath));
  const text = readFileSync(s.requestLogPath, "utf8");
  const lines = text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { method: string; path: string; status: number; account?: string });
  assert.deepEqual(
    lines.map((l) => [l.method, l.path, l.status, l.account]),
    [
      ["POST", "/api/login", 200, "frank"],
      ["PUT", "/api/storage/obj", 201, "frank"],
      ["GET", "/api/storage/obj", 200, "frank"],
    ],
  );
  assert.equal(text.includes(token), false);
  assert.equal(text.includes("plaintext"), false);
});
