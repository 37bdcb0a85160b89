/**
 * `chatvault password change`: replace the password, knowing the old one. The root key —
 * and so every backup — stays the same; only the vault record is re-registered (after a
 * login that just succeeded, so a wrong old password spends an attempt like any guess).
 * When the new password is to be typed (twice, at a prompt), the old one is checked first
 * with a login of its own: a typo in it fails at once, not after both new entries (the
 * successful login gives its attempt back, spec/vault-protocol.md §6.2).
 */
import type { Command } from "commander";
import { outputOf, withRepoOptions, withVaultOptions } from "../options.ts";
import { registerPasswordCheck } from "./password-check.ts";
import type { RepoFlags } from "../open-repository.ts";
import { obtainNewPassword, obtainPassword, secretPath } from "../secrets.ts";
import { vaultForAccount } from "../vault-account.ts";
import { type VaultFlags, warnIfWeakKsf } from "../vault.ts";
import { changePasswordAtRealms, realmsAccount } from "./realms-admin.ts";

interface ChangeFlags extends RepoFlags, VaultFlags {
  passwordFile?: string;
  newPasswordFile?: string;
}

export function registerPassword(program: Command): void {
  const group = program.command("password").description("manage the backup password (password mode)");
  const cmd = group.command("change").description("change the password; the backup stays readable");
  withRepoOptions(cmd);
  cmd
    .option("--password-file <file>", "file or /dev/fd/N holding the current password (env CHATVAULT_PASSWORD_FILE)")
    .option("--new-password-file <file>", "file or /dev/fd/N holding the new password (env CHATVAULT_NEW_PASSWORD_FILE)");
  withVaultOptions(cmd);
  cmd.action(async (flags: ChangeFlags, command: Command) => {
    const out = outputOf(command);
    const warn = (l: string) => out.note(l);
    const realms = await realmsAccount(flags, out);
    if (realms) return changePasswordAtRealms(realms, flags, out);
    const { vault } = await vaultForAccount(flags, out);
    const old = await obtainPassword(
      { file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "current password", warn },
      "Current password:",
    );
    if (!secretPath(flags.newPasswordFile, "CHATVAULT_NEW_PASSWORD_FILE")) await vault.client.unlockWithDetails(old);
    const next = await obtainNewPassword(
      { file: flags.newPasswordFile, envVar: "CHATVAULT_NEW_PASSWORD_FILE", flag: "--new-password-file", what: "new password", warn },
      warn,
    );
    warnIfWeakKsf(warn);
    const r = await vault.client.changePassword(old, next);
    out.result({ vault: vault.url, changed: true, recordVersion: r.recordVersion }, [
      "Password changed. Your backups are unchanged; from now on, unlock them with the new password.",
    ]);
  });
  registerPasswordCheck(group);
}
