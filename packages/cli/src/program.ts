/**
 * The `chatvault` command line: one commander program, one file per command under
 * commands/. Errors are not handled here: every action throws, and bin.ts turns the
 * error into one line and an exit code (errors-to-exit.ts).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { EXIT, EXIT_DESCRIPTIONS, type ExitName } from "./exit-codes.ts";
import { registerBackup } from "./commands/backup.ts";
import { registerCheck } from "./commands/check.ts";
import { registerDemoData } from "./commands/demo-data.ts";
import { registerDisable } from "./commands/disable.ts";
import { registerInit } from "./commands/init.ts";
import { registerPassword } from "./commands/password.ts";
import { registerPrune } from "./commands/prune.ts";
import { registerRestore } from "./commands/restore.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSnapshots } from "./commands/snapshots.ts";
import { registerStart } from "./commands/start.ts";
import { registerStatus } from "./commands/status.ts";
import { registerUnlock } from "./commands/unlock.ts";
import { registerVerify } from "./commands/verify.ts";
import type { VaultServerModule } from "./vault-home.ts";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Environment variables the CLI reads; docs/cli.md must list each (a test checks). */
export const ENVIRONMENT: Record<string, string> = {
  CHATVAULT_REPO: "backup location, like --repo",
  CHATVAULT_KEY_FILE: "file holding the 64-digit key, like --key-file",
  CHATVAULT_PASSWORD_FILE: "file holding the password, like --password-file",
  CHATVAULT_NEW_PASSWORD_FILE: "file holding the new password, like --new-password-file",
  CHATVAULT_TOKEN_FILE: "file holding the vault account token, like --token-file",
  CHATVAULT_VAULT: "key vault URL, like --vault",
  CHATVAULT_S3_ENDPOINT: "S3 endpoint, like --s3-endpoint",
  CHATVAULT_CONFIG_DIR: "this machine's chatvault folder (default ~/.config/chatvault): freshness records, remembered vault URL and token path",
  CHATVAULT_HOME: "where `serve` and `start` keep the vault's data (default ./.chatvault)",
  CHATVAULT_PORT: "port of `serve` and `start` (default 8471; 0 picks a free one)",
  CHATVAULT_WEB_PORT: "port of the web messenger under `start` (default 8480; 0 picks a free one)",
  AWS_ACCESS_KEY_ID: "S3 credentials (with AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_PROFILE)",
  CHATVAULT_INSECURE_TEST_KSF: "TEST ONLY: 1 = cheap password hashing, for test suites against a test vault",
  CHATVAULT_DEBUG: "1 = print stack traces of unexpected errors",
};

function footer(): string {
  const codes = (Object.keys(EXIT) as ExitName[]).map((k) => `  ${String(EXIT[k]).padStart(3)}  ${EXIT_DESCRIPTIONS[k]}`);
  const env = Object.entries(ENVIRONMENT).map(([k, v]) => `  ${k.padEnd(28)} ${v}`);
  return `\nSecrets are read from files or descriptors (--password-file /dev/fd/3), from the\n*_FILE variables, or typed at a hidden prompt; never from the command line.\n\nEnvironment:\n${env.join("\n")}\n\nExit codes:\n${codes.join("\n")}\n`;
}

/**
 * The program. `vaultServer` (the lazily imported @chatvault/vault-server) is needed only
 * by `serve` and `start`; bin.ts loads it for those, so other commands start fast.
 */
export function buildProgram(vaultServer?: VaultServerModule): Command {
  const program = new Command("chatvault");
  program
    .description("End-to-end encrypted backups of chat databases and media, protected by a password (kept by a key vault) or a 64-digit key.")
    .version(version, "-V, --version")
    .option("--json", "machine-readable output: exactly one JSON object on stdout (errors as {\"error\":{…}})")
    .exitOverride() // bin.ts decides how errors look (one line, or JSON) and the exit code
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true)
    .addHelpText("after", footer());
  registerInit(program);
  registerBackup(program);
  registerRestore(program);
  registerPassword(program);
  registerDisable(program);
  registerStatus(program);
  registerSnapshots(program);
  registerVerify(program);
  registerCheck(program);
  registerPrune(program);
  registerUnlock(program);
  registerServe(program, vaultServer);
  registerDemoData(program);
  registerStart(program, vaultServer);
  return program;
}
