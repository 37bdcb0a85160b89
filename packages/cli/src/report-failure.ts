/**
 * How a failed run ends: one line on stderr (or `{"error":{…}}` on stdout under --json)
 * and a documented exit code (exit-codes.ts). bin.ts uses it for `chatvault`, and so does
 * a front end that runs beside the CLI (apps/local, `npm start`), so both fail alike.
 */
import { CommanderError } from "commander";
import { UsageError } from "./cli-error.ts";
import { EXIT } from "./exit-codes.ts";

export interface ReportOptions {
  /** Exactly one JSON object on stdout. */
  json: boolean;
  /** The command that shows the usage, named after a command-line mistake: `chatvault --help`. */
  help: string;
}

/** Print why `e` ended the run, the way `chatvault` does, and return its exit code. */
export async function reportFailure(e: unknown, o: ReportOptions): Promise<number> {
  let err = e;
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) return EXIT.ok; // --help, --version
    if (e.code === "commander.help") return EXIT.usage; // a command group without its subcommand: help was shown
    err = new UsageError(`${e.message.replace(/^error: /, "")} (see ${o.help})`);
  }
  // Imported here, not at the top: it knows every error class, so it loads the SDK and the vault client.
  const { toExit } = await import("./errors-to-exit.ts");
  const r = toExit(err);
  const details = r.details ? { details: r.details } : {};
  if (o.json) process.stdout.write(JSON.stringify({ error: { code: r.code, message: r.message, exitCode: r.exitCode, ...details } }) + "\n");
  else process.stderr.write(`chatvault: ${r.message}\n`);
  if (r.exitCode === EXIT.other && process.env.CHATVAULT_DEBUG === "1" && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  return r.exitCode;
}
