/** @chatvault/cli as a library: the program (for tests and embedding) and its exit codes. */
export { buildProgram, commandsIn, COMMANDS, ENVIRONMENT, type CommandEntry } from "./program.ts";
export { EXIT, EXIT_DESCRIPTIONS, type ExitCode, type ExitName } from "./exit-codes.ts";
export { toExit, describeWait } from "./errors-to-exit.ts";
