/**
 * The command line of `npm start` (`npm start -- --realms 3`, `npm start -- --help`):
 * the flags `chatvault start` had, and `--json` (one JSON object on stdout, as the CLI's).
 */
import { Output } from "@chatvault/cli";
import { Command } from "commander";
import { type StartFlags, startLocal } from "./start.ts";

export function buildProgram(): Command {
  return new Command("npm start --")
    .description("run everything locally (key vault, backup folder, web messenger) on 127.0.0.1 and print what to do next")
    .option("--home <dir>", "data folder (env CHATVAULT_HOME, default ./.chatvault)")
    .option("--port <port>", "vault port; 0 picks a free one (env CHATVAULT_PORT, default 8471)")
    .option("--web-port <port>", "web messenger port; 0 picks a free one (env CHATVAULT_WEB_PORT, default 8480)")
    .option("--no-web", "do not serve the web messenger")
    .option(
      "--realms <n>",
      "also run n realms of the threshold vault (2 to 9; ports 8481…, each its own home under <home>/realm-<i>) and print a realms-mode CLI session",
    )
    .option("--json", 'machine-readable output: exactly one JSON object on stdout (errors as {"error":{…}})')
    .exitOverride() // main.ts decides how errors look (one line, or JSON) and the exit code, as the CLI does
    .configureOutput({ outputError: () => {} })
    .action((flags: StartFlags & { json?: boolean }) => startLocal(flags, new Output(!!flags.json)));
}
