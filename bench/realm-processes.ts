/**
 * Three vault processes for the realms benches (bench/vault-realms.ts, bench/realms-profile.ts):
 * each its own data folder, port and token secret, so they are three realms of a 2-of-3 set;
 * the first one's /v1 is also the single vault the realms are compared with. And, per
 * account, the two clients: the single vault's and a realms context, both with the
 * test-only key stretching.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { generateRootKey } from "@chatvault/format";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import { createContext, enable, type RealmFetch, type ThresholdContext } from "@chatvault/vault-protocol/threshold";
import { nativeArgon2id } from "@chatvault/vault-protocol/node";
import { mintDevToken } from "@chatvault/vault-server";
import { createKeepAliveFetch } from "@chatvault/vault-server/testing";
import { freePort, startVaultNode, type VaultNode } from "./vault-process.ts";

/** The realms' Argon2id in the benches: test-only, as cheap as the single vault's. */
export const TINY_KSF = { memoryKiB: 8, iterations: 1, parallelism: 1 };

export interface BenchRealms {
  nodes: VaultNode[];
  realmSet: { threshold: number; realms: { id: string; url: string }[] };
  /** Both clients of `account`, enrolled with `password` (each its own root key). */
  enrol(account: string, password: string): Promise<{ single: VaultClient; realms: ThresholdContext }>;
  stop(): Promise<void>;
}

/** Starts the three processes under `dir` (each with `maxSockets` keep-alive sockets from the client); stops what started if one fails. */
export async function startBenchRealms(dir: string, maxSockets: number): Promise<BenchRealms> {
  const nodes: VaultNode[] = [];
  const secrets: string[] = [];
  const fetches: ReturnType<typeof createKeepAliveFetch>[] = [];
  const stop = async () => {
    for (const f of fetches) f.close();
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 1; i <= 3; i++) {
      const home = join(dir, `realm-${i}`);
      mkdirSync(home, { recursive: true });
      const secret = randomBytes(32).toString("base64url");
      secrets.push(secret);
      const args = ["--data-dir", home, "--host", "127.0.0.1", "--port", String(await freePort()), "--workers", "1"];
      args.push("--rate-ip", "0", "--rate-account", "0", "--allow-weak-ksf", "--log-level", "warn");
      // REALM_CPU_PROF=<dir>: each vault process writes a V8 CPU profile there when it stops (a realm's side of an unlock).
      // REALM_MAIN=<path>: the vault processes run another build's main.ts (a client of one version against realms of another).
      const nodeFlags = process.env.REALM_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.REALM_CPU_PROF] : [];
      nodes.push(
        await startVaultNode(
          args,
          { ...process.env, CHATVAULT_VAULT_JWT_SECRET: secret },
          { nodeFlags, ...(process.env.REALM_MAIN ? { mainPath: process.env.REALM_MAIN } : {}) },
        ),
      );
      fetches.push(createKeepAliveFetch({ maxSockets }));
    }
    const realmSet = {
      threshold: 2,
      realms: await Promise.all(
        nodes.map(async (n) => ({ id: ((await (await fetch(`${n.url}/realm/v1/info`)).json()) as { realmId: string }).realmId, url: n.url })),
      ),
    };
    const byId = new Map(realmSet.realms.map((r, i) => [r.id, i]));
    // RTT_MS=<ms>: every request of both clients waits that long before it is sent, a stand-in for a network round
    // trip (the same for the single vault and the realms; the bench's definition is RTT_MS unset).
    const rtt = Number(process.env.RTT_MS ?? 0);
    // Both wrappers keep the keep-alive fetch's `enforcesTimeout`, so the transports do not add an AbortController per request.
    const delayed = (f: RealmFetch): RealmFetch =>
      rtt > 0
        ? Object.assign((input: string, init: Parameters<RealmFetch>[1]) => new Promise((r) => setTimeout(r, rtt)).then(() => f(input, init)), {
            enforcesTimeout: true,
          })
        : f;
    const singleFetch = delayed(fetches[0]!);
    const realmFetch = delayed(
      Object.assign(
        (input: string, init: Parameters<RealmFetch>[1]) => fetches[byId.get(realmSet.realms.find((r) => input.startsWith(r.url))!.id)!]!(input, init),
        {
          enforcesTimeout: true,
        },
      ),
    );
    const enrol = async (account: string, password: string) => {
      const tokens = await Promise.all(secrets.map((secret) => mintDevToken({ secret, account, ttl: 3600 })));
      const single = new VaultClient({
        baseUrl: nodes[0]!.url,
        token: () => tokens[0]!,
        fetch: singleFetch,
        keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING,
        allowWeakKeyStretching: true,
      });
      await single.enable(password, generateRootKey());
      const realms = createContext({
        realmSet,
        accountId: account,
        tokenFor: (r) => tokens[byId.get(r.id)!]!,
        ksf: TINY_KSF,
        allowWeakKsf: true,
        // The Argon2id a Node client uses (the CLI passes the same).
        argon2: nativeArgon2id,
        fetch: realmFetch,
      });
      await enable(realms, password, generateRootKey());
      return { single, realms };
    };
    return { nodes, realmSet, enrol, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
