/**
 * @chatvault/cli as a library: the program (for tests and embedding) and its exit codes;
 * and what a front end that runs the vault beside the CLI shares with it, so the two agree
 * — where `serve` keeps the vault's data and on which port, how results and failures are
 * printed (apps/local, `npm start`, uses these).
 */
export { buildProgram, commandsIn, COMMANDS, ENVIRONMENT, type CommandEntry } from "./program.ts";
export { EXIT, EXIT_DESCRIPTIONS, type ExitCode, type ExitName } from "./exit-codes.ts";
export { toExit, describeWait } from "./errors-to-exit.ts";
export { CliError, UsageError } from "./cli-error.ts";
export { Output } from "./output.ts";
export { reportFailure, type ReportOptions } from "./report-failure.ts";
export { DEFAULT_VAULT_PORT, portFrom, untilStopped, vaultDataDir, vaultHome } from "./vault-home.ts";
