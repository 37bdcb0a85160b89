/**
 * `chatvault disable`: turn end-to-end encrypted backup off — the vault deletes its record
 * (and with it the wrapped key) after a login that just succeeded. The confirmation says
 * what that means: no password opens those backups again. `--keep-key-file F` first saves
 * the 64-digit key, so the backups stay restorable with it.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { keyGroups } from "@chatvault/format";
import { CancelledByUser, UsageError } from "../cli-error.ts";
import { writeNewSecretFile } from "../secret-file.ts";
import { outputOf, withRepoOptions, withVaultOptions } from "../options.ts";
import type { RepoFlags } from "../open-repository.ts";
import { askYesNo } from "../prompts.ts";
import { canPrompt, obtainPassword } from "../secrets.ts";
import { vaultForAccount } from "../vault-account.ts";
import type { VaultFlags } from "../vault.ts";
import { disableAtRealms, realmsAccount } from "./realms-admin.ts";

interface DisableFlags extends RepoFlags, VaultFlags {
  passwordFile?: string;
  keepKeyFile?: string;
  yes?: boolean;
}

export function registerDisable(program: Command): void {
  const cmd = program.command("disable").description("turn end-to-end encrypted backup off: delete the key from the vault");
  withRepoOptions(cmd);
  cmd
    .option("--password-file <file>", "file or /dev/fd/N holding the password (env CHATVAULT_PASSWORD_FILE)")
    .option("--keep-key-file <file>", "first save the 64-digit key to this new file (mode 0600), so the backups stay restorable with it")
    .option("--yes", "do not ask for confirmation (required without a terminal)");
  withVaultOptions(cmd);
  cmd.action(async (flags: DisableFlags, command: Command) => {
    const out = outputOf(command);
    const realms = await realmsAccount(flags, out);
    const single = realms ? undefined : await vaultForAccount(flags, out);
    const location = realms?.location ?? single?.location;
    const where = realms ? `the realms ${realms.connection.realmSet.realms.map((r) => r.url).join(", ")}` : `the vault at ${single!.vault.url}`;
    const backups = location ? `the backups at ${location}` : "the backups protected by this account's password";
    const consequence = flags.keepKeyFile
      ? `This deletes the key from ${where}. No password will open ${backups} again; only the 64-digit key saved to ${resolve(flags.keepKeyFile)} will.`
      : `This deletes the key from ${where}. ${cap(backups)} will then be unreadable to everyone, you included: no password will ever open them again, and nobody can undo this.`;
    if (!flags.yes) {
      if (!canPrompt()) throw new UsageError(`${consequence} Pass --yes to confirm.`);
      out.note(consequence);
      if (!(await askYesNo("Turn off end-to-end encrypted backup?"))) {
        throw new CancelledByUser("nothing changed");
      }
    }
    if (realms) return disableAtRealms(realms, flags, out);
    const vault = single!.vault;
    const warn = (l: string) => out.note(l);
    const password = await obtainPassword({ file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn });
    let keyFile: string | undefined;
    if (flags.keepKeyFile) {
      keyFile = resolve(flags.keepKeyFile);
      const root = await vault.client.unlock(password);
      await writeNewSecretFile(keyFile, keyGroups(root).join(" ") + "\n", "key file"); // before the record goes
    }
    await vault.client.disable(password);
    out.result({ vault: vault.url, disabled: true, ...(location ? { repo: location } : {}), ...(keyFile ? { keyFile } : {}) }, [
      "End-to-end encrypted backup is off: the vault no longer holds the key.",
      ...(keyFile ? [`The backups stay restorable with the 64-digit key in ${keyFile} (chatvault restore --key-file ${keyFile} …).`] : []),
    ]);
  });
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
