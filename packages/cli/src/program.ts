/**
 * The `chatvault` command line: one commander program, one file per command under
 * commands/. Errors are not handled here: every action throws, and bin.ts turns the
 * error into one line and an exit code (errors-to-exit.ts).
 *
 * Start-up is lazy: a command's module (and the SDK, the vault client, S3, prompts it
 * pulls in) is imported only when that command runs or its help is shown. The others
 * appear in `chatvault --help` by name and description only, from COMMANDS below, so
 * `--help` loads commander and nothing else of weight (bin.ts answers a lone
 * `--version` before even commander is loaded; cli-startup.test.ts checks both).
 */
import { Command } from "commander";
import { EXIT, EXIT_DESCRIPTIONS, type ExitName } from "./exit-codes.ts";
import { loadVaultServer } from "./vault-home.ts";
import { VERSION } from "./version.ts";

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
  CHATVAULT_HOME: "where `serve` keeps the vault's data (default ./.chatvault)",
  CHATVAULT_PORT: "port of `serve` (default 8471; 0 picks a free one)",
  AWS_ACCESS_KEY_ID: "S3 credentials (with AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_PROFILE)",
  CHATVAULT_INSECURE_TEST_KSF: "TEST ONLY: 1 = cheap password hashing, for test suites against a test vault",
  CHATVAULT_DEBUG: "1 = print stack traces of unexpected errors",
};

function footer(): string {
  const codes = (Object.keys(EXIT) as ExitName[]).map((k) => `  ${String(EXIT[k]).padStart(3)}  ${EXIT_DESCRIPTIONS[k]}`);
  const env = Object.entries(ENVIRONMENT).map(([k, v]) => `  ${k.padEnd(28)} ${v}`);
  return `\nSecrets are read from files or descriptors (--password-file /dev/fd/3), from the\n*_FILE variables, or typed at a hidden prompt; never from the command line.\n\nEnvironment:\n${env.join("\n")}\n\nExit codes:\n${codes.join("\n")}\n`;
}

type Register = (program: Command) => void;

/** A command of the program: listed by name and description; its module is loaded only when needed. */
export interface CommandEntry {
  name: string;
  /** Shown by `chatvault --help`; the same text as the command's own (program.test.ts checks). */
  description: string;
  load(): Promise<Register>;
}

/** Every command, in the order `--help` lists them. `serve` also needs the vault server (~200 ms to import). */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "init",
    description: "create an end-to-end encrypted backup protected by a 64-digit key or a password",
    load: async () => (await import("./commands/init.ts")).registerInit,
  },
  {
    name: "backup",
    description: "back up the chat database and media folder (only changes are uploaded)",
    load: async () => (await import("./commands/backup.ts")).registerBackup,
  },
  {
    name: "restore",
    description: "restore the chat database and media into a folder",
    load: async () => (await import("./commands/restore.ts")).registerRestore,
  },
  { name: "password", description: "manage the backup password (password mode)", load: async () => (await import("./commands/password.ts")).registerPassword },
  {
    name: "disable",
    description: "turn end-to-end encrypted backup off: delete the key from the vault",
    load: async () => (await import("./commands/disable.ts")).registerDisable,
  },
  {
    name: "status",
    description: "protection mode, last backup, and the vault's attempts remaining or lock",
    load: async () => (await import("./commands/status.ts")).registerStatus,
  },
  { name: "snapshots", description: "list the snapshots in the backup", load: async () => (await import("./commands/snapshots.ts")).registerSnapshots },
  { name: "verify", description: "download and authenticate the backup's data", load: async () => (await import("./commands/verify.ts")).registerVerify },
  {
    name: "check",
    description: "prove the backup restores: a full restore into a scratch folder, checked, then removed",
    load: async () => (await import("./commands/check.ts")).registerCheck,
  },
  { name: "prune", description: "delete old snapshots and the data only they use", load: async () => (await import("./commands/prune.ts")).registerPrune },
  {
    name: "unlock",
    description: "remove stale repository locks left by crashed chatvault processes",
    load: async () => (await import("./commands/unlock.ts")).registerUnlock,
  },
  {
    name: "serve",
    description: "run the key vault (SQLite + key file under <home>/vault unless told otherwise)",
    load: async () => {
      const [{ registerServe }, vs] = await Promise.all([import("./commands/serve.ts"), loadVaultServer()]);
      return (program) => registerServe(program, vs);
    },
  },
  {
    name: "demo-data",
    description: "generate a demo chat history (--out), or add a day of activity to one (--mutate)",
    load: async () => (await import("./commands/demo-data.ts")).registerDemoData,
  },
];

/**
 * The commands `argv` runs or asks help for: the first word that is not an option
 * (`chatvault --json backup …` → backup), or the word after `help` (`chatvault help serve`).
 * None for `--help`, `--version` or an unknown word (commander reports it).
 */
export function commandsIn(argv: readonly string[]): string[] {
  const words = argv.slice(2).filter((a) => !a.startsWith("-"));
  const word = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.some((c) => c.name === word) ? [word!] : [];
}

/**
 * The program, with the real definitions (options, actions) of the commands named in
 * `load` — all of them by default — and the rest listed by name and description only.
 * bin.ts passes `commandsIn(process.argv)`.
 */
export async function buildProgram(load: readonly string[] = COMMANDS.map((c) => c.name)): Promise<Command> {
  const program = new Command("chatvault");
  program
    .description("End-to-end encrypted backups of chat databases and media, protected by a password (kept by a key vault) or a 64-digit key.")
    .version(VERSION, "-V, --version")
    .option("--json", 'machine-readable output: exactly one JSON object on stdout (errors as {"error":{…}})')
    .exitOverride() // bin.ts decides how errors look (one line, or JSON) and the exit code
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true)
    .addHelpText("after", footer());
  const wanted = COMMANDS.filter((c) => load.includes(c.name));
  const registers = new Map(await Promise.all(wanted.map(async (c) => [c.name, await c.load()] as const)));
  for (const c of COMMANDS) {
    const register = registers.get(c.name);
    if (register) register(program);
    else program.command(c.name).description(c.description);
  }
  return program;
}
