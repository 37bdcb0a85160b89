#!/usr/bin/env node
// Part of the CLI's `npm run build`, after the compile: renders `chatvault --help` with
// commander once, into dist/help.txt, which the compiled bin.js prints for a lone `--help`
// without loading commander (src/help-text.ts; help-text.test.ts proves the two equal).
import { writeFileSync } from "node:fs";

const { renderProgramHelp, PREBUILT_HELP_FILE } = await import("./dist/help-text.js");
writeFileSync(PREBUILT_HELP_FILE, await renderProgramHelp());
console.log("@chatvault/cli: wrote dist/help.txt");
