/**
 * Entry point: run the program, and turn whatever it throws into one line on stderr (or
 * `{"error":{…}}` on stdout under --json) and a documented exit code.
 */
import { CommanderError } from "commander";
import { UsageError } from "./cli-error.ts";
import { toExit } from "./errors-to-exit.ts";
import { EXIT } from "./exit-codes.ts";
import { buildProgram } from "./program.ts";
import { loadVaultServer } from "./vault-home.ts";

const json = process.argv.includes("--json");

function fail(e: unknown): number {
  let err = e;
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT.ok; // --help, --version
    if (e.code === "commander.help") return EXIT.usage; // a command group without its subcommand: help was shown
    err = new UsageError(`${e.message.replace(/^error: /, "")} (see chatvault --help)`);
  }
  const r = toExit(err);
  const details = r.details ? { details: r.details } : {};
  if (json) process.stdout.write(JSON.stringify({ error: { code: r.code, message: r.message, exitCode: r.exitCode, ...details } }) + "\n");
  else process.stderr.write(`chatvault: ${r.message}\n`);
  if (r.exitCode === EXIT.other && process.env.CHATVAULT_DEBUG === "1" && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return r.exitCode;
}

/** The command word (first argument that is not an option), e.g. "serve". */
const command = process.argv.slice(2).find((a) => !a.startsWith("-"));
const needsVault = command === "serve" || command === "start" || (command === "help" && ["serve", "start"].includes(process.argv[process.argv.indexOf("help") + 1] ?? ""));

let code: number = EXIT.ok;
try {
  const vaultServer = needsVault ? await loadVaultServer() : undefined;
  await buildProgram(vaultServer).parseAsync(process.argv);
} catch (e) {
  code = fail(e);
}
// Exit explicitly: idle keep-alive sockets (vault, S3) must not hold a finished command open.
process.exit(code);
