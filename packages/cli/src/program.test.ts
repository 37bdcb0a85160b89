/**
 * Lazy start-up (program.ts): `--help` lists commands from COMMANDS without importing
 * them, so the listing must say exactly what each command's own definition says, and
 * the command being run must get its real definition.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { COMMANDS, buildProgram, commandsIn } from "./program.ts";

test("the --help listing matches every command's own name, order and description", async () => {
  const listed = await buildProgram([]);
  const real = await buildProgram();
  const summary = (p: typeof real) => p.commands.map((c) => `${c.name()}: ${c.description()}`);
  assert.deepEqual(summary(listed), summary(real));
  assert.equal(real.commands.length, COMMANDS.length);
});

test("a listed-only command has no options; the loaded one has its own", async () => {
  const p = await buildProgram(["backup"]);
  const backup = p.commands.find((c) => c.name() === "backup")!;
  const restore = p.commands.find((c) => c.name() === "restore")!;
  assert.ok(
    backup.options.some((o) => o.long === "--repo"),
    "backup is defined with its options",
  );
  assert.equal(restore.options.length, 0, "restore is only listed");
});

test("commandsIn: the first word that is not an option, or the word after help", () => {
  const argv = (...a: string[]) => ["node", "chatvault", ...a];
  assert.deepEqual(commandsIn(argv("--help")), []);
  assert.deepEqual(commandsIn(argv("--version")), []);
  assert.deepEqual(commandsIn(argv()), []);
  assert.deepEqual(commandsIn(argv("--json", "backup", "--repo", "x")), ["backup"]);
  assert.deepEqual(commandsIn(argv("help", "serve")), ["serve"]);
  assert.deepEqual(commandsIn(argv("serve", "token", "--account", "a")), ["serve"]);
  assert.deepEqual(commandsIn(argv("bakup")), [], "an unknown word loads nothing; commander suggests the right one");
});

test("the CLI is a client plus serve: the all-in-one local runner is not one of its commands (it is apps/local, `npm start`)", async () => {
  const argv = (...a: string[]) => ["node", "chatvault", ...a];
  assert.equal(
    COMMANDS.find((c) => c.name === "start"),
    undefined,
  );
  assert.deepEqual(commandsIn(argv("start")), []);
  const program = await buildProgram();
  await assert.rejects(program.parseAsync(argv("start")), /unknown command 'start'/);
});
