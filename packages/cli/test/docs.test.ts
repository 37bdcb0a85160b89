/**
 * docs/cli.md stays in sync with the program: every command has a section, every option
 * of it appears in that section, and every environment variable and exit code is listed.
 * Also: the launcher works from any folder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { buildProgram, ENVIRONMENT } from "../src/program.ts";
import { EXIT } from "../src/exit-codes.ts";
import { REPO_ROOT, runCli } from "./support.ts";

const docs = readFileSync(join(REPO_ROOT, "docs", "cli.md"), "utf8");

function section(path: string): string {
  const heading = `### \`chatvault ${path}\``;
  const start = docs.indexOf(heading + "\n");
  assert.ok(start >= 0, `docs/cli.md has no section "${heading}"`);
  const next = docs.indexOf("\n### ", start + heading.length);
  return docs.slice(start, next < 0 ? undefined : next);
}

function walk(cmd: Command, prefix: string[], out: { path: string; cmd: Command }[]): void {
  for (const sub of cmd.commands) {
    const path = [...prefix, sub.name()];
    // A pure group (`password`) has no options of its own; its subcommands are documented.
    if (sub.commands.length === 0 || sub.options.length > 0) out.push({ path: path.join(" "), cmd: sub });
    walk(sub, path, out);
  }
}

test("docs/cli.md documents every command and option", async () => {
  const program = await buildProgram();
  const commands: { path: string; cmd: Command }[] = [];
  walk(program, [], commands);
  assert.ok(commands.length >= 13, `found ${commands.length} commands`);
  for (const { path, cmd } of commands) {
    if (path === "help") continue;
    const text = section(path);
    for (const o of cmd.options) {
      if ((o as { hidden?: boolean }).hidden || !o.long || o.long === "--help") continue;
      assert.ok(text.includes(o.long), `docs/cli.md, section chatvault ${path}: option ${o.long} is missing`);
    }
  }
  for (const o of program.options) if (o.long && o.long !== "--version") assert.ok(docs.includes(o.long), `global option ${o.long}`);
});

test("docs/cli.md lists every environment variable and exit code", () => {
  for (const name of Object.keys(ENVIRONMENT)) assert.ok(docs.includes(name), `environment variable ${name} is missing`);
  for (const [name, code] of Object.entries(EXIT)) assert.match(docs, new RegExp(`^\\| ${code} \\| `, "m"), `exit code ${code} (${name}) is missing`);
});

test("the launcher runs from any folder", async () => {
  const r = await runCli(["--version"], { PATH: process.env.PATH ?? "" }, { cwd: tmpdir() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});
