/**
 * `chatvault init`: create an encrypted backup at a folder or S3 prefix, protected by a
 * 64-digit key (shown once, typed back) or by a password kept by the key vault. The
 * article's "create the key" step; nothing secret is written to any config.
 */
import { unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { type RootKey, generateRootKey, keyGroups } from "@chatvault/format";
import { Repository, RepositoryExistsError, RepositoryNotFoundError } from "@chatvault/sdk/core";
import type { Storage } from "@chatvault/storage";
import { DEFAULT_LOCK_SCHEDULE } from "@chatvault/vault-protocol";
import { CancelledByUser, CliError, UsageError } from "../cli-error.ts";
import { EXIT } from "../exit-codes.ts";
import { NOT_COVERED_LINE } from "../copies-note.ts";
import { writeNewSecretFile } from "../secret-file.ts";
import { guessLimitLine } from "../guess-limit.ts";
import { confirmKeySaved, showKey } from "../key-ceremony.ts";
import { LOST_KEY_WARNING, LOST_PASSWORD_WARNING } from "../loss-warnings.ts";
import { rememberVault, storageFor } from "../open-repository.ts";
import { outputOf, withRepoOptions, withVaultOptions } from "../options.ts";
import type { Output } from "../output.ts";
import { askChoice, askLine } from "../prompts.ts";
import { canPrompt, obtainNewPassword } from "../secrets.ts";
import { connectVault, warnIfWeakKsf } from "../vault.ts";
import { initWithRealms } from "./init-realms.ts";

interface InitFlags {
  repo?: string;
  s3Endpoint?: string;
  s3Region?: string;
  protection?: "key" | "password";
  newKeyFile?: string;
  passwordFile?: string;
  vault?: string;
  tokenFile?: string;
  realms?: string;
}

export function registerInit(program: Command): void {
  const cmd = program.command("init").description("create an end-to-end encrypted backup protected by a 64-digit key or a password");
  withRepoOptions(cmd);
  cmd
    .addOption(new Option("--protection <mode>", "how the backup is protected").choices(["key", "password"]))
    .option("--new-key-file <file>", "key mode: write the generated 64-digit key to this new file (mode 0600) instead of showing it")
    .option("--password-file <file>", "password mode: file or /dev/fd/N holding the new password (env CHATVAULT_PASSWORD_FILE)");
  withVaultOptions(cmd);
  cmd.action(async (flags: InitFlags, command: Command) => {
    const out = outputOf(command);
    const { storage, location } = storageFor(flags);
    await mustBeEmpty(storage);
    if (flags.realms && (flags.newKeyFile || flags.vault || flags.tokenFile || flags.protection === "key"))
      throw new UsageError("--realms (a realm set) cannot be combined with --new-key-file, --vault or --token-file");
    const mode = flags.realms ? "password" : await chooseMode(flags);
    const result = flags.realms
      ? await initWithRealms({ realms: flags.realms, passwordFile: flags.passwordFile }, storage, location, out)
      : mode === "key"
        ? await initWithKey(flags, storage, location, out)
        : await initWithPassword(flags, storage, location, out);
    // Key mode: the key must come along (a file, or typed at the prompt); name the file when we wrote it.
    const keyFlag = mode === "key" ? ` --key-file ${"keyFile" in result && result.keyFile ? result.keyFile : "<file holding the key>"}` : "";
    out.result(result, [
      `Created an end-to-end encrypted backup at ${location} (${mode === "key" ? "64-digit key" : flags.realms ? "password, held by a realm set" : "password"}).`,
      NOT_COVERED_LINE,
      `Next: chatvault backup --repo ${location}${keyFlag} --db <chat.db> --media <media folder>`,
    ]);
  });
}

async function chooseMode(flags: InitFlags): Promise<"key" | "password"> {
  const wantsKey = !!flags.newKeyFile;
  const wantsPassword = !!(flags.passwordFile || flags.vault || flags.tokenFile);
  if (wantsKey && wantsPassword) throw new UsageError("choose one: --new-key-file (key mode) or --password-file/--vault/--token-file (password mode)");
  if (flags.protection) {
    if ((flags.protection === "key" && wantsPassword) || (flags.protection === "password" && wantsKey)) {
      throw new UsageError(`--protection ${flags.protection} contradicts the other flags`);
    }
    return flags.protection;
  }
  if (wantsKey) return "key";
  if (wantsPassword) return "password";
  if (!canPrompt()) throw new UsageError("choose the protection: --new-key-file F (key mode) or --password-file F --vault URL --token-file F (password mode)");
  return askChoice<"key" | "password">("Protect the backup with", [
    { name: `a password of your choice (kept safe by the key vault: ${DEFAULT_LOCK_SCHEDULE.maxAttempts} attempts, then a wait)`, value: "password" },
    { name: "a 64-digit encryption key that only you will know", value: "key" },
  ]);
}

/** Fail before generating or showing a key that would protect nothing. */
async function mustBeEmpty(storage: Storage): Promise<void> {
  try {
    await Repository.readConfig(storage);
  } catch (e) {
    if (e instanceof RepositoryNotFoundError) return;
    throw e;
  }
  throw new RepositoryExistsError(storage.location);
}

async function initWithKey(flags: InitFlags, storage: Storage, location: string, out: Output) {
  const root = generateRootKey();
  let keyFile: string | undefined;
  if (flags.newKeyFile) {
    keyFile = resolve(flags.newKeyFile);
    await writeKeyFile(keyFile, root);
    out.note(`The 64-digit key is in ${keyFile}. ${LOST_KEY_WARNING}`);
  } else {
    if (!canPrompt()) throw new UsageError("key mode without a terminal needs --new-key-file F");
    showKey(keyGroups(root), LOST_KEY_WARNING);
    if (!(await confirmKeySaved(keyGroups(root)))) throw new CancelledByUser("the key was not confirmed; nothing was created — run init again");
  }
  let repo: Repository;
  try {
    repo = await Repository.init(storage, root, { protection: "key" });
  } catch (e) {
    if (keyFile) await unlink(keyFile).catch(() => {}); // a key for a backup that does not exist only confuses
    throw e;
  }
  return { repo: location, repoId: repo.repoId, protection: "key", ...(keyFile ? { keyFile } : {}) };
}

async function writeKeyFile(path: string, root: RootKey): Promise<void> {
  await writeNewSecretFile(path, keyGroups(root).join(" ") + "\n", "key file");
}

async function initWithPassword(flags: InitFlags, storage: Storage, location: string, out: Output) {
  const warn = (l: string) => out.note(l);
  // Chosen at the interactive menu: ask for what the flags would have said.
  if (canPrompt() && !flags.vault && !process.env.CHATVAULT_VAULT) flags.vault = (await askLine("Key vault URL:", "http://127.0.0.1:8471")).trim();
  if (canPrompt() && !flags.tokenFile && !process.env.CHATVAULT_TOKEN_FILE) flags.tokenFile = (await askLine("File holding your account token:")).trim();
  const vault = await connectVault(flags, { warn });
  const status = await vault.client.status();
  if (status.state === "enabled") {
    throw new CliError(
      EXIT.targetExists,
      "already_enabled",
      "this account already has a password-protected backup; use `chatvault password change`, or `chatvault disable` first",
    );
  }
  out.note(`${LOST_PASSWORD_WARNING}\n${guessLimitLine(status.policy)}.`);
  const password = await obtainNewPassword(
    { file: flags.passwordFile, envVar: "CHATVAULT_PASSWORD_FILE", flag: "--password-file", what: "password", warn },
    warn,
  );
  warnIfWeakKsf(warn);
  const root = generateRootKey();
  // Vault first: a repository whose key never reached the vault could never be opened.
  await vault.client.enable(password, root);
  let repo: Repository;
  try {
    repo = await Repository.init(storage, root, { protection: "password", vaultUrl: vault.url });
  } catch (e) {
    await vault.client.disable(password).catch(() => {}); // undo: the record would protect nothing
    throw e;
  }
  await rememberVault(repo.repoId, vault);
  return { repo: location, repoId: repo.repoId, protection: "password", vault: vault.url };
}
