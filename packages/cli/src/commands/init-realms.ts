/**
 * `chatvault init --realms F`: password mode on a threshold realm set
 * (spec/threshold-vault.md §6.1, spec/backup-format.md §8.2.1). Each realm's `/info` is
 * read first (its ID goes into the config, authenticated by the config MAC); then the
 * password is registered at the realms (t must store it) and only then is the repository
 * created — a repository whose key never reached the realms could never be opened.
 */
import { generateRootKey } from "@chatvault/format";
import { Repository } from "@chatvault/sdk/core";
import type { Storage } from "@chatvault/storage";
import { disable, enable, status } from "@chatvault/vault-protocol/threshold";
import { CliError } from "../cli-error.ts";
import { EXIT } from "../exit-codes.ts";
import { guessLimitLine } from "../guess-limit.ts";
import { LOST_PASSWORD_WARNING } from "../loss-warnings.ts";
import type { Output } from "../output.ts";
import { connectRealmSet, discoverRealms, readRealmsFile, realmLines, rememberRealms, tokenFilesOf } from "../realms.ts";
import { obtainNewPassword } from "../secrets.ts";
import { warnIfWeakKsf } from "../vault.ts";

export async function initWithRealms(flags: { realms: string; passwordFile?: string | undefined }, storage: Storage, location: string, out: Output) {
  const warn = (l: string) => out.note(l);
  const file = await readRealmsFile(flags.realms);
  const realmSet = await discoverRealms(file);
  const c = await connectRealmSet(realmSet, tokenFilesOf(file), { warn });
  const s = await status(c.ctx);
  if (s.realms.some((r) => r.state === "active")) {
    throw new CliError(
      EXIT.targetExists,
      "already_enabled",
      "this account already has a password registered at these realms; use `chatvault password change`, or `chatvault disable` first",
    );
  }
  // Each realm applies its own policy (§7); they are configured alike, so the first that answers speaks for them.
  const policy = await Promise.any(c.ctx.apis.map((a) => a.record().then((r) => r.policy))).catch(() => undefined);
  out.note(
    `${LOST_PASSWORD_WARNING}\nThe password is held by a set of ${realmSet.realms.length} realms: any ${realmSet.threshold} of them can unlock, and fewer than ${realmSet.threshold} operators together cannot test a single guess.`,
  );
  if (policy) out.note(`${guessLimitLine(policy)} (at each realm).`);
  const password = await obtainNewPassword(
    { file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn },
    warn,
  );
  warnIfWeakKsf(warn);
  const root = generateRootKey();
  const e = await enable(c.ctx, password, root);
  let repo: Repository;
  try {
    repo = await Repository.init(storage, root, { protection: "realms", realmSet });
  } catch (err) {
    await disable(c.ctx, root).catch(() => {}); // undo: the registration would protect nothing
    throw err;
  }
  await rememberRealms(repo.repoId, c, e.version);
  for (const l of realmLines(e.realms)) out.note(l);
  return {
    repo: location,
    repoId: repo.repoId,
    protection: "realms",
    realms: { threshold: realmSet.threshold, realms: realmSet.realms, stored: e.stored },
  };
}
