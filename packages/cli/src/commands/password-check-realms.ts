/**
 * `chatvault password check` on a realm set (spec/threshold-vault.md §6.3–6.4, §7): the
 * same reminder as with one vault, where each realm applies its own policy. A wrong
 * answer spends one attempt at every realm that evaluates (each counts before it
 * answers); a right one resets the count at every realm that receives the unlock proof.
 * What the set allows is decided by the t-th realm (§6.2), so the reminder refuses when
 * the t-th largest "attempts left" is 1, unless --allow-last-attempt.
 *
 * The realm set comes from the repository's config when --repo is given (the set the
 * backup was made with, checked by the config MAC once the key is unlocked), else from
 * the realms file (each realm's ID read from its /info).
 */
import { WrongKeyError } from "@chatvault/format";
import { Repository } from "@chatvault/sdk/core";
import { status, unlock, RealmsWrongPasswordError, type ThresholdStatus } from "@chatvault/vault-protocol/threshold";
import { LockedError, NotEnabledError } from "@chatvault/vault-protocol";
import { CliError, UsageError } from "../cli-error.ts";
import { describeWait } from "../errors-to-exit.ts";
import { EXIT } from "../exit-codes.ts";
import { count } from "../local-time.ts";
import { type RepoFlags, storageFor } from "../open-repository.ts";
import type { Output } from "../output.ts";
import { type RealmConnection, answeredLine, connectRealmSet, discoverRealms, readRealmsFile, realmsForRepository, tokenFilesOf } from "../realms.ts";
import { obtainPassword } from "../secrets.ts";

export interface RealmsCheckFlags extends RepoFlags {
  realms?: string;
  passwordFile?: string;
  allowLastAttempt?: boolean;
}

export async function checkPasswordAtRealms(flags: RealmsCheckFlags, out: Output): Promise<void> {
  const warn = (l: string) => out.note(l);
  const realmsFlag = flags.realms ?? (process.env.CHATVAULT_REALMS_FILE || undefined);
  let c: RealmConnection;
  let repoOpen: ((root: Parameters<typeof Repository.open>[1]) => Promise<Repository>) | undefined;
  if (flags.repo ?? process.env.CHATVAULT_REPO) {
    const { storage } = storageFor(flags);
    const parsed = await Repository.readConfig(storage);
    if (!parsed.config.realmSet) throw new UsageError("this backup is not protected by a realm set: run `chatvault password check --repo …` without --realms");
    c = await realmsForRepository(parsed.config.realmSet, parsed.config.repoId, realmsFlag, warn);
    repoOpen = (root) => Repository.open(storage, root, parsed);
  } else {
    if (!realmsFlag) throw new UsageError("pass --repo DIR|URL or --realms FILE");
    const file = await readRealmsFile(realmsFlag);
    c = await connectRealmSet(await discoverRealms(file), tokenFilesOf(file), { warn });
  }
  const t = c.realmSet.threshold;
  const s = await status(c.ctx);
  refuseBeforeAsking(s, !!flags.allowLastAttempt);
  // Said before the password is asked for: the user decides with the cost in view.
  out.note(
    `Password reminder: a real unlock at ${s.realms.length} realms (${t} needed). A right password costs nothing (each realm gives its attempt back); a wrong one spends 1 attempt at every realm asked — the set then allows ${count(s.attemptsRemaining - 1, "more attempt")}.`,
  );
  const password = await obtainPassword(
    { file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn },
    "Backup password:",
  );
  let unlocked;
  try {
    unlocked = await unlock(c.ctx, password);
  } catch (e) {
    if (!(e instanceof RealmsWrongPasswordError)) throw e;
    const left = e.attemptsRemaining ?? 0;
    const tail =
      e.lockedUntil && e.lockedUntil > Date.now()
        ? `the password is now locked; try again in ${describeWait(new Date(e.lockedUntil))}`
        : `the set allows ${count(left, "more attempt")} (a right password later resets each realm's count)`;
    throw new CliError(EXIT.wrongSecret, "wrong_password", `that is not the backup password — this reminder spent 1 attempt at each realm asked: ${tail}`, {
      details: { attemptSpent: true, attemptsRemaining: left },
    });
  }
  let opened = false;
  if (repoOpen) {
    try {
      await repoOpen(unlocked.rootKey);
      opened = true;
    } catch (e) {
      if (!(e instanceof WrongKeyError)) throw e;
      throw new CliError(
        EXIT.wrongSecret,
        "wrong_key",
        "the password is right for the realms, but the key they hold does not open this backup (tokens for another account?)",
      );
    }
  }
  const after = await status(c.ctx);
  out.result(
    {
      realms: unlocked.realms.map((r) => ({ id: r.id, url: r.url, status: r.status })),
      correct: true,
      opensBackup: opened,
      attemptsRemaining: after.attemptsRemaining,
    },
    [
      `Correct: you remember your backup password${opened ? ", and it opens this backup" : ""} (${answeredLine(unlocked.realms)}). No attempt was spent (the set allows ${count(after.attemptsRemaining, "attempt")}).`,
    ],
  );
}

function refuseBeforeAsking(s: ThresholdStatus, allowLast: boolean): void {
  if (s.state === "none") throw new NotEnabledError();
  if (s.state === "destroyed")
    throw new CliError(EXIT.destroyed, "destroyed", "the key to this backup is gone forever: too many realms destroyed their shares after wrong passwords");
  if (s.state !== "active") {
    throw new CliError(
      EXIT.vaultUnreachable,
      "realms_unavailable",
      `only ${s.reachable} of ${s.realms.length} realms answered with this password's record (${s.threshold} needed): \`chatvault status\` shows each realm`,
    );
  }
  if (s.lockedUntil !== null && s.lockedUntil > Date.now()) throw new LockedError(new Date(s.lockedUntil));
  if (s.attemptsRemaining <= 1 && !allowLast) {
    throw new CliError(
      EXIT.usage,
      "last_attempt",
      "only 1 attempt is left before the password locks at the realms: a reminder will not spend it (pass --allow-last-attempt to check anyway)",
    );
  }
}
