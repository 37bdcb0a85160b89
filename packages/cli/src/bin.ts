/**
 * Entry point: run the program, and turn whatever it throws into one line on stderr (or
 * `{"error":{…}}` on stdout under --json) and a documented exit code (report-failure.ts).
 */
import { EXIT } from "./exit-codes.ts";
import { buildProgram, commandsIn } from "./program.ts";
import { reportFailure } from "./report-failure.ts";

let code: number = EXIT.ok;
try {
  // Only the command being run is imported (program.ts): `--help` and `--version` stay fast.
  const program = await buildProgram(commandsIn(process.argv));
  await program.parseAsync(process.argv);
} catch (e) {
  code = await reportFailure(e, { json: process.argv.includes("--json"), help: "chatvault --help" });
}
// Exit explicitly: idle keep-alive sockets (vault, S3) must not hold a finished command open.
process.exit(code);
