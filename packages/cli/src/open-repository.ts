/**
 * From flags to an open repository: where it is (--repo / $CHATVAULT_REPO, a folder or
 * s3://bucket/prefix), and how to get its root key — the 64-digit key in key mode, or the
 * password unlocked by the vault in password mode — plus the matching freshness record
 * (a local HMAC'd file in key mode, the vault's head in password mode; spec §8.6).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { WrongKeyError } from "@chatvault/format";
import { type HeadStore, Repository } from "@chatvault/sdk/core";
import { localHeadStore, openStorage } from "@chatvault/sdk/node/core";
import type { Storage } from "@chatvault/storage";
import { CliError, UsageError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";
import { headRecordPath, recall, remember } from "./local-config.ts";
import type { Output } from "./output.ts";
import { obtainKey, obtainPassword, secretPath } from "./secrets.ts";
// Types only: the vault client and the realms code (vault-protocol, OPAQUE's WASM, the
// threshold code) are imported below only when a repository needs them, so a key-mode
// backup does not pay for loading them at every start (docs/performance.md).
import type { VaultConnection, VaultFlags } from "./vault.ts";
import type { RealmReport } from "@chatvault/vault-protocol/threshold";

export interface RepoFlags {
  repo?: string;
  s3Endpoint?: string;
  s3Region?: string;
}

export interface SecretFlags extends VaultFlags {
  keyFile?: string;
  passwordFile?: string;
}

export function repoLocation(flags: RepoFlags): string {
  const loc = flags.repo ?? (process.env.CHATVAULT_REPO || undefined);
  if (!loc) throw new UsageError("no backup location: pass --repo <folder|s3://bucket/prefix> or set CHATVAULT_REPO");
  return loc;
}

export function storageFor(flags: RepoFlags): { storage: Storage; location: string } {
  const location = repoLocation(flags);
  const endpoint = flags.s3Endpoint ?? (process.env.CHATVAULT_S3_ENDPOINT || undefined);
  const storage = openStorage(location, {
    ...(endpoint ? { s3Endpoint: endpoint } : {}),
    ...(flags.s3Region ? { s3Region: flags.s3Region } : {}),
  });
  return { storage, location: location.startsWith("s3://") ? location : resolve(location) };
}

export interface Unlocked {
  repo: Repository;
  heads: HeadStore;
  mode: "key" | "password" | "realms";
  location: string;
  vault?: VaultConnection;
  /** Realms mode: how each realm took part in the unlock. */
  realms?: RealmReport[];
}

/**
 * Open the repository with its key. The protection mode comes from the repository config
 * (readable without a key, authenticated once the key is known: spec §8.2). A key file —
 * --key-file or $CHATVAULT_KEY_FILE, exactly alike — opens any backup directly (the
 * 64-digit key is the root key either way) and never contacts a vault, whatever the
 * config says: a storage provider that switched a key-mode config to password mode
 * then fails the config MAC instead of learning where our token goes.
 */
export async function unlockRepository(flags: RepoFlags & SecretFlags, out: Output): Promise<Unlocked> {
  const { storage, location } = storageFor(flags);
  const parsed = await Repository.readConfig(storage);
  const { config } = parsed;
  const warn = (l: string) => out.note(l);
  const keyFile = secretPath(flags.keyFile, "CHATVAULT_KEY_FILE");
  if (config.protection === "key" || keyFile) {
    const root = await obtainKey({ file: keyFile, envVar: "CHATVAULT_KEY_FILE", flag: "--key-file", what: "key", warn });
    const repo = await Repository.open(storage, root, parsed);
    if (config.protection === "realms") await (await import("./realms-unlock.ts")).finishRealmDeletes(repo, flags.realms, out);
    return { repo, heads: localHeadStore(headRecordPath(repo.repoId), repo.keys, repo.repoId), mode: "key", location };
  }
  if (config.protection === "passkey") {
    // Spec §13: the passkey's PRF needs WebAuthn, which a command line has not.
    throw new CliError(
      EXIT.usage,
      "passkey_protected",
      `the backup at ${location} is protected by a passkey: restore it in the web app with that passkey (this command line cannot use passkeys)`,
    );
  }
  await refuseSwitchedToPassword(config.repoId, location);
  if (config.protection === "realms") return { ...(await (await import("./realms-unlock.ts")).unlockWithRealms(flags, storage, parsed, out)), location };
  const [{ connectVault, vaultHeadStore }, { attemptHistoryLine, hasFailedAttempts }] = await Promise.all([
    import("./vault.ts"),
    import("./attempt-history.ts"),
  ]);
  const vault = await connectVault(flags, { repoId: config.repoId, hintUrl: config.vaultUrl, warn });
  const password = await obtainPassword({ file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn });
  const { rootKey: root, attemptHistory } = await vault.client.unlockWithDetails(password);
  // Tell the owner if someone has been guessing since the password last worked (spec §5.7).
  if (attemptHistory && hasFailedAttempts(attemptHistory)) out.note(`Note: ${attemptHistoryLine(attemptHistory)}`);
  let repo: Repository;
  try {
    repo = await Repository.open(storage, root, parsed);
  } catch (e) {
    if (!(e instanceof WrongKeyError)) throw e;
    throw new CliError(
      EXIT.wrongSecret,
      "wrong_key",
      "the key the vault holds for this account does not open this backup (is the account token for the right account?)",
    );
  }
  await rememberVault(repo.repoId, vault);
  return { repo, heads: vaultHeadStore(vault.client, vault.url, root), mode: "password", location, vault };
}

/**
 * The config says password mode, but this machine keeps a key-mode freshness record for
 * this repository and never used a vault for it: the config was switched under us (the
 * MAC would catch it, but only after the token went to the vault the config names).
 */
async function refuseSwitchedToPassword(repoId: string, location: string): Promise<void> {
  if (!existsSync(headRecordPath(repoId)) || (await recall(repoId)).vaultUrl) return;
  throw new CliError(
    EXIT.integrity,
    "integrity",
    `the backup at ${location} was protected by a 64-digit key on this machine, but its config now says password mode: the config was modified; pass --key-file (no vault is contacted)`,
    { details: { reason: "config_switched" } },
  );
}

/** Remember the vault URL and token *path* (never the token) for later commands on this machine. */
export async function rememberVault(repoId: string, vault: VaultConnection): Promise<void> {
  const file = vault.tokenFile;
  const stable = !/^\/(dev|proc)\//.test(resolve(file)); // a descriptor is gone next time
  await remember(repoId, { vaultUrl: vault.url, ...(stable ? { tokenFile: resolve(file) } : {}) });
}
