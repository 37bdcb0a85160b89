/**
 * Realms mode (spec/backup-format.md §8.2.1): unlock K with the password at t of the
 * repository's realms, open the repository (whose MAC then vouches for the realm set we
 * used), and keep the head at the realms (spec §8.6).
 */
import { WrongKeyError } from "@chatvault/format";
import { type HeadStore, Repository, realmSetHeadStore } from "@chatvault/sdk/core";
import type { Storage } from "@chatvault/storage";
import { advanceHead, disable, readHead, unlock, type RealmReport } from "@chatvault/vault-protocol/threshold";
import { CliError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";
import type { Output } from "./output.ts";
import { FilePendingDeletes, FileUnlockHint, answeredLine, realmsForRepository, rememberRealms, type RealmConnection } from "./realms.ts";
import { obtainPassword } from "./secrets.ts";

export interface RealmsUnlocked {
  repo: Repository;
  heads: HeadStore;
  mode: "realms";
  realms: RealmReport[];
  connection: RealmConnection;
}

export function realmHeads(c: RealmConnection, repo: Repository): HeadStore {
  const describe = `realms ${c.realmSet.realms.map((r) => r.url).join(", ")} (${c.realmSet.threshold} of ${c.realmSet.realms.length})`;
  return realmSetHeadStore({ readHead: (k) => readHead(c.ctx, k), advanceHead: (k, s, d) => advanceHead(c.ctx, k, s, d) }, repo.rootKey, describe);
}

export async function unlockWithRealms(
  flags: { realms?: string; passwordFile?: string },
  storage: Storage,
  parsed: Awaited<ReturnType<typeof Repository.readConfig>>,
  out: Output,
): Promise<RealmsUnlocked> {
  const { config } = parsed;
  const warn = (l: string) => out.note(l);
  const c = await realmsForRepository(config.realmSet!, config.repoId, flags.realms, warn);
  const password = await obtainPassword({ file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn });
  let r: Awaited<ReturnType<typeof unlock>>;
  try {
    r = await unlock(c.ctx, password);
  } finally {
    // The hint of spec/threshold-vault.md §6.2.1 for the next process: set by a success, cleared by a lock.
    await new FileUnlockHint(config.repoId).save(c.ctx).catch(() => undefined);
  }
  out.note(`Unlocked with the password: ${answeredLine(r.realms)}.`);
  for (const a of r.repairs) out.note(`Realm ${a.realmId}: ${a.action} ${a.ok ? "done" : `failed${a.code ? ` (${a.code})` : ""}`}.`);
  let repo: Repository;
  try {
    repo = await Repository.open(storage, r.rootKey, parsed);
  } catch (e) {
    if (!(e instanceof WrongKeyError)) throw e;
    throw new CliError(
      EXIT.wrongSecret,
      "wrong_key",
      "the key the realms hold for this account does not open this backup (are the account tokens for the right account?)",
    );
  }
  await rememberRealms(repo.repoId, c, r.version);
  return { repo, heads: realmHeads(c, repo), mode: "realms", realms: r.realms, connection: c };
}

/**
 * Turned off while a realm was down (spec/threshold-vault.md §6.7): that realm still holds
 * a share, useless alone. The next command that holds K for this repository — the kept
 * 64-digit key — and reaches the realm deletes it. Best effort: a realm still down stays
 * remembered; nothing here fails the command.
 */
export async function finishRealmDeletes(repo: Repository, realmsFlag: string | undefined, out: Output): Promise<void> {
  const set = repo.config.realmSet;
  if (!set || (await new FilePendingDeletes(repo.repoId).list()).length === 0) return;
  try {
    const c = await realmsForRepository(set, repo.repoId, realmsFlag, (l) => out.note(l));
    const d = await disable(c.ctx, repo.rootKey);
    const done = set.realms.filter((r) => d.deleted.includes(r.id)).map((r) => r.url);
    out.note(
      `Turned-off password protection finished at ${done.length ? done.join(", ") : "no realm"}${d.pending.length ? `; still pending: ${d.pending.join(", ")}` : ""}.`,
    );
  } catch (e) {
    out.note(`note: could not finish turning off password protection at every realm yet (${(e as Error).message}); the next command tries again`);
  }
}
