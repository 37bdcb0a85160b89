/**
 * The prebuilt `chatvault --help` (src/help-text.ts): the compiled CLI prints dist/help.txt
 * for a lone `--help` instead of loading commander; these prove it byte-identical to what
 * commander prints, and that it is used only where commander would wrap at the same width.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PREBUILT_HELP_WIDTH, prebuiltHelpFits, renderProgramHelp } from "../src/help-text.ts";
import { BIN, CLI_ROOT, REPO_ROOT } from "./support.ts";
import { filesOfCli, recordLoads } from "./startup-loads.ts";

const DIST_BIN = join(CLI_ROOT, "dist", "bin.js");
const DIST_HELP = join(CLI_ROOT, "dist", "help.txt");
const run = (script: string, args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8", timeout: 60_000 });

test("the rendered help is what commander prints for `chatvault --help` on a pipe", async () => {
  // The workspace's sources have no help.txt beside bin.ts: this run goes through commander.
  const viaCommander = run(BIN, ["--help"]);
  assert.equal(viaCommander.status, 0, viaCommander.stderr);
  assert.equal(await renderProgramHelp(), viaCommander.stdout);
});

test("the prebuilt help is used only where commander wraps at its width", async () => {
  assert.equal(prebuiltHelpFits({ isTTY: false }), true, "a pipe or file: commander wraps at 80");
  assert.equal(prebuiltHelpFits({}), true);
  assert.equal(prebuiltHelpFits({ isTTY: true, columns: PREBUILT_HELP_WIDTH }), true);
  for (const columns of [40, 79, 81, 120, undefined]) assert.equal(prebuiltHelpFits({ isTTY: true, columns }), false, `a TTY of ${columns} columns`);
  // A terminal of that width with colours gets the same bytes (the help is not styled)…
  assert.equal(await renderProgramHelp(PREBUILT_HELP_WIDTH, true), await renderProgramHelp(PREBUILT_HELP_WIDTH, false));
  // …and another width would not: that is why it falls back to commander.
  assert.notEqual(await renderProgramHelp(120), await renderProgramHelp(PREBUILT_HELP_WIDTH));
});

/**
 * `npm run build` of the CLI and what it depends on (scripts/build.mjs), as a fresh clone has
 * none: the compiled packages resolve each other through their dist/, so the source condition
 * the test runner puts in NODE_OPTIONS is taken out.
 */
function buildCli(): void {
  const NODE_OPTIONS = (process.env.NODE_OPTIONS ?? "").replace(/--conditions=chatvault-source/g, "").trim();
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs"), "@chatvault/cli"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, NODE_OPTIONS },
  });
  assert.equal(r.status, 0, `npm run build of @chatvault/cli failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" ")}`);
}

test("the compiled CLI's --help prints the build's help.txt, equal to commander's, without loading commander", { timeout: 360_000 }, async () => {
  const expected = await renderProgramHelp();
  // No build yet (a fresh clone), or one older than the sources' commands: build it now.
  if (!existsSync(DIST_HELP) || readFileSync(DIST_HELP, "utf8") !== expected) buildCli();
  assert.equal(readFileSync(DIST_HELP, "utf8"), expected, "the build's dist/help.txt is the sources' help");
  for (const flag of ["--help", "-h"]) {
    const fast = recordLoads(DIST_BIN, [flag]);
    assert.equal(fast.status, 0, fast.stderr);
    assert.equal(fast.stdout, expected);
    // The compiled CLI is a bundle (bundle.mjs): bin.js alone, holding the entry and the prebuilt help's reader.
    assert.deepEqual(filesOfCli(fast, CLI_ROOT), ["dist/bin.js"], `${flag} loads bin.js alone`);
    assert.deepEqual(fast.modules.toSorted(), ["dist/bin.js", "dist/help-text.js"], `${flag} loads the CLI's entry and the prebuilt help only`);
  }
  // `chatvault help` builds the same program through commander: the same bytes, the same exit.
  const viaCommander = recordLoads(DIST_BIN, ["help"]);
  assert.equal(viaCommander.status, 0, viaCommander.stderr);
  assert.ok(viaCommander.packages.includes("commander"), "`help` goes through commander");
  assert.equal(viaCommander.stdout, expected);
});

test("the compiled CLI's --version loads bin.js alone and prints package.json's version", { timeout: 360_000 }, () => {
  if (!existsSync(DIST_HELP)) buildCli();
  const { version } = JSON.parse(readFileSync(join(CLI_ROOT, "package.json"), "utf8")) as { version: string };
  for (const flag of ["--version", "-V"]) {
    const r = recordLoads(DIST_BIN, [flag]);
    assert.equal(r.status, 0, r.stderr);
    // bundle.mjs inlines the version into bin.js: the build's, which is package.json's.
    assert.equal(r.stdout, `${version}\n`);
    assert.deepEqual(filesOfCli(r, CLI_ROOT), ["dist/bin.js"], `${flag} loads bin.js alone`);
  }
  // Through commander (another flag beside it): the program's own version, the same.
  const viaCommander = run(DIST_BIN, ["--json", "--version"]);
  assert.equal(viaCommander.status, 0, viaCommander.stderr);
  assert.equal(viaCommander.stdout, `${version}\n`);
});

/** `chatvault --help` run by the compiled CLI on a terminal of `columns` columns (util-linux `script` gives it a pty). */
function helpOnTerminal(columns: number): string {
  const command = `stty cols ${columns}; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(DIST_BIN)} --help`;
  const r = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\r\n/g, "\n");
}

test(
  "on a terminal the compiled --help asks the terminal's width: the prebuilt help at 80 columns, commander's at another",
  { timeout: 360_000, skip: spawnSync("script", ["-V"]).status === 0 ? false : "util-linux `script` is not installed" },
  async () => {
    if (!existsSync(DIST_HELP)) buildCli();
    // fd 1 is a character device there, so bin.ts asks process.stdout (help-text.ts, stdoutShape).
    assert.equal(helpOnTerminal(PREBUILT_HELP_WIDTH), readFileSync(DIST_HELP, "utf8"));
    assert.equal(helpOnTerminal(120), await renderProgramHelp(120));
  },
);
