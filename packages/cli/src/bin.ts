/**
 * Entry point: run the program, and turn whatever it throws into one line on stderr (or
 * `{"error":{…}}` on stdout under --json) and a documented exit code (report-failure.ts).
 *
 * Everything but the version and the prebuilt help is imported dynamically, after their
 * checks: a lone `chatvault --version` (what scripts and installers call to probe the
 * command) prints the version without loading commander or any command, and a lone
 * `chatvault --help` prints the help commander rendered at build time (help-text.ts)
 * when commander would wrap it the same way. Both are static imports of two small
 * modules that only this entry imports, so the installed bundle (bundle.mjs) holds them
 * in bin.js itself, with the version inlined at build time: those two answers load
 * one file (cli-startup.test.ts and help-text.test.ts check what each start loads).
 */
import { prebuiltHelp } from "./help-text.ts";
import { VERSION } from "./version.ts";

// `node:fs` without an ESM import: a static `import … from "node:fs"` builds the built-in's
// ESM facade, ~1.5 ms and ~1 MiB of a ~55 ms start (docs/performance.md "Start-up").
const { writeSync } = process.getBuiltinModule("node:fs");

/**
 * Print one of the two early answers and exit 0. Written to fd 1 directly: creating
 * `process.stdout` on a pipe builds a `net.Socket` (~25 built-in modules, ~1.5 ms of a
 * ~55 ms start, docs/performance.md "Start-up"). Whatever a direct write cannot take — a
 * full non-blocking pipe (EAGAIN), a closed one (EPIPE) — goes to `process.stdout`, which
 * handles both as it always did.
 */
function answer(text: string): never {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch {
    process.stdout.write(bytes.subarray(written));
  }
  process.exit(0);
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) answer(`${VERSION}\n`);
if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
  const help = prebuiltHelp();
  if (help !== undefined) answer(help);
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
