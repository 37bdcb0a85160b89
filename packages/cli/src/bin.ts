/**
 * Entry point: run the program, and turn whatever it throws into one line on stderr (or
 * `{"error":{…}}` on stdout under --json) and a documented exit code.
 *
 * Everything but the version is imported dynamically, after the `--version` check: a
 * lone `chatvault --version` (what scripts and installers call to probe the command)
 * prints from package.json without loading commander or any command
 * (cli-startup.test.ts checks what each start loads).
 */
import { VERSION } from "./version.ts";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}

const [{ CommanderError }, { UsageError }, { EXIT }, { buildProgram, commandsIn }] = await Promise.all([
  import("commander"), import("./cli-error.ts"), import("./exit-codes.ts"), import("./program.ts"),
]);

const json = process.argv.includes("--json");

async function fail(e: unknown): Promise<number> {
  let err = e;
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT.ok; // --help, --version
    if (e.code === "commander.help") return EXIT.usage; // a command group without its subcommand: help was shown
    err = new UsageError(`${e.message.replace(/^error: /, "")} (see chatvault --help)`);
  }
  // Imported here, not at the top: it knows every error class, so it loads the SDK and the vault client.
  const { toExit } = await import("./errors-to-exit.ts");
  const r = toExit(err);
  const details = r.details ? { details: r.details } : {};
  if (json) process.stdout.write(JSON.stringify({ error: { code: r.code, message: r.message, exitCode: r.exitCode, ...details } }) + "\n");
  else process.stderr.write(`chatvault: ${r.message}\n`);
  if (r.exitCode === EXIT.other && process.env.CHATVAULT_DEBUG === "1" && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return r.exitCode;
}

let code: number = EXIT.ok;
try {
  // Only the command being run is imported (program.ts): `--help` stays fast.
  const program = await buildProgram(commandsIn(process.argv));
  await program.parseAsync(process.argv);
} catch (e) {
  code = await fail(e);
}
// Exit explicitly: idle keep-alive sockets (vault, S3) must not hold a finished command open.
process.exit(code);
