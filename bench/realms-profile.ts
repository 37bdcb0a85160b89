/**
 * The client side of sequential 2-of-3 unlocks alone, for a CPU profile of the client
 * (docs/performance.md, threshold realms): three realm processes as in bench/vault-realms.ts,
 * one account, `unlocks` unlocks one after another (after a warm-up).
 * `PROFILE=/tmp/realms.cpuprofile node --conditions=chatvault-source --import tsx bench/realms-profile.ts [unlocks] [single]`
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateRootKey } from "@chatvault/format";
import { useNodeCrypto } from "@chatvault/format/node";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import { createContext, enable, unlock, type RealmFetch } from "@chatvault/vault-protocol/threshold";
import { mintDevToken } from "@chatvault/vault-server";
import { createKeepAliveFetch } from "@chatvault/vault-server/testing";
import { freePort, startVaultNode, type VaultNode } from "./vault-process.ts";

const unlocks = Number(process.argv[2] ?? 200);
const mode = process.argv[3] === "single" ? "single" : "realms";
useNodeCrypto();
const dir = join("/tmp", `realms-profile-${process.pid}`);
const nodes: VaultNode[] = [];
const secrets: string[] = [];
const fetches: ReturnType<typeof createKeepAliveFetch>[] = [];
try {
  for (let i = 1; i <= 3; i++) {
    const home = join(dir, `realm-${i}`);
    mkdirSync(home, { recursive: true });
    const secret = randomBytes(32).toString("base64url");
    secrets.push(secret);
    const port = String(await freePort());
    const args = [
      "--data-dir",
      home,
      "--host",
      "127.0.0.1",
      "--port",
      port,
      "--workers",
      "1",
      "--rate-ip",
      "0",
      "--rate-account",
      "0",
      "--allow-weak-ksf",
      "--log-level",
      "warn",
    ];
    nodes.push(await startVaultNode(args, { ...process.env, CHATVAULT_VAULT_JWT_SECRET: secret }));
    fetches.push(createKeepAliveFetch({ maxSockets: 16 }));
  }
  const realmSet = {
    threshold: 2,
    realms: await Promise.all(
      nodes.map(async (n) => ({ id: ((await (await fetch(`${n.url}/realm/v1/info`)).json()) as { realmId: string }).realmId, url: n.url })),
    ),
  };
  const account = "realm-profile";
  const tokens = await Promise.all(secrets.map((secret) => mintDevToken({ secret, account, ttl: 3600 })));
  const byId = new Map(realmSet.realms.map((r, i) => [r.id, i]));
  let run: () => Promise<unknown>;
  if (mode === "single") {
    const c = new VaultClient({
      baseUrl: nodes[0]!.url,
      token: () => tokens[0]!,
      fetch: fetches[0]!,
      keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING,
      allowWeakKeyStretching: true,
    });
    await c.enable("pw (profile)", generateRootKey());
    run = () => c.unlock("pw (profile)");
  } else {
    const ctx = createContext({
      realmSet,
      accountId: account,
      tokenFor: (r) => tokens[byId.get(r.id)!]!,
      ksf: { memoryKiB: 8, iterations: 1, parallelism: 1 },
      allowWeakKsf: true,
      fetch: ((input, init) => fetches[byId.get(realmSet.realms.find((r) => input.startsWith(r.url))!.id)!]!(input, init)) as RealmFetch,
    });
    await enable(ctx, "pw (profile)", generateRootKey());
    run = () => unlock(ctx, "pw (profile)");
  }
  for (let i = 0; i < 30; i++) await run();
  // PROFILE=<file>: a CPU profile of the measured unlocks only (not start-up, enrolment, warm-up).
  const session = process.env.PROFILE ? new Session() : null;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < unlocks; i++) await run();
  const c = process.cpuUsage(c0);
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  console.log(
    `${mode}: ${unlocks} unlocks, ${((performance.now() - t0) / unlocks).toFixed(2)} ms each (wall), client CPU ${((c.user + c.system) / 1000 / unlocks).toFixed(2)} ms each`,
  );
} finally {
  for (const f of fetches) f.close();
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
}
