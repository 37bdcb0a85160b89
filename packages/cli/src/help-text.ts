/**
 * `chatvault --help` without commander: the build (packages/cli/build-help.mjs) renders the
 * program's help once, with commander, into dist/help.txt, and bin.ts prints that file for a
 * lone `--help` / `-h` instead of loading commander and building the program (~40 ms of a
 * ~120 ms start). help-text.test.ts proves the file equal to what commander prints.
 *
 * Commander's help depends on one thing of the terminal: the width it wraps at —
 * `process.stdout.columns` on a TTY, 80 otherwise (colours change nothing: the help is not
 * styled). The file is rendered at 80 columns, so it is used only where commander would
 * wrap at 80 too; any other TTY width falls back to commander.
 */

// `node:fs` without an ESM import, as in bin.ts (the only module `--help` runs besides it):
// a static `import … from "node:fs"` builds the built-in's ESM facade, ~1.5 ms of a start.
const { fstatSync, readFileSync } = process.getBuiltinModule("node:fs");

/** The width the prebuilt help is rendered at: commander's own default when stdout is not a TTY. */
export const PREBUILT_HELP_WIDTH = 80;

/** The prebuilt help file, beside the compiled bin.js (absent when running the TypeScript sources). */
export const PREBUILT_HELP_FILE = new URL("./help.txt", import.meta.url);

/** Whether commander would wrap `chatvault --help` on this stdout at the prebuilt width. */
export function prebuiltHelpFits(stdout: { isTTY?: boolean; columns?: number }): boolean {
  return !stdout.isTTY || stdout.columns === PREBUILT_HELP_WIDTH;
}

/**
 * What prebuiltHelpFits asks of stdout, without creating `process.stdout` where fd 1 tells
 * already: a terminal is a character device, so a pipe, socket or file (how scripts and the
 * bench capture the help) is not one. Creating `process.stdout` on a pipe builds a
 * `net.Socket` — ~25 built-in modules, ~1.5 ms of a ~55 ms start. A character device
 * (a terminal, /dev/null) or an fd that cannot be inspected asks `process.stdout`.
 */
export function stdoutShape(): { isTTY?: boolean; columns?: number } {
  try {
    if (!fstatSync(1).isCharacterDevice()) return { isTTY: false };
  } catch {
    /* no fd 1 to inspect: process.stdout decides */
  }
  return process.stdout;
}

/** The prebuilt help text, or undefined when there is none (source runs) or it does not fit this stdout. */
export function prebuiltHelp(stdout: { isTTY?: boolean; columns?: number } = stdoutShape()): string | undefined {
  if (!prebuiltHelpFits(stdout)) return undefined;
  try {
    return readFileSync(PREBUILT_HELP_FILE, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * What commander writes to stdout for `chatvault --help` when it wraps at `width` columns:
 * the program as bin.ts builds it for `--help` (no command's module loaded), help and
 * footer. Used by the build to write dist/help.txt, and by the test.
 */
export async function renderProgramHelp(width: number = PREBUILT_HELP_WIDTH, hasColors = false): Promise<string> {
  const { buildProgram, commandsIn } = await import("./program.ts");
  const program = await buildProgram(commandsIn(["node", "chatvault", "--help"]));
  let text = "";
  program.configureOutput({
    writeOut: (s) => {
      text += s;
    },
    getOutHelpWidth: () => width,
    getOutHasColors: () => hasColors,
  });
  program.outputHelp();
  return text;
}
