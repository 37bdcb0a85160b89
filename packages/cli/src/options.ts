/**
 * Flags shared by several commands, declared once so every command spells them the same
 * way (the scripting contract, docs/cli.md "The scripting contract", depends on the exact
 * names).
 */
import { type Command, InvalidArgumentError } from "commander";
import { Output } from "./output.ts";

export function withRepoOptions(cmd: Command): Command {
  return cmd
    .option("--repo <location>", "backup location: a folder or s3://bucket/prefix (env CHATVAULT_REPO)")
    .option("--s3-endpoint <url>", "S3 endpoint for non-AWS services (env CHATVAULT_S3_ENDPOINT; credentials from the AWS_* variables)")
    .option("--s3-region <region>", "S3 region (default from AWS_REGION)");
}

export function withVaultOptions(cmd: Command): Command {
  return cmd
    .option("--vault <url>", "key vault URL, password mode (env CHATVAULT_VAULT; default: remembered, then the backup's hint)")
    .option("--token-file <file>", "file or /dev/fd/N holding the vault account token (env CHATVAULT_TOKEN_FILE)")
    .option(
      "--realms <file>",
      "realms mode: JSON {threshold, realms: [{url, tokenFile}]} (env CHATVAULT_REALMS_FILE; later commands remember the token files)",
    );
}

export function withSecretOptions(cmd: Command): Command {
  return withVaultOptions(
    cmd
      .option("--key-file <file>", "file or /dev/fd/N holding the 64-digit key (env CHATVAULT_KEY_FILE)")
      .option("--password-file <file>", "file or /dev/fd/N holding the password (env CHATVAULT_PASSWORD_FILE)"),
  );
}

/** The Output for a command, honouring the program-wide --json. */
export function outputOf(cmd: Command): Output {
  return new Output(!!(cmd.optsWithGlobals() as { json?: boolean }).json);
}

export function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
    return Number(v);
  };
}

export function nonNegativeNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
    return n;
  };
}
