/** apps/local/README.md documents every option of `npm start` (as docs/cli.md does the CLI's). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { buildProgram } from "./program.ts";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

test("the README documents every option of npm start, and each variable its help names", () => {
  const program = buildProgram();
  assert.ok(program.options.length >= 5);
  for (const o of program.options) {
    if (!o.long || o.long === "--help") continue;
    assert.match(readme, new RegExp(`^\\| \`${o.long}[ \`]`, "m"), `README: option ${o.long}`);
    for (const v of o.description.match(/CHATVAULT_[A-Z_]+/g) ?? []) assert.ok(readme.includes(`\`${v}\``), `README: ${v} (of ${o.long})`);
  }
});
