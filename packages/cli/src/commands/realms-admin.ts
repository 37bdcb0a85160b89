/**
 * `password change` and `disable` on a realms-mode repository (spec/threshold-vault.md
 * §6.6, §6.7). The commands' own files handle flags and confirmation; these do the work.
 * A realm down during a change keeps its old registration and is brought up to date by
 * the next unlock (never neither password, §6.6); a realm down during disable is
 * remembered and cleaned up by the next operation that reaches it (§6.7).
 */
import { resolve } from "node:path";
import { keyGroups } from "@chatvault/format";
import { Repository } from "@chatvault/sdk/core";
import { changePassword, disable, unlock } from "@chatvault/vault-protocol/threshold";
import { storageFor, type RepoFlags } from "../open-repository.ts";
import type { Output } from "../output.ts";
import { answeredLine, realmLines, realmsForRepository, rememberRealms, type RealmConnection } from "../realms.ts";
import { writeNewSecretFile } from "../secret-file.ts";
import { obtainNewPassword, obtainPassword } from "../secrets.ts";
import { warnIfWeakKsf } from "../vault.ts";

export interface RealmsAccount {
  connection: RealmConnection;
  location: string;
  repoId: string;
}

/** The repository's realm set when its config says realms mode (else undefined: the single-vault path). */
export async function realmsAccount(flags: RepoFlags & { realms?: string }, out: Output): Promise<RealmsAccount | undefined> {
  if (!(flags.repo ?? process.env.CHATVAULT_REPO)) return undefined;
  const { storage, location } = storageFor(flags);
  const { config } = await Repository.readConfig(storage);
  if (config.protection !== "realms" || !config.realmSet) return undefined;
  const connection = await realmsForRepository(config.realmSet, config.repoId, flags.realms, (l) => out.note(l));
  return { connection, location, repoId: config.repoId };
}

export async function changePasswordAtRealms(a: RealmsAccount, flags: { passwordFile?: string; newPasswordFile?: string }, out: Output): Promise<void> {
  const warn = (l: string) => out.note(l);
  const old = await obtainPassword(
    { file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "current password", warn },
    "Current password:",
  );
  const next = await obtainNewPassword(
    { file: flags.newPasswordFile, envVar: "CHATVAULT_NEW_PASSWORD_FILE", flag: "--new-password-file", what: "new password", warn },
    warn,
  );
  warnIfWeakKsf(warn);
  const r = await changePassword(a.connection.ctx, old, next);
  await rememberRealms(a.repoId, a.connection, r.version);
  const behind = a.connection.realmSet.realms.filter((x) => !r.committed.includes(x.id));
  out.result({ repo: a.location, changed: true, recordVersion: r.version, committed: r.committed, behind: behind.map((x) => x.url), realms: r.realms }, [
    "Password changed. Your backups are unchanged; from now on, unlock them with the new password.",
    `  ${r.committed.length} of ${a.connection.realmSet.realms.length} realms hold the new password${behind.length ? `; ${behind.map((x) => x.url).join(", ")} will be brought up to date by the next unlock (the old password no longer works anywhere it matters)` : ""}.`,
  ]);
}

export async function disableAtRealms(a: RealmsAccount, flags: { passwordFile?: string; keepKeyFile?: string }, out: Output): Promise<void> {
  const warn = (l: string) => out.note(l);
  const password = await obtainPassword({ file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn });
  // Turning off needs K (the admin key); the unlock proves the password too.
  const u = await unlock(a.connection.ctx, password);
  let keyFile: string | undefined;
  if (flags.keepKeyFile) {
    keyFile = resolve(flags.keepKeyFile);
    await writeNewSecretFile(keyFile, keyGroups(u.rootKey).join(" ") + "\n", "key file"); // before the shares go
  }
  const d = await disable(a.connection.ctx, u.rootKey);
  for (const l of realmLines(d.realms)) warn(l);
  out.result({ repo: a.location, disabled: true, deleted: d.deleted, pending: d.pending, realms: d.realms, ...(keyFile ? { keyFile } : {}) }, [
    `End-to-end encrypted backup is off: ${d.deleted.length} of ${a.connection.realmSet.realms.length} realms deleted their share of the key (${answeredLine(u.realms)} to the unlock).`,
    ...(d.pending.length
      ? [`  Not reached: ${d.pending.join(", ")} — its share is useless alone and is deleted by the next chatvault command that reaches it.`]
      : []),
    ...(keyFile ? [`The backups stay restorable with the 64-digit key in ${keyFile} (chatvault restore --key-file ${keyFile} …).`] : []),
  ]);
}
