/**
 * Talking to the key vault (password mode): which vault, which account token, and the
 * vault's "latest backup" head adapted to the engine's HeadStore (spec §8.6: in password
 * mode the vault, not this machine, remembers the newest snapshot).
 */
import { type HeadStore, vaultHeadStore as sdkVaultHeadStore } from "@chatvault/sdk/core";
import type { RootKey } from "@chatvault/format";
import { TEST_ONLY_WEAK_KEY_STRETCHING, VaultClient } from "@chatvault/vault-protocol";
import { UsageError } from "./cli-error.ts";
import { recall } from "./local-config.ts";
import { readSecretFile } from "./secrets.ts";

export interface VaultFlags {
  vault?: string;
  tokenFile?: string;
  /** Realms mode: the realms file (realms.ts). */
  realms?: string;
}

export interface VaultConnection {
  client: VaultClient;
  url: string;
  tokenFile: string;
}

/**
 * TEST ONLY: cheap Argon2id so test suites can log in hundreds of times. The vault must
 * opt in too; a real vault refuses such registrations.
 */
function weakKsfForTests(): boolean {
  return process.env.CHATVAULT_INSECURE_TEST_KSF === "1";
}

/** Say so whenever a password is about to be registered with the test-only cheap hashing. */
export function warnIfWeakKsf(warn: (l: string) => void): void {
  if (weakKsfForTests()) warn("warning: CHATVAULT_INSECURE_TEST_KSF=1 — this password is hashed with test-only cheap settings; never use it for real");
}

/**
 * Connect to the vault. URL: --vault, $CHATVAULT_VAULT, what this machine remembers for the
 * repository, then the repository config's (unauthenticated) hint. Token file: --token-file,
 * $CHATVAULT_TOKEN_FILE, then what this machine remembers.
 */
export async function connectVault(flags: VaultFlags, ctx: { repoId?: string; hintUrl?: string; warn: (l: string) => void }): Promise<VaultConnection> {
  const mem = ctx.repoId ? await recall(ctx.repoId) : {};
  const url = flags.vault ?? (process.env.CHATVAULT_VAULT || undefined) ?? mem.vaultUrl ?? ctx.hintUrl;
  if (!url) throw new UsageError("no key vault: pass --vault URL or set CHATVAULT_VAULT");
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`--vault must be an http(s) URL, got ${JSON.stringify(url)}`);
  if (url.startsWith("http://") && !isLoopback(url)) ctx.warn(`warning: the vault at ${url} is not reached over HTTPS; the account token travels in the clear`);
  const tokenFile = flags.tokenFile ?? (process.env.CHATVAULT_TOKEN_FILE || undefined) ?? mem.tokenFile;
  if (!tokenFile) throw new UsageError("no account token: pass --token-file F (a file or /dev/fd/N) or set CHATVAULT_TOKEN_FILE");
  const token = (await readSecretFile(tokenFile, "account token", ctx.warn)).trim();
  const weak = weakKsfForTests();
  const client = new VaultClient({
    baseUrl: url,
    token: () => token,
    ...(weak ? { keyStretching: TEST_ONLY_WEAK_KEY_STRETCHING, allowWeakKeyStretching: true } : {}),
  });
  return { client, url, tokenFile };
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}

/** The vault's head as the engine's HeadStore (the vault speaks base64url digests; the engine hex). */
export function vaultHeadStore(client: VaultClient, url: string, rootKey: RootKey): HeadStore {
  return sdkVaultHeadStore(client, rootKey, `vault ${url}`);
}
