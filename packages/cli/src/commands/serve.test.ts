/**
 * `chatvault serve` declares its flags from the vault's flag table
 * (packages/vault-server/src/command-line.ts) and hands what commander parsed back to the
 * vault's parser as argv: a switch must come back as a bare `--flag` (the vault's parser
 * rejects a value after it), a value flag as `--flag value`, and a flag not given not at all.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as vs from "@chatvault/vault-server";
import { buildProgram } from "../program.ts";
import { vaultArgv } from "./serve.ts";

const table = Object.entries(vs.COMMAND_LINE_FLAGS);
const switches = table.filter(([, d]) => d.boolean).map(([f]) => f);
const valued = table.filter(([, d]) => !d.boolean).map(([f]) => f);

class Parsed extends Error {}

/** What `chatvault serve <args>` would hand the vault, without starting it. */
async function argvOf(args: string[]): Promise<string[]> {
  const program = await buildProgram(["serve"]);
  let opts: Record<string, unknown> | undefined;
  program.hook("preAction", (_program, action) => {
    opts = action.opts();
    throw new Parsed();
  });
  await assert.rejects(program.parseAsync(["node", "chatvault", "serve", ...args]), Parsed);
  return vaultArgv(opts!, vs.COMMAND_LINE_FLAGS);
}

test("the vault's table has switches and value flags (else the tests below test nothing)", () => {
  assert.ok(switches.length > 0, "some flag is boolean");
  assert.ok(valued.length > 0, "some flag takes a value");
});

test("every boolean flag of the vault's table round-trips through serve as a bare switch the vault accepts", async () => {
  const none = vs.parseCommandLine([], {}).options;
  for (const flag of switches) {
    const argv = await argvOf([`--${flag}`]);
    assert.deepEqual(argv, [`--${flag}`], flag);
    const parsed = vs.parseCommandLine(argv, {}).options;
    assert.deepEqual(parsed, vs.parseCommandLine([`--${flag}`], {}).options, flag);
    assert.notDeepEqual(parsed, none, `--${flag} changes the vault's options`);
  }
  assert.deepEqual(
    await argvOf(switches.map((f) => `--${f}`)),
    switches.map((f) => `--${f}`),
    "all at once, in table order",
  );
});

test("serve --help shows a switch without a value and every other vault flag with one", async () => {
  const program = await buildProgram(["serve"]);
  const serve = program.commands.find((c) => c.name() === "serve")!;
  for (const [flag, d] of table) {
    const option = serve.options.find((o) => o.long === `--${flag}`);
    assert.ok(option, `--${flag} is declared`);
    assert.equal(option.isBoolean(), !!d.boolean, `--${flag}: ${option.flags}`);
    assert.ok(option.description.endsWith(`(env CHATVAULT_VAULT_${d.env})`), option.description);
  }
});

test("every value flag round-trips as --flag value; flags not given are left out", async () => {
  for (const flag of valued) assert.deepEqual(await argvOf([`--${flag}`, "v"]), [`--${flag}`, "v"], flag);
  assert.deepEqual(await argvOf(["--home", "/h"]), [], "--home is serve's own, not the vault's");
  assert.deepEqual(await argvOf(["--port", "0", "--test-clock", "--log-level", "warn"]), ["--port", "0", "--log-level", "warn", "--test-clock"]);
});
