/**
 * `chatvault password check`: the password reminder (SECURITY.md, "The password
 * reminder"). It is a real unlock at the key vault — there is no cheaper verifier on this
 * machine to test guesses against. Before asking, it says what a wrong answer costs (one
 * of the attempts left, and one of the lifetime budget for good); a right answer gives
 * its attempt back (spec/vault-protocol.md §6.2) and, with --repo, is confirmed to open
 * the backup. With one attempt left it refuses unless --allow-last-attempt: a reminder
 * must never be what locks the user out. On a realm set: password-check-realms.ts.
 */
import type { Command } from "commander";
import { WrongKeyError } from "@chatvault/format";
import { Repository } from "@chatvault/sdk/core";
import { LockedError, NotEnabledError, WrongPasswordError } from "@chatvault/vault-protocol";
import { CliError } from "../cli-error.ts";
import { describeWait } from "../errors-to-exit.ts";
import { EXIT } from "../exit-codes.ts";
import { count } from "../local-time.ts";
import { type RepoFlags, storageFor } from "../open-repository.ts";
import { outputOf, withRepoOptions, withVaultOptions } from "../options.ts";
import { obtainPassword } from "../secrets.ts";
import { vaultForAccount } from "../vault-account.ts";
import { checkPasswordAtRealms } from "./password-check-realms.ts";
import type { VaultFlags } from "../vault.ts";

interface CheckFlags extends RepoFlags, VaultFlags {
  passwordFile?: string;
  allowLastAttempt?: boolean;
}

export function registerPasswordCheck(group: Command): void {
  const cmd = group
    .command("check")
    .description("password reminder: check that you still know the password (a real unlock; a wrong one spends an attempt, and says so)");
  withRepoOptions(cmd);
  cmd
    .option("--password-file <file>", "file or /dev/fd/N holding the password (env CHATVAULT_PASSWORD_FILE)")
    .option("--allow-last-attempt", "check even when only 1 attempt is left (a wrong answer then locks the password)");
  withVaultOptions(cmd);
  cmd.action(async (flags: CheckFlags, command: Command) => {
    const out = outputOf(command);
    const warn = (l: string) => out.note(l);
    if (flags.realms ?? process.env.CHATVAULT_REALMS_FILE) return checkPasswordAtRealms(flags, out);
    if ((flags.repo ?? process.env.CHATVAULT_REPO) && (await Repository.readConfig(storageFor(flags).storage)).config.realmSet)
      return checkPasswordAtRealms(flags, out);
    const { vault } = await vaultForAccount(flags, out);
    const s = await vault.client.status();
    if (s.state === "not_enabled") throw new NotEnabledError();
    if (s.state === "destroyed" || s.destroyedAt)
      throw new CliError(EXIT.destroyed, "destroyed", "the key to this backup is gone forever: the vault destroyed it after too many wrong passwords");
    if (s.lockedUntil !== null && s.lockedUntil > Date.now()) throw new LockedError(new Date(s.lockedUntil));
    if (s.attemptsRemaining <= 1 && !flags.allowLastAttempt) {
      throw new CliError(
        EXIT.usage,
        "last_attempt",
        `only 1 attempt is left before the password locks: a reminder will not spend it (pass --allow-last-attempt to check anyway)`,
      );
    }
    // Said before the password is asked for: the user decides with the cost in view.
    out.note(
      `Password reminder: a real unlock at the key vault. A right password costs nothing (the attempt is given back); a wrong one spends 1 of your ${count(s.attemptsRemaining, "attempt")} left and 1 of ${s.failureBudgetRemaining} in the lifetime budget.`,
    );
    const password = await obtainPassword(
      { file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn },
      "Backup password:",
    );
    let root;
    try {
      root = (await vault.client.unlockWithDetails(password)).rootKey;
    } catch (e) {
      if (!(e instanceof WrongPasswordError)) throw e;
      const left = e.attemptsRemaining ?? 0;
      const tail = e.destroyed
        ? "it was the last one: the vault destroyed the key"
        : e.retryAfter
          ? `the password is now locked; try again in ${describeWait(e.retryAfter)}`
          : `${count(left, "attempt")} left (a right password later resets this count; the lifetime budget keeps it)`;
      throw new CliError(
        e.destroyed ? EXIT.destroyed : EXIT.wrongSecret,
        "wrong_password",
        `that is not the backup password — this reminder spent 1 attempt: ${tail}`,
        { details: { attemptSpent: true, attemptsRemaining: left } },
      );
    }
    let opened = false;
    if (flags.repo ?? process.env.CHATVAULT_REPO) {
      try {
        await Repository.open(storageFor(flags).storage, root);
        opened = true;
      } catch (e) {
        if (!(e instanceof WrongKeyError)) throw e;
        throw new CliError(
          EXIT.wrongSecret,
          "wrong_key",
          "the password is right for the vault, but the key it unlocks does not open this backup (another account's token?)",
        );
      }
    }
    const after = await vault.client.status();
    out.result({ vault: vault.url, correct: true, opensBackup: opened, attemptsRemaining: after.attemptsRemaining }, [
      `Correct: you remember your backup password${opened ? ", and it opens this backup" : ""}. No attempt was spent (${count(after.attemptsRemaining, "attempt")} left).`,
    ]);
  });
}
