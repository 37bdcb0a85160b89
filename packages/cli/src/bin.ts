/**
 * Entry point: run the program, and turn whatever it throws into one line on stderr (or
 * `{"error":{…}}` on stdout under --json) and a documented exit code (report-failure.ts).
 *
 * Everything but the version is imported dynamically, after the `--version` check: a
 * lone `chatvault --version` (what scripts and installers call to probe the command)
 * prints from package.json without loading commander or any command, and a lone
 * `chatvault --help` prints the help commander rendered at build time (help-text.ts)
 * when commander would wrap it the same way (cli-startup.test.ts checks what each start
 * loads).
 */
import { VERSION } from "./version.ts";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
  const help = (await import("./help-text.ts")).prebuiltHelp();
  if (help !== undefined) {
    process.stdout.write(help);
    process.exit(0);
  }
}

// Before anything else grows the heap: a backup's and a restore's garbage is short-lived (young-generation.ts).
const command = args.find((a) => !a.startsWith("-"));
if (command === "backup") (await import("./young-generation.ts")).keepYoungGenerationSmall();
else if (command === "restore") (await import("./young-generation.ts")).keepRestoreHeapSmall();

const [{ EXIT }, { buildProgram, commandsIn }, { reportFailure }] = await Promise.all([
  import("./exit-codes.ts"),
  import("./program.ts"),
  import("./report-failure.ts"),
]);

let code: number = EXIT.ok;
try {
  // Only the command being run is imported (program.ts): `--help` stays fast.
  const program = await buildProgram(commandsIn(process.argv));
  await program.parseAsync(process.argv);
} catch (e) {
  code = await reportFailure(e, { json: process.argv.includes("--json"), help: "chatvault --help" });
}
// Exit explicitly: idle keep-alive sockets (vault, S3) must not hold a finished command open.
process.exit(code);
