/**
 * `npm start` (the root package.json runs this file with tsx and the chatvault-source
 * condition, from the workspace root, so ./.chatvault is the workspace's). A failure ends
 * as the CLI's do: one line on stderr, or `{"error":{…}}` under --json, and the CLI's
 * exit codes (2: a busy port, a bad flag).
 */
import { EXIT, reportFailure } from "@chatvault/cli";
import { buildProgram } from "./program.ts";

let code: number = EXIT.ok;
try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  code = await reportFailure(e, { json: process.argv.includes("--json"), help: "npm start -- --help" });
}
// Exit explicitly: idle keep-alive sockets of the servers just closed must not hold the process open.
process.exit(code);
